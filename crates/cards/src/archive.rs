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
        let mut data = Vec::new();
        // The declared size can lie; count what actually comes out.
        (&mut file)
            .take(remaining + 1)
            .read_to_end(&mut data)
            .map_err(|e| CardError::CharxBadZip {
                reason: format!("{name}: {e}"),
            })?;
        total += data.len() as u64;
        if total > limits.max_zip_total_bytes {
            return Err(CardError::CharxTooLarge {
                limit: limits.max_zip_total_bytes,
            });
        }
        check_ratio(&name, data.len() as u64, file.compressed_size(), limits)?;
        entries.push(Entry { name, bytes: data });
    }
    Ok(entries)
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
