//! Persona rating: every persona must say whether it is safe for work, and carry the fields
//! a companion cannot do without.
//!
//! An example validator plugin for DeskMate Studio (`deskmate:validator@0.1.0`). The host
//! passes the card's JSON as it was read: V1 keeps its fields at the top level, V2 and V3
//! under `data`.

wit_bindgen::generate!({ path: "../../wit/0.1.0", world: "validator" });

use deskmate::validator::types::Severity;
use serde_json::Value;

struct PersonaRating;

impl Guest for PersonaRating {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "persona-rating".into(),
            name: "Persona rating and required fields".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            targets: vec![Target::Persona],
        }
    }

    fn validate(target: Target, document: String) -> Vec<Diagnostic> {
        if target != Target::Persona {
            return Vec::new();
        }
        match serde_json::from_str::<Value>(&document) {
            Ok(card) => check(&card),
            Err(e) => vec![finding(
                Severity::Error,
                "rating.unreadable",
                &format!("the card is not JSON: {e}"),
                None,
                None,
            )],
        }
    }
}

const SFW: &str = "sfw";
const NSFW: &str = "nsfw";

fn check(card: &Value) -> Vec<Diagnostic> {
    // V2 and V3 keep the character under `data`; V1 at the top level.
    let (fields, prefix) = match card.get("data") {
        Some(data) if data.is_object() => (data, "data."),
        _ => (card, ""),
    };
    let mut found = Vec::new();
    for (field, why) in [
        ("name", "the companion has no name"),
        (
            "description",
            "the companion has no description, so it has no personality to play",
        ),
        (
            "first_mes",
            "the companion has no first message to greet you with",
        ),
    ] {
        if fields[field].as_str().is_none_or(|s| s.trim().is_empty()) {
            found.push(finding(
                Severity::Error,
                "rating.missing_field",
                why,
                Some(&format!("{prefix}{field}")),
                Some("fill it in on the persona's Details tab"),
            ));
        }
    }
    if fields["creator"]
        .as_str()
        .is_none_or(|s| s.trim().is_empty())
    {
        found.push(finding(
            Severity::Warning,
            "rating.no_creator",
            "the card does not say who made it",
            Some(&format!("{prefix}creator")),
            Some("add the creator's name so the card can be credited when shared"),
        ));
    }

    let tags: Vec<String> = fields["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .map(|t| t.trim().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let path = format!("{prefix}tags");
    match (
        tags.iter().any(|t| t == SFW),
        tags.iter().any(|t| t == NSFW),
    ) {
        (true, true) => found.push(finding(
            Severity::Error,
            "rating.conflicting",
            "the card is tagged both SFW and NSFW",
            Some(&path),
            Some("keep only the tag that is true"),
        )),
        (false, false) => found.push(finding(
            Severity::Error,
            "rating.missing",
            "the card does not say whether it is safe for work",
            Some(&path),
            Some("add the tag \"SFW\" or \"NSFW\""),
        )),
        _ => {}
    }
    found
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

export!(PersonaRating);
