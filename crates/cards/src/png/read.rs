//! Finding and decoding the card in a PNG.
//!
//! Readers disagree when a file holds several card chunks. Ours is deterministic and says
//! what it chose:
//!
//! 1. `ccv3` before `chara` (the V3 spec's rule);
//! 2. `tEXt` before `zTXt`/`iTXt`, because `tEXt` is the only kind SillyTavern reads, so for
//!    the files it can open we pick what it picks;
//! 3. the first in file order (SillyTavern's `findIndex`).
//!
//! A chunk that does not decode is skipped with a warning and the next one is tried.

use deskmate_diagnostics::Diagnostic;

use crate::convert;
use crate::error::{CardError, Result};
use crate::limits::Limits;
use crate::model::Card;
use crate::payload;

use super::chunks::{Chunk, PngLayout};
use super::text::{self, CardKeyword, TextKind};
use super::{integrity, place};

/// Which chunk the card came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardChunk {
    pub index: usize,
    pub kind: TextKind,
    pub keyword: CardKeyword,
}

#[derive(Debug, Clone)]
pub struct PngCard {
    pub card: Card,
    pub source: CardChunk,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the card out of PNG bytes.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<PngCard> {
    let layout = PngLayout::walk(bytes, limits)?;
    let mut diagnostics = integrity(&layout);

    let mut candidates: Vec<(CardKeyword, TextKind, &Chunk<'_>)> = layout
        .chunks
        .iter()
        .filter_map(|c| Some((CardKeyword::parse(text::keyword(c)?)?, TextKind::of(c)?, c)))
        .collect();
    candidates.sort_by_key(|&(keyword, kind, chunk)| (keyword, kind, chunk.index));
    if candidates.is_empty() {
        return Err(CardError::PngNoCard);
    }

    let mut failures = Vec::new();
    let mut encrypted = false;
    // One inflate budget for the whole file: a PNG of many broken compressed card chunks
    // must not cost the limit once per chunk.
    let mut inflate_left = limits.max_inflated_text_bytes;
    for &(keyword, kind, chunk) in &candidates {
        let here = place(chunk);
        let chunk_limits = Limits {
            max_inflated_text_bytes: inflate_left,
            ..*limits
        };
        let mut card = match decode_chunk(chunk, &chunk_limits, &here, &mut inflate_left) {
            Ok((card, notes)) => {
                diagnostics.extend(notes);
                card
            }
            Err(Unreadable::Encrypted) => {
                encrypted = true;
                failures.push(format!("{here}: password-protected"));
                continue;
            }
            Err(Unreadable::Broken(reason)) => {
                diagnostics.push(
                    Diagnostic::warning(
                        "png.card_chunk_unreadable",
                        format!("this card chunk could not be decoded and was skipped: {reason}"),
                    )
                    .at(&here)
                    .hint("saving the card again writes fresh, readable card chunks"),
                );
                failures.push(format!("{here}: {reason}"));
                continue;
            }
        };
        let others: Vec<String> = candidates
            .iter()
            .filter(|c| c.0 == keyword && c.2.index != chunk.index)
            .map(|c| place(c.2))
            .collect();
        if !others.is_empty() {
            diagnostics.push(
                Diagnostic::warning("png.duplicate_card_chunk", format!("the file holds more than one card chunk with this keyword; used {here}, ignored {}", others.join(", ")))
                    .at(&here)
                    .hint("other apps may show a different version of this card; saving it again keeps only the one used"),
            );
        }
        if keyword == CardKeyword::Chara && convert::trim_backfill_notice(&mut card) {
            diagnostics.push(
                Diagnostic::info(
                    "card.backfill_notice_trimmed",
                    "removed the V3 backfill notice from creator_notes",
                )
                .at(&here),
            );
        }
        let source = CardChunk {
            index: chunk.index,
            kind,
            keyword,
        };
        return Ok(PngCard {
            card,
            source,
            diagnostics,
        });
    }
    if encrypted {
        return Err(CardError::PngEncryptedCard);
    }
    Err(CardError::PngBadCard {
        reason: failures.join("; "),
    })
}

/// Why a card chunk gave no card.
enum Unreadable {
    /// RisuAI's password-protected `rcc||` format: readable only with the password, in RisuAI.
    Encrypted,
    Broken(String),
}

/// Decodes one card chunk, taking what its text inflated to from `inflate_left`.
fn decode_chunk(
    chunk: &Chunk<'_>,
    limits: &Limits,
    place: &str,
    inflate_left: &mut u64,
) -> std::result::Result<(Card, Vec<Diagnostic>), Unreadable> {
    let broken = |e: &dyn std::fmt::Display| Unreadable::Broken(e.to_string());
    let decoded = match text::decode(chunk, limits) {
        Some(Ok(decoded)) => decoded,
        Some(Err(e)) => {
            if matches!(e, CardError::InflateLimit { .. }) {
                *inflate_left = 0;
            }
            return Err(broken(&e));
        }
        None => return Err(Unreadable::Broken("not a text chunk".into())),
    };
    // tEXt is never compressed; iTXt may be, and is charged either way (its text is bounded
    // by the chunk size regardless).
    if decoded.kind != TextKind::TEXt {
        *inflate_left = inflate_left.saturating_sub(decoded.text.len() as u64);
    }
    if decoded.text.starts_with(b"rcc||") {
        return Err(Unreadable::Encrypted);
    }
    let payload = payload::decode(&decoded.text, decoded.utf8, place).map_err(|e| broken(&e))?;
    let card = Card::from_value(payload.json).map_err(|e| broken(&e))?;
    Ok((card, payload.notes))
}
