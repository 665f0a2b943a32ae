//! Writing a card into a PNG while keeping the image exactly as it was.

use base64::Engine;
use deskmate_diagnostics::Diagnostic;
use serde_json::Value;

use crate::convert;
use crate::error::{CardError, Result};
use crate::limits::Limits;
use crate::model::Card;

use super::chunks::{self, DamageKind, PngLayout, SIGNATURE};
use super::place;
use super::text::{self, CardKeyword};

#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Recompute checksums that do not match their chunk (repair). Otherwise every non-card
    /// chunk, checksum included, is copied as it was.
    pub fix_crcs: bool,
    /// Write a V2-only card: one plain V2 `chara` chunk, no `ccv3` and no backfill notice
    /// (the V3 spec's case of a card "exported only for Character Card V2").
    pub v2_only: bool,
}

/// Returns `png` with its card chunks replaced by one `chara` (a true V2 backfill) and one
/// `ccv3` (V3) tEXt chunk before IEND, or only a plain `chara` with
/// [`WriteOptions::v2_only`]. Every other chunk, the bytes after IEND, and chunk
/// order are kept exactly.
pub fn write(
    png: &[u8],
    card: &Card,
    limits: &Limits,
    options: WriteOptions,
) -> Result<(Vec<u8>, Vec<Diagnostic>)> {
    if options.v2_only {
        let chara = encode_payload(&convert::to_v2(card))?;
        return rewrite(png, &[("chara", &chara)], limits, options);
    }
    let chara = encode_payload(&convert::to_v2_backfill(card))?;
    let ccv3 = encode_payload(&convert::to_v3(card))?;
    rewrite(png, &[("chara", &chara), ("ccv3", &ccv3)], limits, options)
}

/// `png` without any card chunk: the plain picture, as stored in a CHARX.
pub fn strip(png: &[u8], limits: &Limits) -> Result<Vec<u8>> {
    rewrite(png, &[], limits, WriteOptions::default()).map(|(bytes, _)| bytes)
}

/// Copies `png`, dropping card chunks and inserting `texts` as tEXt chunks before IEND.
fn rewrite(
    png: &[u8],
    texts: &[(&str, &str)],
    limits: &Limits,
    options: WriteOptions,
) -> Result<(Vec<u8>, Vec<Diagnostic>)> {
    let layout = PngLayout::walk(png, limits)?;
    if let Some(damage) = layout.damage {
        return Err(match damage.kind {
            DamageKind::NoIend => CardError::PngNoIend,
            DamageKind::Truncated | DamageKind::Garbage => CardError::PngTruncated {
                index: damage.index,
                offset: damage.offset,
            },
        });
    }
    let extra: usize = texts.iter().map(|(k, t)| k.len() + t.len() + 13).sum();
    let mut out = Vec::with_capacity(png.len() + extra);
    out.extend_from_slice(&SIGNATURE);
    let mut diagnostics = Vec::new();
    let mut removed = Vec::new();
    for chunk in &layout.chunks {
        let is_card = text::keyword(chunk).and_then(CardKeyword::parse).is_some();
        if is_card {
            removed.push(place(chunk));
            continue;
        }
        if chunk.is(b"IEND") {
            for (keyword, body) in texts {
                chunks::push_chunk(&mut out, b"tEXt", &text::encode_text(keyword, body))?;
            }
        }
        if options.fix_crcs && !chunk.crc_ok() {
            chunks::push_chunk(&mut out, &chunk.kind, chunk.data)?;
            diagnostics.push(
                Diagnostic::info(
                    "repair.crc_fixed",
                    "rewrote the chunk's checksum to match its data",
                )
                .at(place(chunk)),
            );
        } else {
            out.extend_from_slice(chunk.raw);
        }
    }
    out.extend_from_slice(layout.trailing);
    if !removed.is_empty() {
        diagnostics.push(Diagnostic::info(
            "png.card_chunks_replaced",
            format!(
                "replaced the old card chunks ({}) with one chara and one ccv3 chunk",
                removed.join(", ")
            ),
        ));
    }
    Ok((out, diagnostics))
}

/// Compact JSON, UTF-8, standard base64: what every reader understands.
fn encode_payload(value: &Value) -> Result<String> {
    let json = serde_json::to_vec(value).map_err(|e| CardError::CannotWrite {
        reason: e.to_string(),
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(json))
}
