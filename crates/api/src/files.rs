//! Reading and writing the owner's files: bounded reads, and writes that either complete or
//! leave nothing behind.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// `dir/name`, for a `name` that came from a card, room or plugin: it must be one plain
/// path component, and the folder it lands in, with links resolved, must be `dir` itself.
/// (The write then renames over `dir/name`, which replaces a link there rather than following
/// it.)
/// Anything else is refused with `io.outside_folder` before a byte is written.
pub fn join_inside(dir: &Path, name: &str) -> Result<PathBuf, ApiError> {
    let outside = || {
        ApiError::new(
            "io.outside_folder",
            format!(
                "`{}` would be written outside {}",
                name.escape_debug(),
                dir.display()
            ),
            "the name comes from the file being exported; give it a plain name and try again",
        )
    };
    let mut parts = Path::new(name).components();
    let plain = matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(_)), None)
    );
    if !plain || name.contains(['/', '\\', '\0']) {
        return Err(outside());
    }
    let path = dir.join(name);
    let real_dir = dir
        .canonicalize()
        .map_err(|e| ApiError::io("io.write_failed", dir, &e))?;
    let real_parent = path
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .ok_or_else(outside)?;
    if real_parent != real_dir {
        return Err(outside());
    }
    Ok(path)
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
        ApiError::new(
            "usage.bad_output",
            format!("{} is not a file name", path.display()),
            "give a file name such as card.png",
        )
    })?;
    // Unique per process and per write, so two threads saving the same file at once each
    // get their own temp file (the last rename wins, whole).
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        WRITES.fetch_add(1, Ordering::Relaxed)
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
    fn threads_saving_one_file_at_once_all_succeed_and_one_whole_copy_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("room.json");
        let copies: Vec<Vec<u8>> = (0..8u8).map(|n| vec![n; 64 * 1024]).collect();
        std::thread::scope(|scope| {
            for bytes in &copies {
                let path = &path;
                scope.spawn(move || write_atomic(path, bytes).unwrap());
            }
        });
        let written = fs::read(&path).unwrap();
        assert!(copies.contains(&written), "one whole copy, never a mix");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
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
    fn join_inside_keeps_names_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let ok = join_inside(dir.path(), "aria_joy.png").unwrap();
        assert_eq!(ok, dir.path().join("aria_joy.png"));
        for name in [
            "../x.png",
            "a/b.png",
            "/etc/passwd",
            "..",
            ".",
            "",
            "a\\b",
            "x\0y",
        ] {
            let err = join_inside(dir.path(), name).unwrap_err();
            assert_eq!(err.code, "io.outside_folder", "{name:?}");
        }
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
