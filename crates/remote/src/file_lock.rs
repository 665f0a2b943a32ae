//! Read-modify-write of the small files two DeskMate processes share (`known_hosts`,
//! `secrets.json`): the app and the CLI may both pin a key or store a secret at once, and a
//! write based on a stale read would drop the other's change. Each change runs under an
//! exclusive lock on a `<file>.lock` beside the file and re-reads the file inside it.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::error::{RemoteError, Result};

/// Runs `change` while holding the lock for `path`. The lock is released when `change`
/// returns, whatever it returns (and by the OS if the process dies).
pub fn locked<T>(path: &Path, change: impl FnOnce() -> Result<T>) -> Result<T> {
    let lock_path = lock_path(path);
    if let Some(dir) = lock_path.parent() {
        fs::create_dir_all(dir).map_err(|e| RemoteError::io(dir, e))?;
    }
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| RemoteError::io(&lock_path, e))?;
    lock.lock().map_err(|e| RemoteError::io(&lock_path, e))?;
    let result = change();
    let _ = lock.unlock();
    result
}

/// Makes a rename in `dir` durable: the rename itself lives in the folder's entry list.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}
