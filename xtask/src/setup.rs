//! `cargo xtask setup`: what the tests and the app need on this machine, installed when
//! missing (Debian packages, Rust components and targets, npm packages, cargo-nextest,
//! tauri-driver), each step said, nothing done the second time.

use std::path::Path;
use std::process::Command;

use crate::{JS_EXAMPLE, Result, UI, WASM_TARGET, cargo, found, root, say, sh, sh_in};

/// Debian packages the tests use, with the command each provides.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    // The interop test reads our PNGs with the chunk libraries SillyTavern uses, in Node.
    ("node", "nodejs"),
    ("npm", "npm"),
    // ssh2 builds libssh2 against OpenSSL; keyring talks to the Secret Service over D-Bus.
    ("pkg-config", "pkg-config"),
    ("/usr/include/openssl/ssl.h", "libssl-dev"),
    ("/usr/include/dbus-1.0/dbus/dbus.h", "libdbus-1-dev"),
    // The server tests start a real sshd, make keys and certificates, and stop remote
    // commands with pgrep/pkill; the download bench compares with OpenSSH's own client.
    ("/usr/sbin/sshd", "openssh-server"),
    ("ssh", "openssh-client"),
    ("openssl", "openssl"),
    ("pkill", "procps"),
    ("useradd", "passwd"),
    // The keychain canary runs GNOME Keyring on a private D-Bus session bus and reads the
    // stored items back with libsecret's own tool.
    ("dbus-daemon", "dbus-daemon"),
    ("dbus-send", "dbus-bin"),
    ("gnome-keyring-daemon", "gnome-keyring"),
    ("secret-tool", "libsecret-tools"),
    // The desktop app builds against WebKitGTK; the browser tests drive Debian's Chromium,
    // and the smoke test drives the real app through WebKit's WebDriver under Xvfb.
    ("/usr/include/webkitgtk-4.1", "libwebkit2gtk-4.1-dev"),
    ("/usr/include/libsoup-3.0", "libsoup-3.0-dev"),
    ("chromium", "chromium"),
    ("WebKitWebDriver", "webkit2gtk-driver"),
    ("xvfb-run", "xvfb"),
    ("xauth", "xauth"),
    // The server test bed: a real Docker engine and Compose v1, images made with mmdebstrap,
    // and the real tools every generated stack file is checked with.
    ("dockerd", "docker.io"),
    ("docker-compose", "docker-compose"),
    ("mmdebstrap", "mmdebstrap"),
    // Compose v2 is taken from Debian 13's package, verified as apt would (testbed/compose-v2.sh).
    ("gpgv", "gpgv"),
    (
        "/usr/share/keyrings/debian-archive-keyring.gpg",
        "debian-archive-keyring",
    ),
    ("xz", "xz-utils"),
    ("curl", "curl"),
    ("caddy", "caddy"),
    // The nginx proxy's config is checked with `nginx -t`.
    ("/usr/sbin/nginx", "nginx"),
    ("pebble", "pebble"),
    // A real image registry on loopback, for releases pulled instead of uploaded.
    ("docker-registry", "docker-registry"),
    ("restic", "restic"),
    // The offsite machine of the backup tests serves restic's repository append-only
    // (`rclone serve restic --append-only`, as the key's forced command).
    ("rclone", "rclone"),
    ("shellcheck", "shellcheck"),
    ("systemd-analyze", "systemd"),
    ("fail2ban-client", "fail2ban"),
    ("logrotate", "logrotate"),
    // The watchdog's alert e-mails go to a real SMTP server on loopback.
    (
        "/usr/lib/python3/dist-packages/aiosmtpd/__init__.py",
        "python3-aiosmtpd",
    ),
];

/// Folders with a package-lock.json whose node_modules the tests need.
/// `npm ci` refuses the lock files of componentize-js and of the Tauri CLI in `ui` (npm
/// records only this platform's optional native packages, then `ci` reports the others
/// missing), so those projects use `npm install`, which installs the locked versions all
/// the same. (componentize-js's package.json also pins `preview2-shim`, which npm otherwise
/// drops when installing from that lock file.)
const NPM_PROJECTS: &[(&str, &str)] = &[
    ("tests/interop", "ci"),
    (JS_EXAMPLE, "install"),
    (UI, "install"),
];

pub(crate) fn setup() -> Result {
    install_debian_packages()?;
    install_rust_components()?;
    install_npm_projects()?;
    say("setup done");
    Ok(())
}

fn install_debian_packages() -> Result {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .filter(|(cmd, _)| !found(cmd))
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        say("Debian packages: all present");
        return Ok(());
    }
    say(&format!(
        "Debian packages: installing {}",
        missing.join(" ")
    ));
    let envs = [("DEBIAN_FRONTEND", "noninteractive")];
    sh_in(&root(), "apt-get", &["update", "-q"], &envs)?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    sh_in(&root(), "apt-get", &args, &envs)
}

fn install_rust_components() -> Result {
    for (probe, component) in [("cargo-clippy", "clippy"), ("rustfmt", "rustfmt")] {
        if found(probe) {
            say(&format!("Rust component {component}: present"));
        } else {
            say(&format!("Rust component {component}: installing"));
            sh("rustup", &["component", "add", component])?;
        }
    }
    install_wasm_target()
}

/// Plugins, and the hostile ones the tests build, are compiled for this target.
pub(crate) fn install_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("could not run rustup: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|t| t.trim() == WASM_TARGET)
    {
        say(&format!("Rust target {WASM_TARGET}: present"));
        return Ok(());
    }
    say(&format!("Rust target {WASM_TARGET}: installing"));
    sh("rustup", &["target", "add", WASM_TARGET])
}

pub(crate) fn install_npm_projects() -> Result {
    for (project, command) in NPM_PROJECTS {
        let dir = root().join(project);
        let stamp = dir.join("node_modules/.package-lock.json");
        let lock = dir.join("package-lock.json");
        let fresh = modified(&stamp)
            .zip(modified(&lock))
            .is_some_and(|(installed, locked)| installed >= locked);
        if fresh {
            say(&format!("npm packages in {project}: up to date"));
        } else {
            say(&format!("npm packages in {project}: npm {command}"));
            sh_in(&dir, "npm", &[command, "--no-audit", "--no-fund"], &[])?;
        }
    }
    Ok(())
}

pub(crate) fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().ok()?.modified().ok()
}

/// tauri-driver bridges WebDriver clients to WebKitWebDriver for the app's window.
/// The machine's cargo-nextest, or one from crates.io (a few minutes to build, once).
pub(crate) fn install_nextest() -> Result {
    if found("cargo-nextest") {
        say("cargo-nextest: present");
        return Ok(());
    }
    say("cargo-nextest: installing from crates.io");
    cargo(&["install", "cargo-nextest", "--locked", "--quiet"])
}

pub(crate) fn install_tauri_driver() -> Result {
    if found("tauri-driver") {
        say("tauri-driver: present");
        return Ok(());
    }
    say("tauri-driver: installing from crates.io");
    cargo(&["install", "tauri-driver", "--locked", "--quiet"])
}
