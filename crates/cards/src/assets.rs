//! The card's main icon across containers.
//!
//! In a PNG the picture is the file itself, which a V3 card names `ccdefault:`; in a CHARX it
//! is an archive entry named by an `embeded://` URI. Moving a card between the two moves the
//! URI with the picture, so the card always points at the picture it travels with.

use serde_json::{Map, Value};

use crate::charx::{self, Entry};

/// Where a CHARX keeps the main icon we put there.
pub const MAIN_ICON_ENTRY: &str = "assets/icon/images/main.png";
const CCDEFAULT: &str = "ccdefault:";

fn assets_mut(card_v3: &mut Value) -> Option<&mut Vec<Value>> {
    card_v3.get_mut("data")?.get_mut("assets")?.as_array_mut()
}

fn is_main_icon(asset: &Value) -> bool {
    asset.get("type").and_then(Value::as_str) == Some("icon")
        && asset.get("name").and_then(Value::as_str) == Some("main")
}

/// The index and URI of the main icon: the icon named `main`, else the first icon. A card
/// with no `assets` has the spec's implicit `ccdefault:` main icon, reported as `None`.
pub fn main_icon(card_v3: &Value) -> Option<(usize, &str)> {
    let assets = card_v3.get("data")?.get("assets")?.as_array()?;
    let is_icon = |a: &Value| a.get("type").and_then(Value::as_str) == Some("icon");
    let index = assets
        .iter()
        .position(is_main_icon)
        .or_else(|| assets.iter().position(is_icon))?;
    Some((index, assets[index].get("uri")?.as_str()?))
}

/// Points the main icon at `entry` (for a picture being put into a CHARX), adding the spec's
/// default asset list when the card has none.
pub fn point_main_icon_at(card_v3: &mut Value, entry: &str) {
    let uri = Value::String(format!("embeded://{entry}"));
    let index = main_icon(card_v3).map(|(i, _)| i);
    match (index, assets_mut(card_v3)) {
        (Some(i), Some(assets)) => {
            assets[i]["uri"] = uri;
        }
        (None, Some(assets)) => assets.insert(0, icon(uri)),
        (_, None) => {
            if let Some(data) = card_v3.get_mut("data").and_then(Value::as_object_mut) {
                data.insert("assets".into(), Value::Array(vec![icon(uri)]));
            }
        }
    }
}

/// Points the main icon back at the PNG itself (`ccdefault:`) when the picture it named is
/// the one the PNG is being written on.
pub fn point_main_icon_at_png(card_v3: &mut Value) {
    if let Some((i, _)) = main_icon(card_v3)
        && let Some(assets) = assets_mut(card_v3)
    {
        assets[i]["uri"] = Value::String(CCDEFAULT.into());
    }
}

/// The archive entry holding the main icon, if the card has one inside `entries`.
pub fn main_icon_entry<'a>(card_v3: &Value, entries: &'a [Entry]) -> Option<&'a Entry> {
    let (_, uri) = main_icon(card_v3)?;
    charx::resolve(entries, uri)
}

fn icon(uri: Value) -> Value {
    let mut asset = Map::new();
    asset.insert("type".into(), Value::from("icon"));
    asset.insert("uri".into(), uri);
    asset.insert("name".into(), Value::from("main"));
    asset.insert("ext".into(), Value::from("png"));
    Value::Object(asset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn moves_the_main_icon_between_containers() {
        let mut card = json!({"data": {"name": "x"}});
        assert_eq!(main_icon(&card), None);
        point_main_icon_at(&mut card, MAIN_ICON_ENTRY);
        assert_eq!(
            main_icon(&card),
            Some((0, "embeded://assets/icon/images/main.png"))
        );
        let entries = vec![Entry {
            name: MAIN_ICON_ENTRY.into(),
            bytes: vec![1],
        }];
        assert_eq!(main_icon_entry(&card, &entries).unwrap().bytes, vec![1]);
        point_main_icon_at_png(&mut card);
        assert_eq!(
            card["data"]["assets"][0],
            json!({"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"})
        );
    }

    #[test]
    fn prefers_the_icon_named_main() {
        let card = json!({"data": {"assets": [
            {"type": "icon", "uri": "embeded://a.png", "name": "alt"},
            {"type": "icon", "uri": "embeded://b.png", "name": "main"}]}});
        assert_eq!(main_icon(&card), Some((1, "embeded://b.png")));
    }
}
