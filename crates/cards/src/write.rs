//! Writing a card into any format while keeping what its source file holds: a PNG's picture
//! and every other chunk, a CHARX's assets. This is the one entry point for making a card
//! file; the app layer only reads the input and writes the bytes out.

use serde_json::Value;

use crate::avatar::{AvatarSize, card_picture};
use crate::error::{CardError, Result};
use crate::expressions::Sprite;
use crate::expressions::export::charx_emotions;
use crate::png::{self, WriteOptions as PngWriteOptions};
use crate::{Card, Container, Diagnostic, Format, Limits, Loaded, Spec, assets, charx, convert};

/// How to write a card.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// V3 (default) or V2. For `.json`, the spec of the document; for `.png`, V2 means a
    /// V2-only card (no `ccv3` chunk); `.charx` is always V3.
    pub spec: Option<Spec>,
    /// A new picture for the card's PNG or CHARX icon, as the bytes of any picture file; it
    /// is cropped to 2:3 and sized to `picture_size`.
    pub picture: Option<Vec<u8>>,
    /// The size of a picture made from `picture` or from a CHARX icon; 400x600 by default.
    pub picture_size: AvatarSize,
    /// Expression sprites to carry as `emotion` assets when writing a CHARX; they replace the
    /// source's emotion assets.
    pub emotions: Vec<Sprite>,
    /// For a PNG: the chunk writer's options.
    pub png: PngWriteOptions,
}

/// A card file's bytes, made.
#[derive(Debug, Clone)]
pub struct Written {
    pub bytes: Vec<u8>,
    pub spec: Spec,
    /// What the PNG writer fixed on the way (`repair.*`).
    pub changes: Vec<Diagnostic>,
    /// What reading the source noticed, and what this write could not carry.
    pub diagnostics: Vec<Diagnostic>,
}

/// Makes the bytes of `card` as a `format` file. `source` is the file the card came from, as
/// read into `loaded`: its container's picture and assets are kept.
pub fn write(
    source: &[u8],
    loaded: &Loaded,
    card: &Card,
    format: Format,
    options: &WriteOptions,
    limits: &Limits,
) -> Result<Written> {
    if options.spec == Some(Spec::V2) && format == Format::Charx {
        return Err(CardError::CharxIsV3);
    }
    let mut diagnostics = loaded.diagnostics.clone();
    let mut changes = Vec::new();
    let picture = options
        .picture
        .as_deref()
        .map(|bytes| card_picture(bytes, options.picture_size, limits))
        .transpose()?;
    let (bytes, spec) = match format {
        Format::Json => {
            let spec = options.spec.unwrap_or(Spec::V3);
            (crate::write_json(card, spec)?, spec)
        }
        Format::Png => {
            let (into, card) = png_picture(
                source,
                loaded,
                card,
                picture,
                options,
                limits,
                &mut diagnostics,
            )?;
            let v2_only = options.spec == Some(Spec::V2);
            let png_options = PngWriteOptions {
                v2_only,
                ..options.png
            };
            let (out, notes) = png::write(&into, &card, limits, png_options)?;
            let (fixed, notes): (Vec<_>, Vec<_>) = notes
                .into_iter()
                .partition(|d| d.code.starts_with("repair."));
            changes = fixed;
            diagnostics.extend(notes);
            (out, if v2_only { Spec::V2 } else { Spec::V3 })
        }
        Format::Charx => {
            let (mut card_v3, mut entries) = charx_contents(source, loaded, card, picture, limits)?;
            if !options.emotions.is_empty() {
                let old: std::collections::HashSet<String> = card_v3
                    .pointer("/data/assets")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|a| a.get("type").and_then(Value::as_str) == Some("emotion"))
                    .filter_map(|a| a.get("uri")?.as_str().and_then(charx::embedded_path))
                    .map(str::to_string)
                    .collect();
                entries.retain(|e| !old.contains(&e.name));
                entries.extend(charx_emotions(&mut card_v3, &options.emotions));
            }
            (charx::write(&card_v3, &entries)?, Spec::V3)
        }
    };
    Ok(Written {
        bytes,
        spec,
        changes,
        diagnostics,
    })
}

/// The card's own picture, for a library thumbnail: a PNG card is its picture; a CHARX
/// carries its main icon inside. `None` for a JSON card, or a CHARX without an icon.
pub fn main_picture<'a>(source: &'a [u8], loaded: &'a Loaded) -> Option<&'a [u8]> {
    match &loaded.container {
        Container::Png(_) => Some(source),
        Container::Charx(entries) => {
            let card_v3 = convert::to_v3(&loaded.card);
            assets::main_icon_entry(&card_v3, entries).map(|e| e.bytes.as_slice())
        }
        Container::Json => None,
    }
}

/// The PNG to write the card into, and the card as it should read there.
fn png_picture(
    source: &[u8],
    loaded: &Loaded,
    card: &Card,
    picture: Option<Vec<u8>>,
    options: &WriteOptions,
    limits: &Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(Vec<u8>, Card)> {
    if let Some(picture) = picture {
        return Ok((picture, card.clone()));
    }
    match &loaded.container {
        Container::Png(_) => Ok((source.to_vec(), card.clone())),
        Container::Charx(entries) => {
            let mut card_v3 = convert::to_v3(card);
            let icon = assets::main_icon_entry(&card_v3, entries).ok_or(CardError::NoPicture)?;
            let picture = if Format::sniff(&icon.bytes) == Some(Format::Png) {
                png::strip(&icon.bytes, limits)?
            } else {
                card_picture(&icon.bytes, options.picture_size, limits)?
            };
            assets::point_main_icon_at_png(&mut card_v3);
            let others = entries.len() - 1;
            if others > 0 {
                diagnostics.push(
                    Diagnostic::warning(
                        "card.assets_not_carried",
                        format!("a PNG holds one picture; the archive's {others} other files (expressions, sounds, …) are not in it"),
                    )
                    .hint("keep the .charx as well, or convert to .charx, to keep them"),
                );
            }
            Ok((picture, Card::from_value(card_v3)?))
        }
        Container::Json => Err(CardError::NoPicture),
    }
}

/// The V3 document and archive entries of a CHARX.
fn charx_contents(
    source: &[u8],
    loaded: &Loaded,
    card: &Card,
    picture: Option<Vec<u8>>,
    limits: &Limits,
) -> Result<(Value, Vec<charx::Entry>)> {
    let mut card_v3 = convert::to_v3(card);
    let mut entries = match &loaded.container {
        Container::Charx(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let picture = match (picture, &loaded.container) {
        (Some(picture), _) => Some(picture),
        (None, Container::Png(_)) => Some(png::strip(source, limits)?),
        (None, _) => None,
    };
    if let Some(picture) = picture {
        entries.retain(|e| e.name != assets::MAIN_ICON_ENTRY);
        entries.insert(
            0,
            charx::Entry {
                name: assets::MAIN_ICON_ENTRY.into(),
                bytes: picture,
            },
        );
        assets::point_main_icon_at(&mut card_v3, assets::MAIN_ICON_ENTRY);
    }
    Ok((card_v3, entries))
}
