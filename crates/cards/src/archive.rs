//! Reading ZIP archives from outside (a CHARX, a sprite set, a zip of cards) within limits.
//!
//! ZIP is where hostile files do their damage: names that climb out of the folder they are
//! unpacked into (`../../.bashrc`), entries that inflate a thousandfold, archives of a
//! million entries, sizes in the header that lie. Every archive this crate opens goes
//! through [`read_entries`], so the guards live in one place.

use std::io::{Cursor, Read, Write};

use crate::error::{CardError, Result};
use crate::limits::Limits;

/// One file in an archive, with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file entry (folders skipped) in archive order, after checking the entry count,
/// each name, the real unpacked total and each entry's compression ratio.
pub fn read_entries(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>> {
    let bad_zip = |e: zip::result::ZipError| CardError::CharxBadZip {
        reason: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad_zip)?;
    if archive.len() > limits.max_zip_entries {
        return Err(CardError::CharxTooManyEntries {
            count: archive.len(),
            limit: limits.max_zip_entries,
        });
    }
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let file = archive.by_index_raw(index).map_err(bad_zip)?;
        let name = file.name().map_err(bad_zip)?.into_owned();
        check_name(&name)?;
        if file.encrypted() {
            return Err(CardError::CharxEncrypted { name });
        }
        drop(file);
        let mut file = archive.by_index(index).map_err(bad_zip)?;
        if file.is_dir() {
            continue;
        }
        let remaining = limits.max_zip_total_bytes.saturating_sub(total);
        // The entry's compressed bytes cannot be more than the whole archive, whatever its
        // header declares.
        let compressed = file.compressed_size().min(bytes.len() as u64);
        let data = inflate(&mut file, &name, compressed, remaining, limits)?;
        total += data.len() as u64;
        entries.push(Entry { name, bytes: data });
    }
    Ok(entries)
}

/// Inflates one entry a chunk at a time, counting what really comes out (declared sizes can
/// lie), and stops at the first chunk past the bytes left in the archive's budget or past
/// the ratio limit. A bomb so costs at most one chunk more than the limits allow, never the
/// whole entry in memory.
fn inflate(
    file: &mut impl Read,
    name: &str,
    compressed: u64,
    remaining: u64,
    limits: &Limits,
) -> Result<Vec<u8>> {
    const CHUNK: usize = 64 * 1024;
    let mut data = Vec::new();
    loop {
        let start = data.len();
        data.resize(start + CHUNK, 0);
        let n = file
            .read(&mut data[start..])
            .map_err(|e| CardError::CharxBadZip {
                reason: format!("{name}: {e}"),
            })?;
        data.truncate(start + n);
        if n == 0 {
            return Ok(data);
        }
        if data.len() as u64 > remaining {
            return Err(CardError::CharxTooLarge {
                limit: limits.max_zip_total_bytes,
            });
        }
        check_ratio(name, data.len() as u64, compressed, limits)?;
    }
}

/// A ZIP of `entries`, stored without compression: they are pictures and cards, which are
/// compressed already.
pub fn write_stored(entries: &[Entry]) -> Result<Vec<u8>> {
    let cannot = |e: &dyn std::fmt::Display| CardError::CannotWrite {
        reason: e.to_string(),
    };
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(
            entries
                .iter()
                .any(|e| e.bytes.len() as u64 >= u64::from(u32::MAX)),
        );
    for entry in entries {
        zip.start_file(entry.name.as_str(), options)
            .map_err(|e| cannot(&e))?;
        zip.write_all(&entry.bytes).map_err(|e| cannot(&e))?;
    }
    Ok(zip.finish().map_err(|e| cannot(&e))?.into_inner())
}

/// Refuses absolute names and any `..` component, with either slash.
fn check_name(name: &str) -> Result<()> {
    let traversal = || CardError::CharxPathTraversal {
        name: name.to_string(),
    };
    let absolute = name.starts_with(['/', '\\']) || name.as_bytes().get(1) == Some(&b':');
    if absolute || name.contains('\0') || name.split(['/', '\\']).any(|part| part == "..") {
        return Err(traversal());
    }
    Ok(())
}

/// Only entries past 1 MiB are checked: small, repetitive JSON compresses very well and is
/// harmless; a bomb has to be big to hurt.
fn check_ratio(name: &str, size: u64, compressed: u64, limits: &Limits) -> Result<()> {
    const CHECK_ABOVE: u64 = 1024 * 1024;
    if size > CHECK_ABOVE {
        let ratio = size / compressed.max(1);
        if ratio > limits.max_zip_ratio {
            return Err(CardError::CharxRatio {
                name: name.to_string(),
                ratio,
                limit: limits.max_zip_ratio,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts what is pulled from an endless stream of zeros, as a bomb's inflater gives.
    struct Endless {
        pulled: u64,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(0);
            self.pulled += buf.len() as u64;
            Ok(buf.len())
        }
    }

    #[test]
    fn a_bomb_stops_at_the_ratio_limit_one_chunk_past_it() {
        let limits = Limits::default();
        let mut bomb = Endless { pulled: 0 };
        // 10 KiB compressed at a 200:1 limit: refused right after 2 MiB have come out.
        let err = inflate(&mut bomb, "bomb", 10 * 1024, u64::MAX, &limits).unwrap_err();
        assert_eq!(err.code(), "charx.ratio_limit");
        assert!(
            bomb.pulled <= 2 * 1024 * 1024 + 64 * 1024,
            "{}",
            bomb.pulled
        );
    }

    #[test]
    fn a_bomb_stops_at_the_size_budget_one_chunk_past_it() {
        let limits = Limits::default();
        let mut bomb = Endless { pulled: 0 };
        let err = inflate(&mut bomb, "bomb", u64::MAX, 300 * 1024, &limits).unwrap_err();
        assert_eq!(err.code(), "charx.too_large");
        assert!(bomb.pulled <= 300 * 1024 + 64 * 1024, "{}", bomb.pulled);
    }
}
