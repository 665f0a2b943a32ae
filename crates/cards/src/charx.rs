//! CHARX: a ZIP holding `card.json` (a V3 card) and the assets it points at.
//!
//! We keep every entry of the archive, not only the ones the card names, so an archive made
//! by RisuAI (with its `module.risum`, `x_meta/` files, …) survives a read -> write. Readers
//! in the wild disagree on details, so ours accepts all of:
//!
//! - asset URIs `embeded://path` (the spec's spelling), `embedded://path` and `__asset:path`;
//! - assets under `…/images/` or `…/image/` (either spelling resolves to the other);
//! - junk before the ZIP, as in RisuAI's JPEG + ZIP files.
//!
//! Entry names that are absolute or climb out with `..` are refused outright: one day someone
//! will unpack these files to disk.

use std::collections::HashSet;
use std::io::{Cursor, Write};

use deskmate_diagnostics::Diagnostic;
use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::archive;
use crate::error::{CardError, Result};
use crate::limits::Limits;
use crate::model::Card;
use crate::payload;

pub const CARD_ENTRY: &str = "card.json";

/// A CHARX archive, read.
#[derive(Debug, Clone)]
pub struct Charx {
    pub card: Card,
    /// Every entry except `card.json`, in archive order, with its bytes.
    pub entries: Vec<Entry>,
    pub diagnostics: Vec<Diagnostic>,
}

pub use crate::archive::Entry;

/// The entry an embedded-asset URI names, trying both `image/` and `images/` spellings.
pub fn resolve<'a>(entries: &'a [Entry], uri: &str) -> Option<&'a Entry> {
    let path = embedded_path(uri)?;
    let find = |p: &str| entries.iter().find(|e| e.name == p);
    find(path).or_else(|| find(&other_spelling(path)))
}

/// RisuAI writes both `assets/icon/image/` and `…/images/`; either finds the file.
fn other_spelling(path: &str) -> String {
    if path.contains("/images/") {
        path.replacen("/images/", "/image/", 1)
    } else {
        path.replacen("/image/", "/images/", 1)
    }
}

/// The archive path of an embedded-asset URI, or `None` for other URIs (`ccdefault:`,
/// `https://`, `data:`).
pub fn embedded_path(uri: &str) -> Option<&str> {
    ["embeded://", "embedded://", "__asset:"]
        .iter()
        .find_map(|scheme| uri.strip_prefix(scheme))
}

/// Reads a CHARX archive (or JPEG + ZIP file).
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Charx> {
    let mut card_bytes = None;
    let mut entries = Vec::new();
    for entry in archive::read_entries(bytes, limits)? {
        if entry.name == CARD_ENTRY {
            card_bytes = Some(entry.bytes);
        } else {
            entries.push(entry);
        }
    }
    let card_bytes = card_bytes.ok_or(CardError::CharxNoCard)?;
    let decoded = payload::parse_json_bytes(&card_bytes, CARD_ENTRY)
        .map_err(|reason| CardError::BadJson { reason })?;
    let card = Card::from_value(decoded.json)?;
    let mut diagnostics = decoded.notes;
    diagnostics.extend(missing_assets(&card, &entries));
    Ok(Charx {
        card,
        entries,
        diagnostics,
    })
}

/// Warnings for embedded asset URIs that point at nothing in the archive.
fn missing_assets(card: &Card, entries: &[Entry]) -> Vec<Diagnostic> {
    // A set, so a card of thousands of assets in an archive of thousands of files is not
    // a million comparisons.
    let names: HashSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let assets = card
        .data()
        .and_then(|d| d.get("assets"))
        .and_then(Value::as_array);
    assets
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, asset)| {
            let uri = asset.get("uri")?.as_str()?;
            let path = embedded_path(uri)?;
            if names.contains(path) || names.contains(other_spelling(path).as_str()) {
                return None;
            }
            Some(
                Diagnostic::warning("charx.missing_asset", format!("the asset `{uri}` is not in the archive"))
                    .at(format!("data.assets[{i}].uri"))
                    .hint("the card still works, but this picture or sound will be missing; re-export it from the app that made it"),
            )
        })
        .collect()
}

/// Writes `card.json` (the V3 document given) first, then `entries` in order.
pub fn write(card_v3: &Value, entries: &[Entry]) -> Result<Vec<u8>> {
    let cannot = |e: &dyn std::fmt::Display| CardError::CannotWrite {
        reason: e.to_string(),
    };
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    let json = serde_json::to_vec_pretty(card_v3).map_err(|e| cannot(&e))?;
    zip.start_file(CARD_ENTRY, options)
        .map_err(|e| cannot(&e))?;
    zip.write_all(&json).map_err(|e| cannot(&e))?;
    for entry in entries {
        // Pictures and sounds are already compressed; deflating them again only costs time.
        let stored = is_precompressed(&entry.name);
        let options = if stored {
            options.compression_method(zip::CompressionMethod::Stored)
        } else {
            options
        };
        let options = options.large_file(entry.bytes.len() as u64 >= u32::MAX as u64);
        zip.start_file(entry.name.as_str(), options)
            .map_err(|e| cannot(&e))?;
        zip.write_all(&entry.bytes).map_err(|e| cannot(&e))?;
    }
    Ok(zip.finish().map_err(|e| cannot(&e))?.into_inner())
}

fn is_precompressed(name: &str) -> bool {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "png" | "jpg" | "jpeg" | "webp" | "gif" | "avif" | "mp3" | "ogg" | "mp4" | "webm" | "zip"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Zip",
            "assets": [{"type": "icon", "uri": "embeded://assets/icon/image/main.png", "name": "main", "ext": "png"},
                       {"type": "emotion", "uri": "embedded://assets/emotion/images/joy.png", "name": "joy", "ext": "png"},
                       {"type": "other", "uri": "__asset:gone.bin", "name": "x", "ext": "bin"}]}})
    }

    fn entries() -> Vec<Entry> {
        vec![
            Entry {
                name: "assets/icon/images/main.png".into(),
                bytes: b"icon".to_vec(),
            },
            Entry {
                name: "assets/emotion/images/joy.png".into(),
                bytes: b"joy".to_vec(),
            },
            Entry {
                name: "x_meta/app.json".into(),
                bytes: b"{}".to_vec(),
            },
        ]
    }

    #[test]
    fn round_trips_every_entry_and_resolves_uri_spellings() {
        let bytes = write(&sample(), &entries()).unwrap();
        let charx = read(&bytes, &Limits::default()).unwrap();
        assert_eq!(charx.card.to_value(), sample());
        assert_eq!(charx.entries, entries());
        assert_eq!(
            resolve(&charx.entries, "embeded://assets/icon/image/main.png")
                .unwrap()
                .bytes,
            b"icon"
        );
        assert_eq!(
            resolve(&charx.entries, "embedded://assets/emotion/images/joy.png")
                .unwrap()
                .bytes,
            b"joy"
        );
        let missing: Vec<_> = charx
            .diagnostics
            .iter()
            .filter(|d| d.code == "charx.missing_asset")
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].path.as_deref(), Some("data.assets[2].uri"));
    }

    #[test]
    fn reads_a_zip_behind_a_jpeg() {
        let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0];
        bytes.extend(vec![7u8; 5000]);
        bytes.extend(write(&sample(), &entries()).unwrap());
        let charx = read(&bytes, &Limits::default()).unwrap();
        assert_eq!(charx.card.name(), Some("Zip"));
    }

    #[test]
    fn refuses_traversal_and_absolute_names() {
        for name in [
            "../evil.png",
            "assets/../../evil",
            "/etc/passwd",
            "\\windows\\x",
            "C:/x",
            "a\\..\\b",
        ] {
            let bytes = write(
                &sample(),
                &[Entry {
                    name: name.into(),
                    bytes: vec![1],
                }],
            )
            .unwrap();
            let err = read(&bytes, &Limits::default()).unwrap_err();
            assert_eq!(err.code(), "charx.path_traversal", "{name}");
        }
    }

    #[test]
    fn enforces_entry_count_total_size_and_ratio() {
        let bytes = write(&sample(), &entries()).unwrap();
        let few = Limits {
            max_zip_entries: 2,
            ..Limits::default()
        };
        assert_eq!(
            read(&bytes, &few).unwrap_err().code(),
            "charx.too_many_entries"
        );
        let small = Limits {
            max_zip_total_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(read(&bytes, &small).unwrap_err().code(), "charx.too_large");

        let bomb = write(
            &sample(),
            &[Entry {
                name: "zeros.txt".into(),
                bytes: vec![0; 4 << 20],
            }],
        )
        .unwrap();
        assert_eq!(
            read(&bomb, &Limits::default()).unwrap_err().code(),
            "charx.ratio_limit"
        );
    }

    #[test]
    fn needs_card_json() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("other.json", SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"{}").unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(
            read(&bytes, &Limits::default()).unwrap_err().code(),
            "charx.no_card"
        );
    }
}
