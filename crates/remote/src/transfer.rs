//! Copying files to and from the server, verified, and never half-written.
//!
//! Both directions stream through `cat` on an SSH channel in 64 KiB pieces (the pump's
//! buffer), hash what passes locally, and compare with a SHA-256 computed on the server. The
//! bytes land in a temp file beside the target (`.NAME.deskmate-part…`) that is renamed over
//! the target only once the hashes agree. So an interrupted or corrupted copy can leave a
//! `.deskmate-part` file behind, but never a target that looks complete.

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use openssl::sha::Sha256;

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::{Exit, script};
use crate::ops::Remote;
use crate::pump::{Input, Stream};
use crate::session::Session;

mod sink;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// What a finished copy moved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Transferred {
    pub bytes: u64,
    pub sha256: String,
}

/// Who may read the copy: a secret (a `.env`, a key) is the owner's alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Normal,
    Secret,
}

impl Visibility {
    fn mode(self) -> u32 {
        match self {
            Visibility::Normal => 0o644,
            Visibility::Secret => 0o600,
        }
    }
}

const PART: &str = "deskmate-part";

/// SHA-256 of stdin on the server. OpenSSL's is several times faster than coreutils'
/// `sha256sum` where the CPU has SHA instructions, which matters on a 2-core server that is
/// also encrypting the transfer; `sha256sum` is the fallback.
const HASH_STDIN: &str =
    "if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi";

impl Session {
    /// Copies the server's `remote` file to `local`.
    pub fn download(
        &self,
        remote: &str,
        local: &Path,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred> {
        let total = self.remote_size(remote)?;
        let (dir, name) = split_local(local)?;
        let mut part = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(&format!(".{PART}"))
            .tempfile_in(dir)
            .map_err(|e| RemoteError::io(dir, e))?;

        let mut done = 0u64;
        let mut stderr = Vec::new();
        // The server hashes the file while `cat` sends it, on its own core.
        let command = script(
            &format!(
                "{{ {HASH_STDIN}; }} < \"$1\" >&2 & cat < \"$1\"; c=$?; wait \"$!\" || exit 90; exit \"$c\""
            ),
            &[remote],
        )?;
        // Hashing and writing run on a thread of their own, so they overlap with receiving
        // and decrypting the next pieces.
        let (mut batcher, batches) = sink::channel();
        let (exit, stored) = std::thread::scope(|scope| {
            let file = part.as_file_mut();
            let writer = scope.spawn(move || sink::store(file, batches));
            // A gone writer has failed; its error is the one reported below.
            let writer_gone = |_| RemoteError::Cancelled;
            let exit = self.exec(
                &command,
                None,
                &mut |stream, bytes| {
                    match stream {
                        Stream::Stdout => {
                            batcher.push(bytes).map_err(writer_gone)?;
                            done += bytes.len() as u64;
                            on_progress(Progress { done, total });
                        }
                        Stream::Stderr if stderr.len() < 4096 => stderr.extend_from_slice(bytes),
                        Stream::Stderr => {}
                    }
                    Ok(())
                },
                cancel,
            );
            // Consumed on every path: the writer stops only once the batcher is gone.
            let finished = batcher.finish().map_err(writer_gone);
            let exit = exit.and_then(|exit| finished.map(|()| exit));
            let stored = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the writer thread crashed")));
            (exit, stored)
        });
        let hasher = stored.map_err(|e| RemoteError::io(local, e))?;
        let exit = exit?;
        let stderr = String::from_utf8_lossy(&stderr);
        if exit != Exit::Code(0) {
            return Err(failed(&format!("reading {remote}"), &exit, &stderr));
        }
        let local_hash = hex(&hasher.finish());
        let remote_hash = first_hash(&stderr).unwrap_or_default();
        if local_hash != remote_hash {
            return Err(RemoteError::HashMismatch {
                path: remote.to_string(),
                local_side: "the downloaded copy",
                local: local_hash,
                remote: remote_hash,
            });
        }
        let file = part.as_file();
        file.set_permissions(fs::Permissions::from_mode(visibility.mode()))
            .and_then(|()| file.sync_all())
            .map_err(|e| RemoteError::io(local, e))?;
        part.persist(local)
            .map_err(|e| RemoteError::io(local, e.error))?;
        tracing::info!(remote, bytes = done, sha256 = %local_hash, "downloaded");
        Ok(Transferred {
            bytes: done,
            sha256: local_hash,
        })
    }

    pub(crate) fn upload_from(
        &self,
        source: &mut dyn Read,
        total: u64,
        remote: &str,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred> {
        let part = remote_part_path(remote);
        let mut reader = Hashing {
            inner: source,
            hasher: Sha256::new(),
            done: 0,
            total,
            on_progress,
        };
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        // umask first: a secret is never readable by others, even while it is being written.
        let command = script(
            &format!("umask 077; cat > \"$1\" && {{ {HASH_STDIN}; }} < \"$1\""),
            &[&part],
        )?;
        let sent = self.exec(
            &command,
            Some(Input {
                reader: &mut reader,
                send_eof: true,
            }),
            &mut |stream, bytes| {
                let buffer = if stream == Stream::Stdout {
                    &mut stdout
                } else {
                    &mut stderr
                };
                if buffer.len() < 4096 {
                    buffer.extend_from_slice(bytes);
                }
                Ok(())
            },
            cancel,
        );
        let local_hash = hex(&std::mem::replace(&mut reader.hasher, Sha256::new()).finish());
        let outcome = sent.and_then(|exit| {
            let stderr = String::from_utf8_lossy(&stderr);
            if exit != Exit::Code(0) {
                return Err(failed(&format!("writing {remote}"), &exit, &stderr));
            }
            let remote_hash = first_hash(&String::from_utf8_lossy(&stdout)).unwrap_or_default();
            if remote_hash != local_hash {
                return Err(RemoteError::HashMismatch {
                    path: remote.to_string(),
                    local_side: "the file sent",
                    local: local_hash.clone(),
                    remote: remote_hash,
                });
            }
            let mode = format!("{:o}", visibility.mode());
            let finish = script(
                "chmod \"$1\" \"$2\" && { sync \"$2\" 2>/dev/null || true; } && mv -f -- \"$2\" \"$3\"",
                &[&mode, &part, remote],
            )?;
            let moved = self.capture(&finish, 4096)?;
            if !moved.exit.success() {
                return Err(failed(&format!("moving {remote} into place"), &moved.exit, &moved.stderr_tail()));
            }
            Ok(())
        });
        if let Err(err) = outcome {
            // Best effort: a dead connection cannot clean up, and then the part file stays,
            // named as what it is.
            if let Ok(line) = script("rm -f -- \"$1\"", &[&part]) {
                let _ = self.capture(&line, 1024);
            }
            return Err(err);
        }
        tracing::info!(remote, bytes = reader.done, sha256 = %local_hash, "uploaded");
        Ok(Transferred {
            bytes: reader.done,
            sha256: local_hash,
        })
    }

    fn remote_size(&self, remote: &str) -> Result<u64> {
        let out = self.capture(&script("wc -c < \"$1\"", &[remote])?, 1024)?;
        if !out.exit.success() {
            return Err(failed(
                &format!("reading {remote}"),
                &out.exit,
                &out.stderr_tail(),
            ));
        }
        out.stdout_text()
            .trim()
            .parse()
            .map_err(|_| RemoteError::Protocol {
                reason: format!("`wc -c` answered {:?}", out.stdout_text()),
            })
    }
}

/// Reads what is uploaded, hashing and reporting as it goes.
struct Hashing<'a> {
    inner: &'a mut dyn Read,
    hasher: Sha256,
    done: u64,
    total: u64,
    on_progress: &'a mut dyn FnMut(Progress),
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.done += n as u64;
        (self.on_progress)(Progress {
            done: self.done,
            total: self.total,
        });
        Ok(n)
    }
}

fn split_local(local: &Path) -> Result<(&Path, String)> {
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| RemoteError::io(local, io::Error::other("not a file name")))?;
    let dir = match local.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok((dir, name))
}

/// `.NAME.deskmate-part-NONCE` in the target's own folder, so the final rename stays on one
/// file system and is atomic.
fn remote_part_path(remote: &str) -> String {
    let (dir, name) = match remote.rfind('/') {
        Some(i) => (&remote[..=i], &remote[i + 1..]),
        None => ("", remote),
    };
    let mut nonce = [0u8; 4];
    openssl::rand::rand_bytes(&mut nonce).expect("OpenSSL's random generator works");
    format!("{dir}.{name}.{PART}-{}", hex(&nonce))
}

fn first_hash(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.len() == 64 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

fn failed(what: &str, exit: &Exit, detail: &str) -> RemoteError {
    RemoteError::RemoteFailed {
        what: what.to_string(),
        code: match exit {
            Exit::Code(code) => *code,
            Exit::Signal(_) => -1,
        },
        detail: detail.trim().to_string(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
