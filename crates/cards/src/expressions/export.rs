//! Writing a sprite set for each place it goes: a SillyTavern sprite zip, the DeskMate
//! server's persona folder, and V3 CHARX `emotion` assets.

use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;

use crate::archive::{self, Entry};
use crate::error::Result;
use crate::expressions::file_name::check_plain_name;
use crate::expressions::labels::{DESKMATE, DESKMATE_SOURCES, SILLYTAVERN, sillytavern_for};
use crate::expressions::sprite::{Sprite, SpriteFormat};
use crate::limits::Limits;
use crate::picture;

/// File names for a flat set: `<label>.<ext>` for a label's first picture, then
/// `<label>-2.<ext>`, `<label>-3.<ext>`, which SillyTavern reads back as the same label.
/// DeskMate labels with a SillyTavern counterpart take its name (`happy` -> `joy`).
pub fn sillytavern_names(sprites: &[Sprite]) -> Vec<String> {
    let mut used = BTreeSet::new();
    sprites
        .iter()
        .map(|sprite| {
            let label = if SILLYTAVERN.contains(&sprite.label.as_str()) {
                sprite.label.as_str()
            } else {
                sillytavern_for(&sprite.label).unwrap_or(&sprite.label)
            };
            let ext = sprite.format.extension();
            let mut name = format!("{label}.{ext}");
            let mut n = 2;
            while !used.insert(name.clone()) {
                name = format!("{label}-{n}.{ext}");
                n += 1;
            }
            name
        })
        .collect()
}

/// A SillyTavern sprite zip: flat, one file per picture, bytes untouched.
pub fn sillytavern_zip(sprites: &[Sprite]) -> Result<Vec<u8>> {
    let entries: Vec<Entry> = sprites
        .iter()
        .zip(sillytavern_names(sprites))
        .map(|(sprite, name)| Entry {
            name,
            bytes: sprite.bytes.clone(),
        })
        .collect();
    archive::write_stored(&entries)
}

/// The name the DeskMate server's persona reader derives from a card's name: lowercased,
/// spaces as underscores. Its expression files are `<this>_<label>.png`.
pub fn deskmate_file_stem(card_name: &str) -> String {
    card_name.to_lowercase().replace(' ', "_")
}

/// One DeskMate expression file, and where its picture came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskmateChoice {
    pub label: String,
    pub file_name: String,
    /// The sprite file the picture is from.
    pub from: String,
    /// True when the picture is another label's (the set has no `label` of its own).
    pub fallback: bool,
    /// True when the sprite was not a PNG and was converted, since the server only looks
    /// for `.png` files.
    pub converted: bool,
}

/// The DeskMate server's layout for a persona's expressions.
#[derive(Debug, Clone)]
pub struct DeskmateExport {
    /// The checked stem of every file: the card PNG is `<stem>.png`.
    pub stem: String,
    /// `<stem>_<label>.png` files, for the folder the persona's card PNG is in.
    pub files: Vec<Entry>,
    pub choices: Vec<DeskmateChoice>,
    /// DeskMate labels with no picture at all; the server shows the card's own picture.
    pub missing: Vec<String>,
}

/// Picks a picture for each DeskMate label (its own, else the first fallback the set has),
/// names it as the server's reader looks for it, and converts non-PNG pictures to PNG.
/// With `fill_fallbacks` off, only labels with their own picture are written.
///
/// The card's name is its author's text and becomes the files' stem, so a name that is not a
/// plain file name (`../../x`, `/etc/x`) is refused with `expression.unsafe_name`.
pub fn deskmate_layout(
    card_name: &str,
    sprites: &[Sprite],
    fill_fallbacks: bool,
    limits: &Limits,
) -> Result<DeskmateExport> {
    let stem = deskmate_file_stem(card_name);
    check_plain_name(&stem)?;
    let mut export = DeskmateExport {
        stem: stem.clone(),
        files: Vec::new(),
        choices: Vec::new(),
        missing: Vec::new(),
    };
    for (label, sources) in DESKMATE_SOURCES {
        let limit = if fill_fallbacks { sources.len() } else { 1 };
        let chosen = sources[..limit]
            .iter()
            .find_map(|source| sprites.iter().find(|s| s.label == *source));
        let Some(sprite) = chosen else {
            export.missing.push(label.into());
            continue;
        };
        let converted = sprite.format != SpriteFormat::Png;
        let bytes = if converted {
            picture::encode_png(&picture::decode(&sprite.bytes, limits)?)?
        } else {
            sprite.bytes.clone()
        };
        let file_name = format!("{stem}_{label}.png");
        export.choices.push(DeskmateChoice {
            label: label.into(),
            file_name: file_name.clone(),
            from: sprite.file_name.clone(),
            fallback: sprite.label != label,
            converted,
        });
        export.files.push(Entry {
            name: file_name,
            bytes,
        });
    }
    debug_assert_eq!(export.choices.len() + export.missing.len(), DESKMATE.len());
    Ok(export)
}

/// The label of a file in the DeskMate layout (`aria_happy.png` -> `happy` for the stem
/// `aria`), or `None` when the file is not one of the persona's expressions.
pub fn deskmate_label(stem: &str, file_name: &str) -> Option<&'static str> {
    let rest = file_name
        .strip_prefix(stem)?
        .strip_prefix('_')?
        .strip_suffix(".png")?;
    DESKMATE.iter().find(|l| **l == rest).copied()
}

/// Where a CHARX keeps emotion pictures.
const EMOTION_DIR: &str = "assets/emotion/images/";

/// Puts the sprites into a V3 card as `emotion` assets (RisuAI's convention: the asset's
/// `name` is the label) and returns the archive entries to write beside `card.json`. The
/// card's earlier emotion assets are replaced.
pub fn charx_emotions(card_v3: &mut Value, sprites: &[Sprite]) -> Vec<Entry> {
    let names = sillytavern_names(sprites);
    let entries: Vec<Entry> = sprites
        .iter()
        .zip(&names)
        .map(|(sprite, name)| Entry {
            name: format!("{EMOTION_DIR}{name}"),
            bytes: sprite.bytes.clone(),
        })
        .collect();
    if let Some(data) = card_v3.get_mut("data").and_then(Value::as_object_mut) {
        let assets = data.entry("assets").or_insert_with(|| json!([]));
        if !assets.is_array() {
            *assets = json!([]);
        }
        let list = assets.as_array_mut().expect("made an array above");
        list.retain(|a| a.get("type").and_then(Value::as_str) != Some("emotion"));
        for (sprite, entry) in sprites.iter().zip(&entries) {
            list.push(json!({
                "type": "emotion",
                "uri": format!("embeded://{}", entry.name),
                "name": sprite.label,
                "ext": sprite.format.extension(),
            }));
        }
    }
    entries
}
