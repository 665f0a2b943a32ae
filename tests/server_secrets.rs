//! The secret canary: passwords and passphrases used for real never reach the logs, the
//! library database, known_hosts, or a command line the server sees.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use deskmate_test_server::{TestServer, test_password};
use support::deskmate_piped;

fn run(data: &Path, stdin: &str, args: &[&str]) -> support::Run {
    let all: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    deskmate_piped(data, stdin, &all)
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn secrets_never_reach_logs_the_database_or_command_lines() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let fingerprint = server.host_fingerprint();
    server.set_docker("compose-version", "2.29.7\n");

    let password = test_password();
    let passphrase = format!("canary-passphrase-{}", std::process::id());
    let key = keys.path().join("locked_ed25519");
    let made = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            &passphrase,
            "-f",
            key.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(made.success());
    server.authorize(&key.with_extension("pub"));

    let common = [
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        server.user(),
        "--trust-fingerprint",
        &fingerprint,
    ];

    // A wrong password, a right one, a locked key without and with its passphrase.
    let key_path = key.to_str().unwrap();
    let add = |first: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = vec!["server".into(), "add".into()];
        all.extend(first.iter().chain(common.iter()).map(|s| s.to_string()));
        all
    };
    let go = |stdin: &str, args: Vec<String>| {
        run(
            data.path(),
            stdin,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        go(&format!("{password}x\n"), add(&["pw", "--password-stdin"])).code,
        2
    );
    let added = go(&format!("{password}\n"), add(&["pw", "--password-stdin"]));
    assert_eq!(added.code, 0, "{}", added.stderr);
    let refused = go("", add(&["locked", "--key", key_path]));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("passphrase"), "{}", refused.stderr);
    let added = go(
        &format!("{passphrase}\n"),
        add(&["locked", "--key", key_path, "--passphrase-stdin"]),
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    for name in ["pw", "locked"] {
        let checked = run(data.path(), "", &["server", "check", name]);
        assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
        run(data.path(), "", &["server", "health", name, "--json"]);
    }

    // The secrets are where they belong, owner-only...
    let store = data.path().join("secrets.json");
    let stored = fs::read_to_string(&store).unwrap();
    assert!(stored.contains(password) && stored.contains(&passphrase));
    assert_eq!(
        fs::metadata(&store).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // ...and nowhere else.
    let files = files_under(data.path());
    let logs: Vec<_> = files
        .iter()
        .filter(|p| p.starts_with(data.path().join("logs")))
        .collect();
    assert!(!logs.is_empty(), "the CLI logged: {files:?}");
    let logged: usize = logs
        .iter()
        .map(|p| fs::metadata(p).unwrap().len() as usize)
        .sum();
    assert!(logged > 1000, "the logs hold the sessions ({logged} bytes)");
    for file in files.iter().filter(|p| **p != store) {
        let bytes = fs::read(file).unwrap();
        for canary in [password, passphrase.as_str()] {
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{} holds a secret",
                file.display()
            );
        }
    }
    let sshd_log = server.log();
    assert!(sshd_log.contains("Accepted password") && sshd_log.contains("Accepted publickey"));
    assert!(
        !sshd_log.contains(password) && !sshd_log.contains(&passphrase),
        "a command line the server ran held a secret"
    );
}
