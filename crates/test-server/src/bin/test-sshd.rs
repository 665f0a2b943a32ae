//! `test-sshd`: the harness's real sshd for tests written in other languages (the browser
//! tests drive the Servers page against it). Not part of the app.
//!
//! It starts a [`TestServer`] and prints one JSON line: `{"port", "user", "fingerprint",
//! "clientKey", "stackDir", "releases", "home", "recorded"}` (a stack folder of its own, the
//! test bed's release files, a folder for the test's own use, and where the `systemctl` and
//! `ufw` stand-ins record what they were asked). Then it reads commands from stdin, one a line:
//! - `rekey`: the server gets a new host key (as after a reinstall); prints the new
//!   `{"fingerprint"}`.
//!
//! It stops sshd and removes its folder when stdin closes, so a test that dies cleans up; the
//! containers, networks and volumes of a stack installed in its folder go with it.

use std::io::{BufRead, Write};

use deskmate_test_server::TestServer;
use deskmate_test_server::docker::{Project, releases};

fn main() {
    let mut server = TestServer::start();
    let releases = releases();
    let _project = Project::of(&server.stack_dir());
    let say = |line: String| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    say(format!(
        r#"{{"port":{},"user":"{}","fingerprint":"{}","clientKey":"{}","stackDir":"{}","releases":"{}","home":"{}","recorded":"{}"}}"#,
        server.port,
        server.user(),
        server.host_fingerprint(),
        server.client_key().display(),
        server.stack_dir(),
        releases.display(),
        server.home().display(),
        server.recorded_dir().display()
    ));
    for line in std::io::stdin().lock().lines() {
        match line.as_deref().map(str::trim) {
            Ok("rekey") => {
                server.change_host_key();
                say(format!(
                    r#"{{"fingerprint":"{}"}}"#,
                    server.host_fingerprint()
                ));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}
