//! `test-sshd`: the harness's real sshd for tests written in other languages (the browser
//! tests drive the Servers page against it). Not part of the app.
//!
//! It starts a [`TestServer`] and prints one JSON line: `{"port", "user", "fingerprint",
//! "clientKey"}`. Then it reads commands from stdin, one a line:
//! - `rekey`: the server gets a new host key (as after a reinstall); prints the new
//!   `{"fingerprint"}`.
//!
//! It stops sshd and removes its folder when stdin closes, so a test that dies cleans up.

use std::io::{BufRead, Write};

use deskmate_test_server::TestServer;

fn main() {
    let mut server = TestServer::start();
    let say = |line: String| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    say(format!(
        r#"{{"port":{},"user":"{}","fingerprint":"{}","clientKey":"{}"}}"#,
        server.port,
        server.user(),
        server.host_fingerprint(),
        server.client_key().display()
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
