//! The offsite copy of a stack's backups, seen from the server: the SSH key the server signs
//! in to the offsite machine with, that machine's host keys (which the owner pins by
//! fingerprint before anything is sent), and `deskmate-offsite --init`, which proves the
//! whole path by finding or making the offsite repository.
//!
//! The copying itself is `deskmate-offsite` on the server (after each verified backup), so a
//! scheduled backup goes offsite with no app present.

use serde::Serialize;

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;

/// One host key the offsite machine presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OffsiteHostKey {
    /// `SHA256:…`, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
    /// The known_hosts line (`[host]:port type key`).
    pub line: String,
}

/// What the server found when it looked at the offsite machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OffsiteProbe {
    /// The server's public key, for the offsite account's `authorized_keys`.
    pub public_key: String,
    pub host_keys: Vec<OffsiteHostKey>,
}

/// Makes the server's offsite key (once: an ed25519 key in `STACK/shared/env/offsite/key`,
/// 0600) and asks the offsite machine for its host keys with `ssh-keyscan`.
pub fn probe(session: &dyn Remote, dir: &str, host: &str, port: u16) -> Result<OffsiteProbe> {
    let body = r#"umask 077; d="$1/shared/env/offsite"; mkdir -p "$d" || exit 1
command -v ssh-keygen > /dev/null || { echo "ssh-keygen is not installed on this server (Debian and Ubuntu: openssh-client)" >&2; exit 1; }
[ -s "$d/key" ] || ssh-keygen -q -t ed25519 -N '' -C "deskmate-backup@$(hostname)" -f "$d/key" < /dev/null > /dev/null || exit 1
echo '--public--'; cat "$d/key.pub"
echo '--hosts--'
ssh-keyscan -T 10 -p "$3" -- "$2" 2> /dev/null | grep -v '^#' | while IFS= read -r line; do
  fp=$(printf '%s\n' "$line" | ssh-keygen -lf - 2> /dev/null | awk '{ print $2 }')
  [ -n "$fp" ] && printf '%s\t%s\n' "$fp" "$line"
done
exit 0"#;
    let port = port.to_string();
    let out = session.capture(&script(body, &[dir, host, &port])?, 256 * 1024)?;
    if !out.exit.success() {
        return Err(RemoteError::Refused {
            code: "backup.offsite_key_failed",
            message: format!(
                "The server could not make its offsite key: {}",
                out.stderr_tail().trim()
            ),
            detail: "Nothing was changed offsite.".into(),
        });
    }
    Ok(parse_probe(&out.stdout_text()))
}

/// The probe script's output. Bounded; lines that are not a fingerprint and a key are
/// skipped.
pub fn parse_probe(text: &str) -> OffsiteProbe {
    let (public, hosts) = text.split_once("--hosts--\n").unwrap_or((text, ""));
    let public_key = public
        .trim_start_matches("--public--\n")
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .take(1024)
        .collect();
    let host_keys = hosts
        .lines()
        .take(64)
        .filter_map(|l| {
            let (fingerprint, line) = l.split_once('\t')?;
            (fingerprint.starts_with("SHA256:") && line.len() <= 16 * 1024).then(|| {
                OffsiteHostKey {
                    fingerprint: fingerprint.to_string(),
                    line: line.to_string(),
                }
            })
        })
        .collect();
    OffsiteProbe {
        public_key,
        host_keys,
    }
}

/// Runs `deskmate-offsite --init` (the target, port and pinned host key written first):
/// the offsite repository found or made, which proves the connection end to end. Its
/// message names what failed (the key not authorized, the host key, the network).
pub fn init(session: &dyn Remote, dir: &str, cancel: &Cancel) -> Result<bool> {
    let mut created = false;
    let out = crate::backup::run_script(
        session,
        r#"exec bash "$1/bin/deskmate-offsite" "$1" --init"#,
        dir,
        &[],
        cancel,
        &mut |key, _| created |= key == "offsite_repository",
    )?;
    if !out.success {
        return Err(crate::script_failures::offsite_init(&out.stderr_tail()));
    }
    Ok(created)
}

/// The server's private offsite key, read back for the owner's keychain copy: disaster
/// recovery brings it to a new server, which then reads the offsite copy with it.
pub fn read_key(session: &dyn Remote, dir: &str) -> Result<String> {
    let out = session.capture(
        &script(r#"cat "$1/shared/env/offsite/key""#, &[dir])?,
        16 * 1024,
    )?;
    if !out.exit.success() {
        return Err(RemoteError::Refused {
            code: "backup.offsite_key_failed",
            message: "the server's offsite key could not be read".into(),
            detail: "Set the target again.".into(),
        });
    }
    Ok(out.stdout_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_reads_the_public_key_and_each_fingerprinted_host_key() {
        let probe = parse_probe(
            "--public--\nssh-ed25519 AAAA deskmate-backup@vps\n--hosts--\nSHA256:abc\t[h]:2222 ssh-ed25519 AAAB\nnoise\nMD5:x\ty\n",
        );
        assert_eq!(probe.public_key, "ssh-ed25519 AAAA deskmate-backup@vps");
        assert_eq!(probe.host_keys.len(), 1);
        assert_eq!(probe.host_keys[0].fingerprint, "SHA256:abc");
    }
}
