//! The secret canary: passwords and passphrases used for real never reach the logs, the
//! library database, known_hosts, or a command line the server sees. It runs twice: with a
//! real keychain (GNOME Keyring over D-Bus, as on a Linux desktop), and with the 0600 file
//! that stands in where there is none.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use deskmate_test_server::{SecretService, TestServer, test_password};
use support::deskmate_piped_with;

/// Where the CLI keeps secrets in a run.
enum Store {
    File,
    Keychain(SecretService),
}

impl Store {
    fn env(&self) -> Vec<(&'static str, String)> {
        match self {
            Store::File => vec![("DESKMATE_SECRETS", "file".to_string())],
            Store::Keychain(service) => service.env(),
        }
    }

    /// The keychain item the app writes for `key`, read back by libsecret's own tool.
    fn keychain_item(&self, key: &str) -> Option<String> {
        match self {
            Store::File => None,
            Store::Keychain(service) => {
                service.lookup(&[("service", "DeskMate Studio"), ("username", key)])
            }
        }
    }
}

fn run(data: &Path, store: &Store, stdin: &str, args: &[&str]) -> support::Run {
    let all: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    deskmate_piped_with(data, stdin, &all, &store.env())
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
fn with_the_file_store_secrets_stay_in_it() {
    canary(Store::File);
}

#[test]
fn with_a_keychain_secrets_stay_in_it() {
    canary(Store::Keychain(SecretService::start()));
}

fn canary(store: Store) {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let fingerprint = server.host_fingerprint();

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
            &store,
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
        let checked = run(data.path(), &store, "", &["server", "check", name]);
        assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
        run(
            data.path(),
            &store,
            "",
            &["server", "health", name, "--json"],
        );
    }

    // The secrets are where they belong (owner-only in the file)...
    let listed = run(data.path(), &store, "", &["server", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let file = data.path().join("secrets.json");
    match store {
        Store::File => {
            assert_eq!(listed["secret_store"], "file");
            let stored = fs::read_to_string(&file).unwrap();
            assert!(stored.contains(password) && stored.contains(&passphrase));
            assert_eq!(
                fs::metadata(&file).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        Store::Keychain(_) => {
            assert_eq!(listed["secret_store"], "keychain");
            assert!(
                !file.exists(),
                "a keychain was there, yet secrets.json was written"
            );
            assert_eq!(
                store.keychain_item("server/pw/password").as_deref(),
                Some(password)
            );
            assert_eq!(
                store.keychain_item("server/locked/passphrase"),
                Some(passphrase.clone())
            );
        }
    }

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
    for file in files
        .iter()
        .filter(|p| **p != data.path().join("secrets.json"))
    {
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

    // Removing a server forgets its secret.
    let removed = run(data.path(), &store, "", &["server", "remove", "pw"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    if let Store::Keychain(_) = store {
        assert_eq!(store.keychain_item("server/pw/password"), None);
        assert!(store.keychain_item("server/locked/passphrase").is_some());
    } else {
        let stored = fs::read_to_string(&file).unwrap();
        assert!(!stored.contains(password) && stored.contains(&passphrase));
    }
}
