//! Reading and writing the owner's files: bounded reads, and writes that either complete or
//! leave nothing behind.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::ApiError;

/// Reads at most `limit` bytes; a larger file is refused (with the error `too_large` makes
/// from the size and the limit) before it fills memory.
pub fn read_limited(
    path: &Path,
    limit: u64,
    too_large: impl FnOnce(u64, u64) -> ApiError,
) -> Result<Vec<u8>, ApiError> {
    let file = File::open(path).map_err(|e| ApiError::io("io.read_failed", path, &e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ApiError::io("io.read_failed", path, &e))?;
    if bytes.len() as u64 > limit {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(too_large(size, limit));
    }
    Ok(bytes)
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path`. A crash or a full disk leaves the old file (or no file), never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let fail = |e: std::io::Error| ApiError::io("io.write_failed", path, &e);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        ApiError::usage(
            "usage.bad_output",
            format!("{} is not a file name", path.display()),
            "give a file name such as card.png",
        )
    })?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = File::options().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        // Persist the rename itself; not every platform lets a directory be opened.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-folder").join("card.json");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(err.code, "io.write_failed");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn read_limited_refuses_big_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![0u8; 100]).unwrap();
        let too_large = |_, _| ApiError::new("test.too_large", "", "");
        assert_eq!(
            read_limited(&path, 99, too_large).unwrap_err().code,
            "test.too_large"
        );
        assert_eq!(read_limited(&path, 100, too_large).unwrap().len(), 100);
    }
}
