//! Character cards, read and written without losing a byte of what matters.
//!
//! This crate reads and writes the character cards owners bring from SillyTavern, chub and
//! RisuAI: TavernAI V1, Character Card V2 and V3, stored as PNG (a text chunk beside the
//! picture), JSON, or CHARX (a ZIP with `card.json` and assets). It is pure: bytes in, bytes
//! and [`Diagnostic`]s out. Files, paths and atomic writes belong to `deskmate-api`.
//!
//! The promises, each backed by tests:
//!
//! - **Lossless.** A card is kept as its JSON object ([`Card`]), so keys we do not know, at
//!   any depth, survive read -> write -> read. Conversions between specs carry what the
//!   target cannot hold ([`convert`]).
//! - **The picture is never touched.** Writing a PNG copies every non-card chunk byte for
//!   byte ([`png::write`]); reading never inflates IDAT.
//! - **Forgiving readers, strict writers.** Readers accept what real files contain (see
//!   [`png::read`], payload decoding, [`charx`]) and say, as diagnostics, what they forgave.
//!   Writers produce exactly what the specs say.
//! - **Bounded.** Every reader obeys [`Limits`], and no input makes it panic.
//!
//! It also reads and writes expression sprite sets ([`expressions`]) and makes the library's
//! thumbnails ([`thumbnail`]). [`write::write`] is the one entry point for making a card file
//! in any format from the file it came from.
//!
//! What is public, and why: the formats themselves ([`png`], [`charx`], the spec conversions
//! in [`convert`] and the field tables in [`fields`]) are the crate's subject, and its tests
//! and fuzz targets drive them one by one; [`archive`] is the one guarded ZIP reader, which
//! the api also uses for zips of many cards; [`expressions`] is the sprite-set half of the
//! crate. How text chunks are decoded, the lorebook and asset tables, payload decoding and
//! checks stay private.

pub mod archive;
mod assets;
mod avatar;
pub mod charx;
mod check;
pub mod convert;
mod error;
pub mod expressions;
pub mod fields;
mod format;
mod limits;
mod lorebook;
mod model;
mod payload;
mod picture;
pub mod png;
mod repair;
mod thumbnail;
pub mod write;

pub use avatar::{AvatarSize, card_picture};
pub use deskmate_diagnostics::{Diagnostic, Severity};
pub use error::{CardError, Result};
pub use format::Format;
pub use limits::Limits;
pub use model::{Card, Spec};
pub use repair::repair;
pub use thumbnail::{THUMBNAIL_HEIGHT, THUMBNAIL_WIDTH, picture_pixels, thumbnail};

/// A card read from a file, with what the reader noticed.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub card: Card,
    pub format: Format,
    pub container: Container,
    pub diagnostics: Vec<Diagnostic>,
}

/// What the file held besides the card, needed to write it back without loss.
#[derive(Debug, Clone)]
pub enum Container {
    /// The card came from this chunk; the picture is the input bytes themselves.
    Png(png::CardChunk),
    Json,
    /// Every other entry of the archive.
    Charx(Vec<charx::Entry>),
}

/// Reads a card from a file's bytes, whatever the container.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Loaded> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(CardError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    match Format::sniff(bytes).ok_or(CardError::UnknownFormat)? {
        Format::Png => {
            let read = png::read(bytes, limits)?;
            Ok(Loaded {
                card: read.card,
                format: Format::Png,
                container: Container::Png(read.source),
                diagnostics: read.diagnostics,
            })
        }
        Format::Json => {
            let decoded = payload::parse_json_bytes(bytes, "the JSON file")
                .map_err(|reason| CardError::BadJson { reason })?;
            let card = Card::from_value(decoded.json)?;
            Ok(Loaded {
                card,
                format: Format::Json,
                container: Container::Json,
                diagnostics: decoded.notes,
            })
        }
        Format::Charx => {
            let read = charx::read(bytes, limits)?;
            Ok(Loaded {
                card: read.card,
                format: Format::Charx,
                container: Container::Charx(read.entries),
                diagnostics: read.diagnostics,
            })
        }
    }
}

/// Everything [`repair`] could fix and everything it could not, as diagnostics.
pub fn validate(card: &Card) -> Vec<Diagnostic> {
    check::check(card)
        .into_iter()
        .map(|f| f.diagnostic)
        .collect()
}

/// A card as JSON text in the given spec (V2 or V3; V1 is never written). Pretty-printed,
/// because owners open these files in editors.
pub fn write_json(card: &Card, spec: Spec) -> Result<Vec<u8>> {
    let value = match spec {
        Spec::V2 => convert::to_v2(card),
        Spec::V1 | Spec::V3 => convert::to_v3(card),
    };
    serde_json::to_vec_pretty(&value).map_err(|e| CardError::CannotWrite {
        reason: e.to_string(),
    })
}
