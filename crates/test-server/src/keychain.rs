//! A real Secret Service: GNOME Keyring on a private D-Bus session bus.
//!
//! Headless machines have no keychain, so the app falls back to a file there. To test the
//! keychain path for real, this starts Debian's `dbus-daemon` and `gnome-keyring-daemon`
//! (unlocked with a throwaway password) in a temp folder. Programs reach it through the
//! environment in [`SecretService::env`]; [`SecretService::lookup`] reads an item back with
//! libsecret's own `secret-tool`, so a test does not have to trust our client to check it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecretService {
    bus: Child,
    keyring: Child,
    address: String,
    home: tempfile::TempDir,
}

impl SecretService {
    pub fn start() -> SecretService {
        let home = tempfile::tempdir().expect("a temp folder");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon runs (run `cargo xtask setup`)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("piped"))
            .read_line(&mut address)
            .expect("dbus-daemon prints its address");
        let address = address.trim().to_string();
        assert!(!address.is_empty(), "dbus-daemon printed no address");

        // `--unlock` reads the login keyring's password from stdin and creates the keyring.
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .envs(env(&address, &home))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon runs (run `cargo xtask setup`)");
        keyring
            .stdin
            .take()
            .expect("piped")
            .write_all(b"throwaway-login-password")
            .expect("the password reaches gnome-keyring-daemon");
        let service = SecretService {
            bus,
            keyring,
            address,
            home,
        };
        service.wait_until_served();
        service
    }

    /// What a program needs to find this keychain and nothing else.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        env(&self.address, &self.home)
    }

    /// The secret stored under these attributes, read by `secret-tool`.
    pub fn lookup(&self, attributes: &[(&str, &str)]) -> Option<String> {
        let mut command = Command::new("secret-tool");
        command.arg("lookup").envs(self.env());
        for (name, value) in attributes {
            command.args([name, value]);
        }
        let out = command
            .output()
            .expect("secret-tool runs (run `cargo xtask setup`)");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn wait_until_served(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let owned = Command::new("dbus-send")
                .envs(self.env())
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send runs");
            if String::from_utf8_lossy(&owned.stdout).contains("boolean true") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon did not take org.freedesktop.secrets within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn env(address: &str, home: &tempfile::TempDir) -> Vec<(&'static str, String)> {
    let home = home.path().display().to_string();
    vec![
        ("DBUS_SESSION_BUS_ADDRESS", address.to_string()),
        ("XDG_RUNTIME_DIR", home.clone()),
        ("XDG_DATA_HOME", format!("{home}/data")),
        ("XDG_CONFIG_HOME", format!("{home}/config")),
        ("HOME", home),
    ]
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
