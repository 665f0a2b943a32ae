//! `deskmate server …` end to end, against a real sshd and the real Docker engine.

mod support;

use std::fs;
use std::path::Path;

use deskmate_test_server::docker::{Project, docker, release};
use deskmate_test_server::{TestServer, free_port, test_password};
use support::{Run, deskmate_piped};

fn server_cmd(data: &Path, stdin: &str, args: &[&str]) -> Run {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"server"];
    all.extend(args.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
    deskmate_piped(data, stdin, &all)
}

/// Findings that measure the machine the tests run on (a CI runner may be nearly full
/// or busy), so they may lower the result; everything the test set up must pass.
const HOST_FINDINGS: &[&str] = &[
    "system",
    // Which Compose the machine has (Debian 12 has only the old v1, a warning).
    "compose",
    "cpu",
    "memory",
    "disk",
    "port.80",
    "port.443",
    "host.load",
    "host.memory",
    "host.disk",
    // No test here backs up, so an installed stack warns that it has no verified backup;
    // that warning is tested where backups are (tests/backup.rs, tests/cli_install.rs).
    "backup.verified",
];

/// The `--json` report of `check` or `health` ran, the exit code follows its overall
/// result, and no finding the test controls is a warning or a failure.
fn assert_report_passes(run: &Run) {
    assert!(
        run.code == 0 || run.code == 1,
        "{}{}",
        run.stdout,
        run.stderr
    );
    let report = run.json();
    let overall = report["overall"].as_str().unwrap();
    assert_eq!(run.code, i32::from(overall == "fail"), "{}", run.stdout);
    for finding in report["findings"].as_array().unwrap() {
        let id = finding["id"].as_str().unwrap();
        if !HOST_FINDINGS.contains(&id) {
            let level = finding["level"].as_str().unwrap();
            assert!(
                level == "pass" || level == "info",
                "{id} is {level}: {}",
                finding["detail"]
            );
        }
    }
}

/// `server add` with the client key, trusting the test sshd.
fn add_with_key(data: &Path, server: &TestServer, name: &str, extra: &[&str]) -> Run {
    let fingerprint = server.host_fingerprint();
    let mut args = vec!["--trust-fingerprint", &fingerprint];
    args.extend_from_slice(extra);
    add_key_profile(data, server, name, &args)
}

/// `server add` with the client key, and `extra` to say which host key to accept.
fn add_key_profile(data: &Path, server: &TestServer, name: &str, extra: &[&str]) -> Run {
    let port = server.port.to_string();
    let key = server.client_key();
    let mut args = vec![
        "add",
        name,
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        server.user(),
        "--key",
        key.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    server_cmd(data, "", &args)
}

/// `server add` with a password on stdin, trusting the test sshd.
fn add_with_password(data: &Path, server: &TestServer, stdin: &str, extra: &[&str]) -> Run {
    let port = server.port.to_string();
    let fingerprint = server.host_fingerprint();
    let mut args = vec![
        "add",
        "home",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        server.user(),
        "--password-stdin",
        "--trust-fingerprint",
        &fingerprint,
    ];
    args.extend_from_slice(extra);
    server_cmd(data, stdin, &args)
}

#[test]
fn add_needs_trust_then_lists_and_removes() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let key = server.client_key();
    let add = [
        "add",
        "home",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        server.user(),
        "--key",
        key.to_str().unwrap(),
        "--json",
    ];

    let first = server_cmd(data.path(), "", &add);
    assert_eq!(first.code, 2, "{}{}", first.stdout, first.stderr);
    let error = &first.json()["error"];
    assert_eq!(error["code"], "ssh.host_key_unknown");
    assert_eq!(error["details"]["fingerprint"], server.host_fingerprint());
    assert!(
        error["next"]
            .as_str()
            .unwrap()
            .contains("--trust-fingerprint SHA256:")
    );
    assert!(
        !error["hint"].as_str().unwrap().contains("--"),
        "the hint names no flag"
    );
    let list = server_cmd(data.path(), "", &["list", "--json"]).json();
    assert_eq!(
        list["servers"].as_array().unwrap().len(),
        0,
        "nothing saved"
    );

    let added = add_with_key(
        data.path(),
        &server,
        "home",
        &["--domain", "companion.example.org"],
    );
    assert_eq!(added.code, 0, "{}{}", added.stdout, added.stderr);
    let added = added.json();
    assert_eq!(added["newly_trusted"], true);
    assert_eq!(added["server"]["stack_dir"], "/opt/deskmate");
    assert_eq!(added["server"]["auth"]["kind"], "key");

    let again = add_with_key(data.path(), &server, "home", &[]);
    assert_eq!(again.code, 1);
    assert_eq!(again.json()["error"]["code"], "server.exists");

    let list = server_cmd(data.path(), "", &["list"]);
    assert!(
        list.stdout.contains("home") && list.stdout.contains("companion.example.org"),
        "{}",
        list.stdout
    );
    let removed = server_cmd(data.path(), "", &["remove", "home"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    let list = server_cmd(data.path(), "", &["list", "--json"]).json();
    assert_eq!(list["servers"].as_array().unwrap().len(), 0);
}

#[test]
fn a_changed_host_key_is_exit_2_until_trusted_again() {
    let mut server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    assert_eq!(add_with_key(data.path(), &server, "home", &[]).code, 0);
    let old = server.host_fingerprint();
    server.change_host_key();
    let new = server.host_fingerprint();

    let check = server_cmd(data.path(), "", &["check", "home", "--json"]);
    assert_eq!(check.code, 2);
    let error = &check.json()["error"];
    assert_eq!(error["code"], "ssh.host_key_changed");
    assert_eq!(error["details"]["expected"], old.as_str());
    assert_eq!(error["details"]["actual"], new.as_str());
    assert_eq!(
        error["next"],
        format!("deskmate server trust home --fingerprint {new}")
    );
    assert_eq!(error["details"]["action"], "trust_changed_key");

    let human = server_cmd(data.path(), "", &["check", "home"]);
    assert!(
        human.stderr.contains("error[ssh.host_key_changed]")
            && human.stderr.contains(&old)
            && human.stderr.contains(&new),
        "{}",
        human.stderr
    );

    let wrong = server_cmd(data.path(), "", &["trust", "home", "--fingerprint", &old]);
    assert_eq!(wrong.code, 2, "the old key is not what the server shows");
    let trusted = server_cmd(
        data.path(),
        "",
        &["trust", "home", "--fingerprint", &new, "--json"],
    );
    assert_eq!(trusted.code, 0, "{}{}", trusted.stdout, trusted.stderr);
    assert_eq!(trusted.json()["replaced"], true);
    let check = server_cmd(data.path(), "", &["check", "home", "--json"]);
    assert_report_passes(&check);
}

#[test]
fn a_reinstalled_server_is_added_again_by_replacing_its_key() {
    let mut server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    assert_eq!(add_with_key(data.path(), &server, "home", &[]).code, 0);
    assert_eq!(server_cmd(data.path(), "", &["remove", "home"]).code, 0);
    let old = server.host_fingerprint();
    server.change_host_key();
    let new = server.host_fingerprint();

    // The pin outlives the profile, so trusting the new key as a first contact is refused,
    // and the hint names the way that works while adding.
    let again = add_with_key(data.path(), &server, "home", &[]);
    assert_eq!(again.code, 2, "{}{}", again.stdout, again.stderr);
    let error = &again.json()["error"];
    assert_eq!(error["code"], "ssh.host_key_changed");
    let next = error["next"].as_str().unwrap();
    assert!(
        next.contains(&format!("--replace-host-key {new}")),
        "{next}"
    );
    assert!(
        !next.contains("server trust"),
        "no saved server to trust: {next}"
    );
    assert!(
        server_cmd(data.path(), "", &["list", "--json"]).json()["servers"]
            .as_array()
            .unwrap()
            .is_empty(),
        "a refused add saved nothing"
    );

    let replace_with = |fingerprint: &str| {
        add_key_profile(
            data.path(),
            &server,
            "home",
            &["--replace-host-key", fingerprint],
        )
    };
    let wrong = replace_with(&old);
    assert_eq!(
        wrong.code, 2,
        "only the key the server shows replaces the pin"
    );
    assert_eq!(wrong.json()["error"]["code"], "ssh.fingerprint_mismatch");
    let replaced = replace_with(&new);
    assert_eq!(replaced.code, 0, "{}{}", replaced.stdout, replaced.stderr);
    assert_eq!(replaced.json()["host_key"], new.as_str());
    assert_report_passes(&server_cmd(data.path(), "", &["check", "home", "--json"]));
}

#[test]
fn password_sign_in_check_install_and_health_with_history() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let http_port = free_port().to_string();

    let wrong = add_with_password(data.path(), &server, "not-it\n", &[]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("error[ssh.auth_failed]"),
        "{}",
        wrong.stderr
    );

    let added = add_with_password(
        data.path(),
        &server,
        &format!("{}\n", test_password()),
        &["--stack-dir", &stack],
    );
    assert_eq!(added.code, 0, "{}{}", added.stdout, added.stderr);

    let check = server_cmd(data.path(), "", &["check", "home"]);
    assert!(
        check.stdout.contains("Docker ") && check.stdout.contains("overall:"),
        "{}",
        check.stdout
    );
    assert_report_passes(&server_cmd(data.path(), "", &["check", "home", "--json"]));

    let release = release("good-1");
    let install = server_cmd(
        data.path(),
        "",
        &[
            "install",
            "home",
            "--release",
            release.to_str().unwrap(),
            "--tls",
            "none",
            "--http-port",
            &http_port,
            "--yes",
        ],
    );
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);

    let health = server_cmd(data.path(), "", &["health", "home", "--json"]);
    assert_report_passes(&health);
    let report = health.json();
    assert_eq!(report["server"], "home");
    assert_eq!(report["backend"]["status"], "healthy");
    assert_eq!(report["services"].as_array().unwrap().len(), 5);

    // The database stops: exit 1, and the table says what to do.
    for id in project.containers("postgres") {
        docker(&["stop", &id]);
    }
    let health = server_cmd(data.path(), "", &["health", "home"]);
    assert_eq!(health.code, 1, "{}{}", health.stdout, health.stderr);
    assert!(
        health.stdout.contains("FAIL") && health.stdout.contains("docker compose logs postgres"),
        "{}",
        health.stdout
    );
    assert!(health.stdout.contains("overall: fail"));

    let history = server_cmd(data.path(), "", &["history", "home", "--json"]).json();
    let runs = history.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["overall"], "fail", "newest first");
    assert!(runs[1]["report"]["findings"].as_array().unwrap().len() > 5);
}

#[test]
fn an_unknown_server_name_is_exit_1_and_an_unreachable_one_exit_2() {
    let data = tempfile::tempdir().unwrap();
    let run = server_cmd(data.path(), "", &["health", "nowhere"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[server.not_found]"),
        "{}",
        run.stderr
    );
    let run = server_cmd(
        data.path(),
        "",
        &[
            "add",
            "x",
            "--host",
            "127.0.0.1",
            "--port",
            "1",
            "--user",
            "u",
            "--agent",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("error[ssh.unreachable]"),
        "{}",
        run.stderr
    );
    let run = server_cmd(
        data.path(),
        "",
        &["add", "x", "--host", "127.0.0.1", "--user", "u"],
    );
    assert_eq!(run.code, 2, "clap refuses a missing sign-in method");
}

/// A profile that could not be saved (here a stack folder that is not an absolute path, or
/// a host name with a space) is refused before connecting, so no host key is pinned for it.
#[test]
fn a_profile_that_cannot_be_saved_is_refused_before_connecting() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let run = add_with_key(
        data.path(),
        &server,
        "home",
        &["--stack-dir", "opt/deskmate"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["error"]["code"], "server.invalid");
    assert!(
        !data.path().join("known_hosts").exists()
            || fs::read_to_string(data.path().join("known_hosts"))
                .unwrap()
                .trim()
                .is_empty(),
        "no key pinned for a refused profile"
    );
    assert!(
        !server.log().contains("Accepted publickey"),
        "no sign-in was made"
    );
}
