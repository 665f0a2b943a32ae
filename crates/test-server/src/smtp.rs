//! A real SMTP server on loopback for the alert tests: Debian's `python3-aiosmtpd`
//! (`fixtures/smtp_sink.py`), with AUTH PLAIN against one account. Every message it accepts
//! is kept whole in a folder of its own, to be read back with [`SmtpSink::messages`].

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::{fixture, free_port};

pub struct SmtpSink {
    pub port: u16,
    pub user: String,
    pub password: String,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    /// Starts one, signing in `user` with `password` (given on its stdin, not its command line).
    pub fn start(user: &str, password: &str) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new("/usr/bin/python3")
            .arg(fixture("smtp_sink.py"))
            .arg(port.to_string())
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("/usr/bin/python3 runs (run `cargo xtask setup` for python3-aiosmtpd)");
        writeln!(child.stdin.take().unwrap(), "{user}\n{password}").unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(
            ready.trim(),
            "ready",
            "the SMTP server did not start (is python3-aiosmtpd installed?)"
        );
        crate::wait_for_port(port, "the SMTP server");
        SmtpSink {
            port,
            user: user.to_string(),
            password: password.to_string(),
            dir,
            child,
        }
    }

    /// Every message received so far, whole (headers and body), oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
