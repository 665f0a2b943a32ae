//! `server config` against an installed test-bed stack (real sshd, engine, PostgreSQL):
//! a setting reaches the backend's environment and survives the next install; bad values
//! and secrets on the command line are refused with nothing changed; an API key set from
//! stdin is never printed or audited; rotating the signing key and the database password
//! leaves the companion answering with its data; a held deploy lock refuses a change.

mod support;

use std::path::Path;
use std::process::Command;

use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_api::{Cancel, Environment, Secret};
use deskmate_test_server::docker::release;
use support::stack::{http, installed, memories};

const CANARY: &str = "sk-canary-0b7e4f19";

fn backend_env(container: &str) -> String {
    let out = Command::new("docker")
        .args([
            "inspect",
            "--format",
            "{{range .Config.Env}}{{println .}}{{end}}",
            container,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn env_value(stack: &str, file: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(Path::new(stack).join("shared/env").join(file))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
}

#[test]
fn settings_are_checked_applied_kept_and_secrets_rotated_without_losing_data() {
    let it = installed(2);
    let list = support::deskmate_with_data(
        it.data.path(),
        &[&"server", &"config", &"home", &"list", &"--json"],
    );
    assert_eq!(list.code, 0, "{}{}", list.stdout, list.stderr);
    let entries = list.json();
    let entry = |key: &str| {
        entries
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(entry("LOG_LEVEL")["set"], false);
    assert_eq!(entry("JWT_SECRET")["set"], true);
    assert!(
        entry("JWT_SECRET")["value"].is_null(),
        "a secret's value is never shown"
    );

    // A setting: checked, written, the backend recreated with it and healthy, each step told.
    let mut steps = Vec::new();
    let change = it
        .servers
        .config_set(
            "home",
            Environment::Production,
            "LOG_LEVEL",
            &Secret::new("debug"),
            &mut |e| steps.extend(support::events::finished(e)),
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(change.restarted, ["backend"]);
    assert!(steps.contains(&"restart"), "{steps:?}");
    let backend = it.project.containers("backend");
    assert!(backend_env(&backend[0]).contains("LOG_LEVEL=debug"));
    let (status, _) = http(it.port, "GET", "/api/health", "");
    assert!(status.contains("200"), "{status}");

    // A bad value and a secret on the command line: refused, nothing changed.
    let before =
        std::fs::read_to_string(Path::new(&it.stack).join("shared/env/backend.env")).unwrap();
    let err = it
        .servers
        .config_set(
            "home",
            Environment::Production,
            "LOG_LEVEL",
            &Secret::new("loud"),
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "stack.bad_setting", "{err:?}");
    let typed = support::deskmate_with_data(
        it.data.path(),
        &[
            &"server",
            &"config",
            &"home",
            &"set",
            &format!("OPENAI_API_KEY={CANARY}"),
            &"--json",
        ],
    );
    assert_eq!(typed.code, 2, "{}{}", typed.stdout, typed.stderr);
    assert!(
        typed.stdout.contains("usage.secret_on_command_line"),
        "{}",
        typed.stdout
    );
    assert_eq!(
        std::fs::read_to_string(Path::new(&it.stack).join("shared/env/backend.env")).unwrap(),
        before
    );

    // An API key from stdin: set, never printed, never audited.
    let piped = support::deskmate_piped(
        it.data.path(),
        &format!("{CANARY}\n"),
        &[
            &"server",
            &"config",
            &"home",
            &"set",
            &"OPENAI_API_KEY",
            &"--value-stdin",
        ],
    );
    assert_eq!(piped.code, 0, "{}{}", piped.stdout, piped.stderr);
    assert_eq!(
        env_value(&it.stack, "backend.env", "OPENAI_API_KEY").as_deref(),
        Some(CANARY)
    );
    let listed =
        support::deskmate_with_data(it.data.path(), &[&"server", &"config", &"home", &"list"]);
    let audit = std::fs::read_to_string(Path::new(&it.stack).join("log/audit.log")).unwrap();
    for (what, text) in [
        (
            "the set's output",
            format!("{}{}", piped.stdout, piped.stderr),
        ),
        ("the list", listed.stdout),
        ("the audit log", audit.clone()),
    ] {
        assert!(!text.contains(CANARY), "the API key is in {what}");
    }
    assert!(
        audit.contains("config set LOG_LEVEL=debug")
            && audit.contains("config set OPENAI_API_KEY (a secret)"),
        "{audit}"
    );

    // Rotations: the signing key, then the database password (in the database too).
    let old_jwt = env_value(&it.stack, "backend.env", "JWT_SECRET").unwrap();
    it.servers
        .config_rotate(
            "home",
            Environment::Production,
            "JWT_SECRET",
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    let new_jwt = env_value(&it.stack, "backend.env", "JWT_SECRET").unwrap();
    assert!(new_jwt != old_jwt && new_jwt.len() == 32);
    let old_password = env_value(&it.stack, "postgres.env", "POSTGRES_PASSWORD").unwrap();
    it.servers
        .config_rotate(
            "home",
            Environment::Production,
            "POSTGRES_PASSWORD",
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    let new_password = env_value(&it.stack, "postgres.env", "POSTGRES_PASSWORD").unwrap();
    assert_ne!(new_password, old_password);
    assert!(
        env_value(&it.stack, "backend.env", "DATABASE_URL")
            .unwrap()
            .contains(&format!(":{new_password}@"))
    );
    assert_eq!(memories(it.port), 2, "the companion still reads its data");
    let (status, body) = http(
        it.port,
        "POST",
        "/api/memories",
        r#"{"persona": "aria", "text": "after the rotation"}"#,
    );
    assert!(status.contains("201"), "{status} {body}");

    // The next install keeps the owner's settings and the rotated secrets.
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = it.port;
    it.servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert_eq!(
        env_value(&it.stack, "backend.env", "LOG_LEVEL").as_deref(),
        Some("debug")
    );
    assert_eq!(
        env_value(&it.stack, "backend.env", "JWT_SECRET"),
        Some(new_jwt)
    );
    assert_eq!(
        env_value(&it.stack, "postgres.env", "POSTGRES_PASSWORD"),
        Some(new_password)
    );
    assert_eq!(memories(it.port), 3);

    // An update in progress (its lock held): the change waits for it.
    std::fs::create_dir_all(Path::new(&it.stack).join(".lock/deploy")).unwrap();
    std::fs::write(
        Path::new(&it.stack).join(".lock/deploy/holder"),
        "0\tsomeone else\n",
    )
    .unwrap();
    let err = it
        .servers
        .config_set(
            "home",
            Environment::Production,
            "LOG_LEVEL",
            &Secret::new("info"),
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "release.locked", "{err:?}");
    assert_eq!(
        env_value(&it.stack, "backend.env", "LOG_LEVEL").as_deref(),
        Some("debug")
    );
}
