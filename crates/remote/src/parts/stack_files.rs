//! Putting the stack's files on the server: only those whose SHA-256 differs, each written
//! whole (never a half-written compose or env file).

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::ops::{Cx, Did, Remote, Step};
use crate::transfer::Visibility;

use super::commands::{check_cancel, run_script};

/// A file to put on the server.
#[derive(Clone)]
pub struct SpecFile {
    /// Relative to the stack folder; host files (`/etc/…`) are absolute.
    pub path: String,
    pub contents: Vec<u8>,
    pub secret: bool,
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes each of `files` (paths relative to `dir`) whose contents differ from the
/// server's, each whole (`Session::write_file`); the paths written.
pub fn put(
    remote: &dyn Remote,
    dir: &str,
    files: &[SpecFile],
    cancel: &Cancel,
) -> Result<Vec<String>> {
    let targets: Vec<(String, &SpecFile)> = files
        .iter()
        .map(|f| (format!("{dir}/{}", f.path), f))
        .collect();
    let paths: Vec<&str> = targets.iter().map(|(p, _)| p.as_str()).collect();
    let hashes = remote_hashes(remote, &paths)?;
    let mut written = Vec::new();
    for ((path, file), have) in targets.iter().zip(hashes) {
        check_cancel(cancel)?;
        if have == sha256_hex(&file.contents) {
            continue;
        }
        if let Some(parent) = path.rsplit_once('/').map(|(d, _)| d) {
            run_script(remote, "making a folder", "mkdir -p -- \"$1\"", &[parent])?;
        }
        let visibility = if file.secret {
            Visibility::Secret
        } else {
            Visibility::Normal
        };
        remote.write_file(&file.contents, path, visibility, cancel)?;
        written.push(file.path.clone());
    }
    Ok(written)
}

/// A step that puts `files` under `dir`, only those that changed: how an operation brings
/// the scripts it runs, as this version of the app has them, before it runs them.
pub(crate) fn put_step<'a, S>(
    id: &'static str,
    title: impl Into<String>,
    dir: String,
    files: Vec<SpecFile>,
) -> Step<'a, S> {
    Step::new(id, title, move |cx: &mut Cx<'_, S>| {
        let written = put(cx.remote, &dir, &files, cx.cancel)?;
        Ok(Did::either(
            !written.is_empty(),
            format!("wrote {}", written.join(", ")),
            "all already up to date",
        ))
    })
}

pub(crate) const BACKUP_SCRIPTS_TITLE: &str =
    "Put the backup scripts and the repository's password on the server, if they changed";

/// The step before any that runs the backup scripts (a backup, a trial restore, a restore,
/// the offsite target's first contact): `scripts` are those scripts as this version of the
/// app has them, with the repository's password.
pub(crate) fn backup_scripts_step<'a, S>(dir: &str, scripts: Vec<SpecFile>) -> Step<'a, S> {
    put_step("scripts", BACKUP_SCRIPTS_TITLE, dir.to_string(), scripts)
}

/// The SHA-256 of each path on the server, empty for a missing file.
fn remote_hashes(remote: &dyn Remote, paths: &[&str]) -> Result<Vec<String>> {
    let out = run_script(
        remote,
        "comparing the stack's files",
        r#"for f in "$@"; do
  if [ -f "$f" ]; then h=$(sha256sum < "$f") || exit 1; echo "${h%% *}"; else echo -; fi
done"#,
        paths,
    )?;
    let hashes: Vec<String> = out
        .lines()
        .map(|l| {
            if l == "-" {
                String::new()
            } else {
                l.trim().to_string()
            }
        })
        .collect();
    if hashes.len() != paths.len() {
        return Err(RemoteError::Protocol {
            reason: "the server's file hashes did not come back one per file".into(),
        });
    }
    Ok(hashes)
}
