//! Passwords and key passphrases: in the OS keychain, or a 0600 file where there is none.
//!
//! The keychain is the Secret Service on Linux desktops (GNOME Keyring, KWallet), the
//! Keychain on macOS and the Credential Manager on Windows. A headless Linux box (a server,
//! CI) has none, so the store falls back to `secrets.json` in the app's data folder, readable
//! by the owner only. Which one is in use is reported ([`SecretStore::kind`]) so the app can
//! say so.
//!
//! [`Secret`] never prints its value, so a secret passed around by mistake into a log line or
//! an error message shows as `***`.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{RemoteError, Result};
use crate::file_lock::{locked, sync_dir};

/// A password or passphrase. Its `Debug` is `Secret(***)`; it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that hands it to libssh2.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A new random secret of `len` letters and digits (OpenSSL's CSPRNG, no modulo bias), for
/// the passwords and keys a stack needs: safe in env files and URLs without quoting.
pub fn generate(len: usize) -> Secret {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut byte = [0u8; 1];
    while out.len() < len {
        openssl::rand::rand_bytes(&mut byte).expect("OpenSSL's random generator works");
        // 248 = 4 * 62: bytes above it would favour the first letters.
        if byte[0] < 248 {
            out.push(ALPHABET[(byte[0] % 62) as usize] as char);
        }
    }
    Secret(out)
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `DESKMATE_SECRETS=file` skips the keychain (portable installs, tests).
pub const SECRETS_ENV: &str = "DESKMATE_SECRETS";
/// The keychain's service name.
const SERVICE: &str = "DeskMate Studio";
/// Far more than any set of passwords.
const MAX_FILE_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone)]
pub enum SecretStore {
    Keychain,
    File(PathBuf),
}

impl SecretStore {
    /// The keychain if one answers, otherwise the file at `fallback`.
    pub fn open(fallback: PathBuf) -> SecretStore {
        let forced_file = std::env::var(SECRETS_ENV).is_ok_and(|v| v == "file");
        if !forced_file && keychain_answers() {
            SecretStore::Keychain
        } else {
            tracing::info!(path = %fallback.display(), "no OS keychain; secrets go to a 0600 file");
            SecretStore::File(fallback)
        }
    }

    /// "keychain" or "file", for the UI and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretStore::Keychain => "keychain",
            SecretStore::File(_) => "file",
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<Secret>> {
        match self {
            SecretStore::Keychain => match entry(key)?.get_password() {
                Ok(value) => Ok(Some(Secret(value))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(store_failed(e)),
            },
            SecretStore::File(path) => Ok(read_file(path)?.remove(key).map(Secret)),
        }
    }

    pub fn set(&self, key: &str, secret: &Secret) -> Result<()> {
        match self {
            SecretStore::Keychain => entry(key)?
                .set_password(secret.expose())
                .map_err(store_failed),
            SecretStore::File(path) => locked(path, || {
                let mut all = read_file(path)?;
                all.insert(key.to_string(), secret.expose().to_string());
                write_file(path, &all)
            }),
        }
    }

    /// Forgets `key`; forgetting what is not there is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
        match self {
            SecretStore::Keychain => match entry(key)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(store_failed(e)),
            },
            SecretStore::File(path) => locked(path, || {
                let mut all = read_file(path)?;
                if all.remove(key).is_some() {
                    write_file(path, &all)?;
                }
                Ok(())
            }),
        }
    }
}

fn keychain_answers() -> bool {
    match keyring::Entry::new(SERVICE, "deskmate-probe").and_then(|e| e.get_password()) {
        Ok(_) | Err(keyring::Error::NoEntry) => true,
        Err(e) => {
            tracing::debug!(error = %e, "the OS keychain did not answer");
            false
        }
    }
}

fn entry(key: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, key).map_err(store_failed)
}

fn store_failed(err: keyring::Error) -> RemoteError {
    RemoteError::Secrets {
        reason: err.to_string(),
    }
}

fn read_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let meta = match fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(RemoteError::io(path, e)),
        Ok(meta) => meta,
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(RemoteError::Secrets {
            reason: format!("{} is larger than 1 MiB", path.display()),
        });
    }
    let text = fs::read_to_string(path).map_err(|e| RemoteError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| RemoteError::Secrets {
        reason: format!("{} is damaged: {e}", path.display()),
    })
}

/// Written to a 0600 temp file beside the store and renamed over it, so the secrets are
/// never readable by others, not even for a moment, and never half-written.
fn write_file(path: &Path, all: &BTreeMap<String, String>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| RemoteError::io(dir, e))?;
    let mut out = tempfile::Builder::new()
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| RemoteError::io(dir, e))?;
    let json = serde_json::to_vec_pretty(all).expect("a map of strings serializes");
    out.write_all(&json)
        .and_then(|()| out.as_file().sync_all())
        .map_err(|e| RemoteError::io(path, e))?;
    out.persist(path)
        .map_err(|e| RemoteError::io(path, e.error))?;
    sync_dir(dir);
    Ok(())
}
