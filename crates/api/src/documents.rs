//! Turning a room or card file into the JSON document plugins are given.

use std::path::Path;

use deskmate_cards::{self as cards, Card};
use deskmate_plugins::Target;
use deskmate_rooms::{self as rooms, Room};

use crate::ApiError;
use crate::files::read_limited;

/// The room as `deskmate.room/1` JSON: the same text `room validate` reads and `room new`
/// writes, whether the file was JSON or YAML.
pub(crate) fn room_document(room: &Room) -> String {
    String::from_utf8(rooms::write_room(room)).expect("serde_json writes UTF-8")
}

/// The card's JSON exactly as it was read (V1, V2 or V3), unknown keys included.
pub(crate) fn card_document(card: &Card) -> String {
    card.to_value().to_string()
}

/// Reads a room (JSON or YAML with `format: deskmate.room/…`) or a card (PNG, JSON, CHARX).
pub(crate) fn read_document(path: &Path) -> Result<(Target, String), ApiError> {
    let card_limits = cards::Limits::default();
    let room_limits = rooms::Limits::default();
    let limit = card_limits.max_file_bytes.max(room_limits.max_room_bytes);
    let bytes = read_limited(path, limit, |size, limit| {
        cards::CardError::TooLarge { size, limit }.into()
    })?;
    if looks_like_room(path, &bytes) {
        let room = rooms::read_room(&bytes, &room_limits)?;
        return Ok((Target::Room, room_document(&room)));
    }
    let loaded = cards::read(&bytes, &card_limits)?;
    Ok((Target::Persona, card_document(&loaded.card)))
}

fn looks_like_room(path: &Path, bytes: &[u8]) -> bool {
    let yaml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    // A cheap look at the top-level `format` key; the room reader does the real parsing.
    let names_room_format = || {
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
            .ok()
            .and_then(|map| {
                map.get("format")?
                    .as_str()
                    .map(|f| f.starts_with("deskmate.room/"))
            })
            .unwrap_or(false)
    };
    yaml || names_room_format()
}
