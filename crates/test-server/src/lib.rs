//! Real servers for DeskMate Studio's tests: an OpenSSH `sshd` on a free loopback port with
//! throwaway keys, an HTTP server playing the DeskMate backend's `/health`, and a TLS server
//! with a certificate of a chosen lifetime, and an SMTP server (aiosmtpd). For the keychain, GNOME Keyring on a private
//! D-Bus session bus.
//!
//! The sshd is Debian's own (`cargo xtask setup` installs `openssh-server`), started with a
//! config of its own in a temp folder. Its sessions run as the local user `deskmate-test`,
//! created on first use with a password chosen afresh by each test process, because password
//! sign-in needs a real account. This needs root, which CI is.
//!
//! Docker is the real engine (see [`docker`]): the test account is in the `docker` group,
//! and every test has its own stack folder and so its own compose project, removed after the
//! test. Cases an engine cannot show come from real binaries and accounts: a PATH without
//! `docker` ([`TestServer::hide_command`]), a Docker context pointing at no engine
//! ([`TestServer::stop_docker_for_sessions`]), an account outside the `docker` group
//! ([`OUTSIDER_USER`]). `systemctl` and `ufw` are recording stand-ins, so the test machine's
//! init system and firewall are never touched ([`TestServer::recorded`]).

pub mod docker;
mod http;
mod keychain;
pub mod live_stack;
mod pebble;
mod registry;
mod smtp;
mod sshd;
mod tls;

pub use http::HealthEndpoint;
pub use keychain::SecretService;
pub use pebble::Pebble;
pub use registry::Registry;
pub use smtp::SmtpSink;
pub use sshd::{NO_SHELL_USER, OUTSIDER_USER, TEST_USER, TestServer, test_password};
pub use tls::TlsEndpoint;

use std::path::PathBuf;

/// A committed fixture, by file name.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A TCP port free for a test's server, and held for it alone. Tests run in processes side
/// by side, and asking the kernel for any free port is not enough: one from its ephemeral
/// range may become an outgoing connection's local port before Docker publishes it
/// ("address already in use"), and two processes may be given the same one. So ports come
/// from below that range (20000-31999), each leased by a file that only one process can
/// create; leases older than two hours are earlier runs' and are taken again.
pub fn free_port() -> u16 {
    use std::time::{Duration, SystemTime};
    let leases = std::env::temp_dir().join("deskmate-test-ports");
    std::fs::create_dir_all(&leases).expect("a folder for port leases");
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64)
        ^ u64::from(std::process::id());
    for attempt in 0..12_000u64 {
        let port = 20_000 + ((seed + attempt * 7_919) % 12_000) as u16;
        let lease = leases.join(port.to_string());
        let stale = std::fs::metadata(&lease)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(7_200));
        if stale {
            let _ = std::fs::remove_file(&lease);
        }
        let leased = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lease)
            .is_ok();
        if leased && std::net::TcpListener::bind(("0.0.0.0", port)).is_ok() {
            return port;
        }
    }
    panic!("no test port is free between 20000 and 31999")
}

/// Waits up to 10 s until something accepts connections on loopback `port`.
fn wait_for_port(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn run(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run {program}: {e} (run `cargo xtask setup`)"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
