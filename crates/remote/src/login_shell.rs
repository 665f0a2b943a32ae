//! The account's login shell, checked once after sign-in.
//!
//! sshd hands every command line to the account's login shell, and ours are written for a
//! POSIX shell (single-quoted arguments, a multi-line wrapper; see [`crate::exec`]). csh and
//! tcsh refuse newlines inside quotes and fish reads `$?` differently, so a command could
//! misfire there. We ask first, with a line every shell reads alike, and refuse plainly
//! rather than run half a command.

use std::io::Read;

use crate::error::{RemoteError, Result};

/// Shells that read POSIX `sh` syntax, by their file name.
const POSIX: &[&str] = &[
    "sh", "bash", "dash", "ash", "ksh", "ksh93", "mksh", "zsh", "yash", "busybox",
];

/// sshd sets `$SHELL` to the login shell, and `echo "$SHELL"` means the same in every shell.
const PROBE: &str = "echo \"$SHELL\"";
const MAX_REPLY: u64 = 4096;

pub(crate) fn check(ssh: &ssh2::Session, user: &str) -> Result<()> {
    let failed = |what: &'static str| move |e: ssh2::Error| RemoteError::ssh(what, 0, e);
    let mut channel = ssh.channel_session().map_err(failed("opening a channel"))?;
    channel
        .exec(PROBE)
        .map_err(failed("asking for the login shell"))?;
    let mut out = Vec::new();
    let mut err = Vec::new();
    let _ = (&mut channel).take(MAX_REPLY).read_to_end(&mut out);
    let _ = channel.stderr().take(MAX_REPLY).read_to_end(&mut err);
    let _ = channel.wait_close();
    let status = channel.exit_status().unwrap_or(-1);
    let said = String::from_utf8_lossy(&out).trim().to_string();
    match classify(status, &said) {
        Verdict::Posix => Ok(()),
        Verdict::NoShell => {
            let err = String::from_utf8_lossy(&err).trim().to_string();
            Err(RemoteError::NoShell {
                user: user.to_string(),
                said: [said, err]
                    .into_iter()
                    .find(|t| !t.is_empty())
                    .unwrap_or_else(|| "it ran nothing".into()),
            })
        }
        Verdict::Unsupported(shell) => Err(RemoteError::ShellUnsupported {
            user: user.to_string(),
            shell,
        }),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Posix,
    NoShell,
    Unsupported(String),
}

fn classify(status: i32, said: &str) -> Verdict {
    let path = said.lines().next().unwrap_or("").trim();
    if status != 0 || !path.starts_with('/') {
        return Verdict::NoShell;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    if POSIX.contains(&name) {
        Verdict::Posix
    } else if name == "nologin" || name == "false" {
        Verdict::NoShell
    } else {
        Verdict::Unsupported(path.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_told_apart() {
        for posix in [
            "/bin/sh",
            "/bin/bash",
            "/usr/bin/zsh",
            "/bin/dash",
            "/bin/busybox",
        ] {
            assert_eq!(classify(0, posix), Verdict::Posix, "{posix}");
        }
        for other in ["/usr/bin/fish", "/bin/tcsh", "/bin/csh", "/usr/bin/nu"] {
            assert_eq!(classify(0, other), Verdict::Unsupported(other.into()));
        }
        assert_eq!(
            classify(1, "This account is currently not available."),
            Verdict::NoShell
        );
        assert_eq!(classify(0, "/usr/sbin/nologin"), Verdict::NoShell);
        assert_eq!(classify(0, ""), Verdict::NoShell);
    }
}
