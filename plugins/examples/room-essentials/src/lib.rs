//! Room essentials: a room the companion lives in needs a bed, a way in, a light and a seat.
//!
//! An example validator plugin for DeskMate Studio (`deskmate:validator@0.1.0`). It reads
//! the room JSON the host passes and reports what is missing, in the same shape as the
//! built-in checks. See docs/plugins.md for how to build and install it.

wit_bindgen::generate!({ path: "../../wit/0.1.0", world: "validator" });

use deskmate::validator::host::{LogLevel, log};
use deskmate::validator::types::Severity;
use serde::Deserialize;

struct RoomEssentials;

impl Guest for RoomEssentials {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "room-essentials".into(),
            name: "Room essentials".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            targets: vec![Target::Room],
        }
    }

    fn validate(target: Target, document: String) -> Vec<Diagnostic> {
        if target != Target::Room {
            return Vec::new();
        }
        let room: Room = match serde_json::from_str(&document) {
            Ok(room) => room,
            Err(e) => {
                return vec![finding(
                    Severity::Error,
                    "essentials.unreadable",
                    &format!("the room is not readable: {e}"),
                    None,
                    None,
                )];
            }
        };
        log(
            LogLevel::Debug,
            &format!("checking {} objects", room.objects.len()),
        );
        check(&room.objects)
    }
}

/// Only the fields this plugin reads. Everything else in the document is skipped without
/// being stored, which is faster than a full `serde_json::Value`, and fields added to the
/// room format later cannot break it.
#[derive(Deserialize)]
struct Room {
    #[serde(default)]
    objects: Vec<Object>,
}

#[derive(Deserialize)]
struct Object {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

/// One rule: what to look for, and what to say when nothing matches.
struct Need {
    code: &'static str,
    severity: Severity,
    found: fn(&Object) -> bool,
    message: &'static str,
    hint: &'static str,
}

const NEEDS: &[Need] = &[
    Need {
        code: "essentials.no_bed",
        severity: Severity::Error,
        found: |o| {
            names(o, &["bed", "futon", "bunk", "cot", "hammock", "sleep pod"])
                && !names(o, &["bedside"])
        },
        message: "the room has no bed, so your companion has nowhere to sleep",
        hint: "search the palette for “bed” and drag one into the room",
    },
    Need {
        code: "essentials.no_door",
        severity: Severity::Error,
        found: |o| o.kind == "door",
        message: "the room has no door, so nobody can come in or leave",
        hint: "search the palette for “door” and drag one onto an outer wall",
    },
    Need {
        code: "essentials.no_light",
        severity: Severity::Warning,
        found: |o| o.kind == "lighting",
        message: "the room has no lamp or light",
        hint: "search the palette for “lamp” and drag one in, so the room is not dark at night",
    },
    Need {
        code: "essentials.no_seat",
        severity: Severity::Warning,
        found: |o| {
            names(
                o,
                &[
                    "chair", "sofa", "couch", "stool", "bench", "armchair", "seat",
                ],
            )
        },
        message: "the room has nothing to sit on",
        hint: "search the palette for “chair” and drag one in",
    },
];

fn check(objects: &[Object]) -> Vec<Diagnostic> {
    NEEDS
        .iter()
        .filter(|need| !objects.iter().any(need.found))
        .map(|need| {
            finding(
                need.severity,
                need.code,
                need.message,
                Some("objects"),
                Some(need.hint),
            )
        })
        .collect()
}

/// Whether the object's id or name mentions any of `words`.
fn names(object: &Object, words: &[&str]) -> bool {
    let id = object.id.to_lowercase().replace('_', " ");
    let name = object.name.to_lowercase();
    words.iter().any(|w| id.contains(w) || name.contains(w))
}

fn finding(
    severity: Severity,
    code: &str,
    message: &str,
    path: Option<&str>,
    hint: Option<&str>,
) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.into(),
        message: message.into(),
        path: path.map(Into::into),
        hint: hint.map(Into::into),
    }
}

export!(RoomEssentials);
