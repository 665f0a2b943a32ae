//! Character cards inside PNG files.
//!
//! A card lives in a text chunk keyed `ccv3` (V3) or `chara` (V2, or V1 in old files), as
//! base64 of the JSON. Reading walks chunk headers only; writing copies every other chunk
//! byte for byte, so the picture an owner chose is never re-encoded.

pub mod chunks;
mod read;
pub(crate) mod text;
mod write;

pub use chunks::{Chunk, Damage, DamageKind, PngLayout};
pub use read::{CardChunk, PngCard, read};
pub use write::{WriteOptions, strip, write};

use deskmate_diagnostics::Diagnostic;
use serde::Serialize;

use crate::{Limits, Result};

/// One chunk of a card's PNG, as `card inspect` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChunkSummary {
    pub index: usize,
    pub offset: usize,
    #[serde(rename = "type")]
    pub kind: String,
    pub length: usize,
    pub crc_ok: bool,
    /// A text chunk's keyword (`chara`, `ccv3`, `Software`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// True for the chunk the card was read from.
    pub card: bool,
}

/// Every chunk of `bytes` in file order, marking the one `card` came from.
pub fn chunk_summary(bytes: &[u8], card: &CardChunk, limits: &Limits) -> Result<Vec<ChunkSummary>> {
    let layout = PngLayout::walk(bytes, limits)?;
    Ok(layout
        .chunks
        .iter()
        .map(|c| ChunkSummary {
            index: c.index,
            offset: c.offset,
            kind: c.kind_str().to_string(),
            length: c.data.len(),
            crc_ok: c.crc_ok(),
            keyword: text::keyword(c).map(|k| String::from_utf8_lossy(k).into_owned()),
            card: c.index == card.index,
        })
        .collect())
}

/// A place name for diagnostics: `chunk 3 (tEXt "chara")`.
pub(crate) fn place(chunk: &Chunk<'_>) -> String {
    match text::keyword(chunk) {
        Some(keyword) => format!(
            "chunk {} ({} \"{}\")",
            chunk.index,
            chunk.kind_str(),
            String::from_utf8_lossy(keyword)
        ),
        None => format!("chunk {} ({})", chunk.index, chunk.kind_str()),
    }
}

/// Checksum and structure findings for a whole file: every chunk's CRC, and where the walk
/// stopped early.
pub fn integrity(layout: &PngLayout<'_>) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = layout
        .chunks
        .iter()
        .filter(|c| !c.crc_ok())
        .map(|c| {
            Diagnostic::warning(
                "png.crc_mismatch",
                format!("the checksum of this chunk does not match its data (stored {:08x}, computed {:08x})", c.stored_crc, c.computed_crc()),
            )
            .at(place(c))
            .hint("some apps refuse such files; repairing the card rewrites the checksums")
        })
        .collect();
    if let Some(damage) = layout.damage {
        let (code, message) = match damage.kind {
            DamageKind::Truncated => (
                "png.truncated",
                format!(
                    "the file ends inside chunk {} (byte {})",
                    damage.index, damage.offset
                ),
            ),
            DamageKind::Garbage => (
                "png.garbage",
                format!("the bytes from {} on are not PNG chunks", damage.offset),
            ),
            DamageKind::NoIend => ("png.no_iend", "the file has no IEND chunk".to_string()),
        };
        found.push(
            Diagnostic::warning(code, format!("{message}: the image is damaged or cut short"))
                .hint("the card text before the damage was recovered; to save it, convert it to .json or give a new picture with --image"),
        );
    }
    found
}
