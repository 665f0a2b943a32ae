//! A copy of a stack's restic repository on the owner's computer (`backup download`).
//!
//! restic names every file but `config` by the SHA-256 of its contents, and never changes a
//! file once written. So a copy is a mirror of files: only the ones the copy lacks travel
//! (a second download moves just the new backups), each is checked twice (the transfer's own
//! SHA-256 at both ends, then against its name), every file already in the copy is checked
//! against its name again and fetched anew if it no longer matches, and nothing is ever
//! deleted from the copy, so a prune on the server cannot take a backup out of it. The copy
//! is a plain restic repository, read with the server's password.

use std::path::{Path, PathBuf};

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;
use crate::transfer::Visibility;

/// More files than this is not a DeskMate repository (a year of daily backups of a large
/// database is a few thousand).
pub const MAX_FILES: usize = 200_000;

/// One file of the repository on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryFile {
    /// Relative to the repository: `config`, `keys/ID`, `index/ID`, `snapshots/ID` or
    /// `data/XX/ID`.
    pub path: String,
    pub size: u64,
}

fn is_id(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `path` is one restic writes, so it may become a path on the owner's computer.
/// Lock files (which come and go) are not copied.
pub fn is_repository_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["config"] => true,
        ["keys" | "index" | "snapshots", id] => is_id(id),
        ["data", prefix, id] => is_id(id) && id.starts_with(prefix) && prefix.len() == 2,
        _ => false,
    }
}

/// The file's SHA-256 as its name says, for every file but `config`.
fn named_hash(path: &str) -> Option<&str> {
    path.rsplit('/').next().filter(|n| is_id(n))
}

/// `find -printf '%P\t%s\n'` output: each repository file and its size. Lock files are
/// skipped; any other path is refused, as is a listing past [`MAX_FILES`].
pub fn parse_listing(text: &str) -> Result<Vec<RepositoryFile>> {
    let mut files = Vec::new();
    for line in text.lines() {
        let Some((path, size)) = line.split_once('\t') else {
            continue;
        };
        if path.starts_with("locks/") {
            continue;
        }
        let size = size.parse::<u64>().ok();
        match size {
            Some(size) if is_repository_path(path) => files.push(RepositoryFile {
                path: path.to_string(),
                size,
            }),
            _ => {
                return Err(RemoteError::Protocol {
                    reason: format!(
                        "the repository holds `{}`, which restic does not write",
                        path.chars().take(120).collect::<String>().escape_debug()
                    ),
                });
            }
        }
        if files.len() > MAX_FILES {
            return Err(RemoteError::Protocol {
                reason: format!("the repository holds more than {MAX_FILES} files"),
            });
        }
    }
    Ok(files)
}

/// What a download moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mirrored {
    /// Files the repository holds.
    pub files: usize,
    /// Of those, the ones that travelled (the copy lacked them, or held them damaged).
    pub downloaded: usize,
    /// Files the copy held that no longer matched their SHA-256, fetched again.
    pub repaired: usize,
    pub bytes: u64,
}

/// What the copy holds of one file.
enum Held {
    Good,
    Missing,
    /// Present, but not what its name says (a failing disk, a stray edit).
    Damaged,
}

/// Checks the copy's file against the server's: `config` always travels (an upgrade can
/// change it); any other is good when its size and its SHA-256 are what restic named it.
fn local_state(here: &Path, file: &RepositoryFile) -> Held {
    let Some(named) = named_hash(&file.path) else {
        return Held::Missing;
    };
    match std::fs::metadata(here) {
        Err(_) => Held::Missing,
        Ok(meta) if meta.len() != file.size => Held::Damaged,
        Ok(_) => match hash_file(here) {
            Ok(hash) if hash == named => Held::Good,
            _ => Held::Damaged,
        },
    }
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Mirrors the repository at `remote` (on the server) into `local`. `on_file` hears
/// (files done, files to fetch) as it goes.
pub fn mirror(
    session: &dyn Remote,
    remote: &str,
    local: &Path,
    cancel: &Cancel,
    on_file: &mut dyn FnMut(usize, usize),
) -> Result<Mirrored> {
    let out = session.capture(
        &script(
            r#"cd "$1" 2>/dev/null || { echo "there is no repository at $1 yet: back up first" >&2; exit 3; }
find . -type f ! -name '.*' -printf '%P\t%s\n'"#,
            &[remote],
        )?,
        64 << 20,
    )?;
    if !out.exit.success() {
        return Err(RemoteError::Refused {
            code: "backup.download_failed",
            message: format!(
                "The backups could not be listed: {}",
                out.stderr_tail().trim()
            ),
            detail: "Nothing was downloaded.".into(),
        });
    }
    let files = parse_listing(&out.stdout_text())?;
    let mut mirrored = Mirrored {
        files: files.len(),
        ..Mirrored::default()
    };
    let mut wanted = Vec::new();
    for file in &files {
        match local_state(&local.join(&file.path), file) {
            Held::Good => {}
            Held::Missing => wanted.push(file),
            Held::Damaged => {
                mirrored.repaired += 1;
                wanted.push(file);
            }
        }
    }
    for (done, file) in wanted.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err(RemoteError::Cancelled);
        }
        on_file(done, wanted.len());
        let target: PathBuf = local.join(&file.path);
        let folder = target.parent().unwrap_or(local);
        std::fs::create_dir_all(folder).map_err(|e| RemoteError::io(folder, e))?;
        let copied = session.get(
            &format!("{remote}/{}", file.path),
            &target,
            Visibility::Secret,
            &mut |_| {},
            cancel,
        )?;
        if let Some(named) = named_hash(&file.path)
            && copied.sha256 != named
        {
            let _ = std::fs::remove_file(&target);
            return Err(RemoteError::HashMismatch {
                path: format!("{remote}/{}", file.path),
                local_side: "its name (restic names each file by its SHA-256)",
                local: named.to_string(),
                remote: copied.sha256,
            });
        }
        mirrored.downloaded += 1;
        mirrored.bytes += copied.bytes;
    }
    on_file(wanted.len(), wanted.len());
    Ok(mirrored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ID: &str = "3ad33264f5f212ddd02d85479f3aa7459bdb15d772f4ebce1b2bef917d3f91f8";

    #[test]
    fn only_the_paths_restic_writes_are_taken() {
        assert!(is_repository_path("config"));
        assert!(is_repository_path(&format!("data/3a/{ID}")));
        assert!(is_repository_path(&format!("snapshots/{ID}")));
        for bad in [
            format!("data/3b/{ID}"),
            format!("data/../{ID}"),
            "../etc/passwd".to_string(),
            format!("/keys/{ID}"),
            format!("keys/{}", &ID[..10]),
            "config/x".to_string(),
        ] {
            assert!(!is_repository_path(&bad), "{bad}");
        }
        let listing = format!("config\t155\nlocks/{ID}\t10\ndata/3a/{ID}\t99\n");
        assert_eq!(parse_listing(&listing).unwrap().len(), 2);
        assert!(parse_listing("../x\t1\n").is_err());
    }

    proptest! {
        /// Whatever a server lists, every path taken stays inside the copy's folder.
        #[test]
        fn a_listed_path_never_leaves_the_copy(text in "[ -~\t\n]{0,400}") {
            if let Ok(files) = parse_listing(&text) {
                for f in files {
                    prop_assert!(!f.path.starts_with('/'));
                    prop_assert!(f.path.split('/').all(|p| !p.is_empty() && p != ".." && p != "."));
                }
            }
        }
    }
}
