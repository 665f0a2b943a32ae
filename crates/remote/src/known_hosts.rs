//! The app's own `known_hosts`: which host key each server is pinned to.
//!
//! The file is in OpenSSH's format (`host key-type base64-key`, `[host]:port` for a port other
//! than 22), so an owner can read it, and copy lines to or from `~/.ssh/known_hosts`. It is
//! the app's own file, not the user's: trusting a server in the app never changes what `ssh`
//! trusts, and the other way round.
//!
//! Only plain host names are matched. Hashed names (`|1|…`) and `@cert-authority` or
//! `@revoked` lines are kept as they are but never match: the app writes neither, and
//! treating an unreadable line as "unknown" leads to a trust prompt, never to a silent trust.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::error::{RemoteError, Result};
use crate::file_lock::{locked, sync_dir};

/// Far larger than any real known_hosts; a bigger file is not ours.
pub const MAX_KNOWN_HOSTS_BYTES: u64 = 4 << 20;
/// The longest line kept (an RSA-16384 key is about 2.8 KB of base64).
pub const MAX_LINE_BYTES: usize = 16 << 10;

/// What the pins say about the key a server presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The key is pinned for this host.
    Trusted,
    /// Nothing is pinned for this host.
    Unknown,
    /// Other keys are pinned for this host: the server's key has changed.
    Changed { pinned: Vec<String> },
}

/// A host key as the server sent it: the SSH wire blob, which starts with the key type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    pub blob: Vec<u8>,
}

impl HostKey {
    pub fn new(blob: &[u8]) -> Self {
        HostKey {
            blob: blob.to_vec(),
        }
    }

    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -lf` prints it.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.blob)
    }

    /// The key type named inside the blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …).
    pub fn key_type(&self) -> Option<&str> {
        let len = u32::from_be_bytes(self.blob.get(..4)?.try_into().ok()?) as usize;
        let name = self.blob.get(4..4 + len)?;
        std::str::from_utf8(name).ok()
    }
}

pub fn fingerprint(blob: &[u8]) -> String {
    format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(openssl::sha::sha256(blob))
    )
}

/// Reads a fingerprint the way owners paste it: with or without `SHA256:`, with or
/// without base64 padding, with surrounding spaces. Anything else is refused.
pub fn parse_fingerprint(given: &str) -> Result<String> {
    let trimmed = given.trim();
    let body = trimmed.strip_prefix("SHA256:").unwrap_or(trimmed);
    let body = body.trim_end_matches('=');
    match STANDARD_NO_PAD.decode(body) {
        Ok(digest) if digest.len() == 32 => Ok(format!("SHA256:{body}")),
        _ => Err(RemoteError::BadFingerprint {
            given: given.chars().take(80).collect(),
        }),
    }
}

/// The name a host is pinned under: `host` on port 22, `[host]:port` otherwise.
pub fn host_pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// The pins, as read from the file.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    path: PathBuf,
    lines: Vec<Line>,
}

#[derive(Debug, Clone)]
enum Line {
    /// A pin the app can match.
    Pin {
        hosts: Vec<String>,
        key_type: String,
        blob: Vec<u8>,
        text: String,
    },
    /// A comment, a blank line, or an entry the app does not match (kept verbatim).
    Other(String),
}

impl KnownHosts {
    /// Reads the file; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<KnownHosts> {
        let text = match fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(RemoteError::io(path, e)),
            Ok(meta) if meta.len() > MAX_KNOWN_HOSTS_BYTES => {
                return Err(damaged(path, 0, "the file is larger than 4 MiB"));
            }
            Ok(_) => fs::read_to_string(path).map_err(|e| RemoteError::io(path, e))?,
        };
        let mut known = parse(&text).map_err(|(line, reason)| damaged(path, line, &reason))?;
        known.path = path.to_path_buf();
        Ok(known)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Compares a presented key with the pins for `host:port`.
    pub fn verdict(&self, host: &str, port: u16, key: &HostKey) -> Verdict {
        let pattern = host_pattern(host, port);
        let pins: Vec<&Vec<u8>> = self.pins_for(&pattern).map(|(_, blob)| blob).collect();
        if pins.is_empty() {
            Verdict::Unknown
        } else if pins.iter().any(|blob| **blob == key.blob) {
            Verdict::Trusted
        } else {
            Verdict::Changed {
                pinned: pins.iter().map(|blob| fingerprint(blob)).collect(),
            }
        }
    }

    /// The key types pinned for `host:port`, so the handshake can ask for those first (a
    /// server with several keys would otherwise look "changed" when it offers another type).
    pub fn pinned_types(&self, host: &str, port: u16) -> Vec<String> {
        let pattern = host_pattern(host, port);
        let mut types: Vec<String> = self.pins_for(&pattern).map(|(t, _)| t.clone()).collect();
        types.dedup();
        types
    }

    /// Pins `key` for `host:port`, dropping any other key pinned for exactly that name, and
    /// writes the file atomically. The file is read again under its lock first, so a pin
    /// another process wrote since [`load`](KnownHosts::load) is kept.
    pub fn pin(&mut self, host: &str, port: u16, key: &HostKey) -> Result<()> {
        let path = self.path.clone();
        locked(&path, || {
            self.lines = KnownHosts::load(&path)?.lines;
            self.pin_loaded(host, port, key)
        })
    }

    fn pin_loaded(&mut self, host: &str, port: u16, key: &HostKey) -> Result<()> {
        let pattern = host_pattern(host, port);
        let key_type = key
            .key_type()
            .ok_or_else(|| RemoteError::Protocol {
                reason: "the server's host key is malformed".into(),
            })?
            .to_string();
        self.lines.retain(|line| match line {
            Line::Pin { hosts, .. } => !(hosts.len() == 1 && hosts[0] == pattern),
            Line::Other(_) => true,
        });
        // The other names on a shared line lose only this one.
        for line in &mut self.lines {
            if let Line::Pin {
                hosts,
                key_type,
                blob,
                text,
            } = line
                && hosts.contains(&pattern)
            {
                hosts.retain(|h| *h != pattern);
                *text = format!("{} {key_type} {}", hosts.join(","), STANDARD.encode(&*blob));
            }
        }
        let text = format!("{pattern} {key_type} {}", STANDARD.encode(&key.blob));
        self.lines.push(Line::Pin {
            hosts: vec![pattern],
            key_type,
            blob: key.blob.clone(),
            text,
        });
        self.save()
    }

    fn pins_for<'a>(&'a self, pattern: &'a str) -> impl Iterator<Item = (&'a String, &'a Vec<u8>)> {
        self.lines.iter().filter_map(move |line| match line {
            Line::Pin {
                hosts,
                key_type,
                blob,
                ..
            } if hosts.iter().any(|h| h == pattern) => Some((key_type, blob)),
            _ => None,
        })
    }

    fn save(&self) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| RemoteError::io(dir, e))?;
        let mut out = tempfile::NamedTempFile::new_in(dir).map_err(|e| RemoteError::io(dir, e))?;
        for line in &self.lines {
            let text = match line {
                Line::Pin { text, .. } | Line::Other(text) => text,
            };
            writeln!(out, "{text}").map_err(|e| RemoteError::io(&self.path, e))?;
        }
        out.as_file()
            .sync_all()
            .map_err(|e| RemoteError::io(&self.path, e))?;
        out.persist(&self.path)
            .map_err(|e| RemoteError::io(&self.path, e.error))?;
        sync_dir(dir);
        Ok(())
    }
}

/// Parses known_hosts text. Lines the app does not match are kept, not refused; only a line
/// too long to be a key is an error (line number, reason).
pub fn parse(text: &str) -> Result<KnownHosts, (usize, String)> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        if raw.len() > MAX_LINE_BYTES {
            return Err((index + 1, "a line is longer than any host key".into()));
        }
        lines.push(parse_line(raw));
    }
    Ok(KnownHosts {
        path: PathBuf::new(),
        lines,
    })
}

fn parse_line(raw: &str) -> Line {
    let other = || Line::Other(raw.to_string());
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('@') {
        return other();
    }
    let mut fields = trimmed.split_whitespace();
    let (Some(hosts), Some(key_type), Some(key)) = (fields.next(), fields.next(), fields.next())
    else {
        return other();
    };
    let Ok(blob) = STANDARD.decode(key) else {
        return other();
    };
    // A pin whose blob names another type than its line is not trusted for either.
    if HostKey::new(&blob).key_type() != Some(key_type) || hosts.starts_with('|') {
        return other();
    }
    Line::Pin {
        hosts: hosts.split(',').map(str::to_string).collect(),
        key_type: key_type.to_string(),
        blob,
        text: raw.to_string(),
    }
}

fn damaged(path: &Path, line: usize, reason: &str) -> RemoteError {
    RemoteError::KnownHostsDamaged {
        path: path.to_path_buf(),
        line,
        reason: reason.to_string(),
    }
}
