//! The expression pictures a card carries inside itself, read into a sprite set.
//!
//! Owners import cards that hold their expressions: a CHARX keeps them as `emotion` assets
//! (`assets/emotion/images/joy.png`, the asset's `name` is the label), and a RisuAI PNG keeps
//! each as a base64 text chunk `chara-ext-asset_:N` that an asset (V3 `data.assets`, type
//! `emotion`) or a V2 `extensions.risuai.emotions` pair points at with `__asset:N`. Without
//! this, such a card showed "0 sprites" although it carried dozens.

use std::collections::HashMap;

use base64::Engine;
use serde_json::Value;

use crate::charx;
use crate::convert;
use crate::expressions::set::{SetRead, Skipped};
use crate::expressions::sprite::{Sprite, SpriteLimits};
use crate::limits::Limits;
use crate::png::chunks::PngLayout;
use crate::png::text;
use crate::{Container, Loaded};

/// Where RisuAI's PNG asset chunks are named: `chara-ext-asset_:` + the asset's key.
const RISU_CHUNK_PREFIX: &[u8] = b"chara-ext-asset_:";
const RISU_URI_PREFIX: &str = "__asset:";

/// Every emotion picture the card in `bytes` (as `loaded` read it) carries, checked like any
/// sprite; pictures that fail are reported in `skipped`, never dropped silently.
pub fn carried_sprites(
    bytes: &[u8],
    loaded: &Loaded,
    limits: &Limits,
    sprite_limits: &SpriteLimits,
) -> SetRead {
    let wanted = emotion_uris(loaded);
    let mut read = SetRead::default();
    if wanted.is_empty() {
        return read;
    }
    let risu_chunks = match loaded.container {
        Container::Png(_) => risu_asset_chunks(bytes, limits),
        _ => HashMap::new(),
    };
    for (label, uri) in wanted.into_iter().take(sprite_limits.max_sprites) {
        let found = match &loaded.container {
            Container::Charx(entries) => charx::resolve(entries, &uri).map(|e| {
                let name = e.name.rsplit('/').next().unwrap_or(&e.name).to_string();
                (name, e.bytes.clone())
            }),
            Container::Png(_) => uri
                .strip_prefix(RISU_URI_PREFIX)
                .and_then(|key| risu_chunks.get(key))
                .map(|bytes| (format!("{label}.png"), bytes.clone())),
            Container::Json => None,
        };
        let Some((file_name, picture)) = found else {
            read.skipped.push(Skipped {
                file_name: uri.clone(),
                code: "expression.asset_missing".into(),
                reason: format!(
                    "the card names the `{label}` picture at {uri}, but does not carry it"
                ),
            });
            continue;
        };
        match Sprite::read(&file_name, Some(&label), picture, limits, sprite_limits) {
            Ok(sprite) => read.sprites.push(sprite),
            Err(err) => read.skipped.push(Skipped {
                file_name,
                code: err.code().into(),
                reason: err.to_string(),
            }),
        }
    }
    read
}

/// (label, uri) of every emotion the card lists: V3 `emotion` assets, then RisuAI's V2
/// `extensions.risuai.emotions` pairs. Each uri once.
fn emotion_uris(loaded: &Loaded) -> Vec<(String, String)> {
    let card = convert::to_v3(&loaded.card);
    let data = card.get("data");
    let assets = data
        .and_then(|d| d.get("assets"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("emotion"))
        .filter_map(|a| Some((a.get("name")?.as_str()?, a.get("uri")?.as_str()?)));
    let risu = data
        .and_then(|d| d.pointer("/extensions/risuai/emotions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair.get(0)?.as_str()?, pair.get(1)?.as_str()?)));
    let mut seen = std::collections::HashSet::new();
    assets
        .chain(risu)
        .filter(|(_, uri)| seen.insert(uri.to_string()))
        .map(|(label, uri)| (label.to_string(), uri.to_string()))
        .collect()
}

/// RisuAI's asset chunks by key, decoded from base64. Chunks that are not valid base64 are
/// left out (the asset then shows as missing).
fn risu_asset_chunks(bytes: &[u8], limits: &Limits) -> HashMap<String, Vec<u8>> {
    let Ok(layout) = PngLayout::walk(bytes, limits) else {
        return HashMap::new();
    };
    layout
        .chunks
        .iter()
        .filter_map(|chunk| {
            let key = text::keyword(chunk)?.strip_prefix(RISU_CHUNK_PREFIX)?;
            let decoded = text::decode(chunk, limits)?.ok()?;
            let picture = base64::engine::general_purpose::STANDARD
                .decode(decoded.text.trim_ascii())
                .ok()?;
            Some((String::from_utf8_lossy(key).into_owned(), picture))
        })
        .collect()
}
