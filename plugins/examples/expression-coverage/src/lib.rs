//! Expression coverage: a persona's expression sprites should cover every emotion the
//! DeskMate server can show.
//!
//! An example validator plugin for DeskMate Studio (`deskmate:validator@0.1.0`). Character
//! Card V3 embeds expression sprites as `data.assets` entries of type `emotion`, named by
//! label; this plugin compares those names with DeskMate's sixteen labels.

wit_bindgen::generate!({ path: "../../wit/0.1.0", world: "validator" });

use deskmate::validator::host::{LogLevel, log};
use deskmate::validator::types::Severity;
use serde_json::Value;

/// The labels the DeskMate server shows, in its own order.
const DESKMATE_LABELS: [&str; 16] = [
    "happy",
    "sad",
    "angry",
    "surprised",
    "confused",
    "excited",
    "tired",
    "worried",
    "neutral",
    "thinking",
    "embarrassed",
    "annoyed",
    "sleepy",
    "curious",
    "proud",
    "disappointed",
];

struct ExpressionCoverage;

impl Guest for ExpressionCoverage {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "expression-coverage".into(),
            name: "Expression coverage".into(),
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
                "expressions.unreadable",
                format!("the card is not JSON: {e}"),
                None,
                None,
            )],
        }
    }
}

fn check(card: &Value) -> Vec<Diagnostic> {
    let labels: Vec<String> = card["data"]["assets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|asset| asset["type"] == "emotion")
        .filter_map(|asset| asset["name"].as_str())
        .map(|name| name.trim().to_lowercase())
        .collect();
    log(
        LogLevel::Debug,
        &format!("found {} emotion assets", labels.len()),
    );
    if labels.is_empty() {
        return vec![finding(
            Severity::Info,
            "expressions.none",
            "the card carries no expression sprites, so the companion will always look the same"
                .into(),
            Some("data.assets"),
            Some(
                "add sprites on the persona's Expressions tab, or save the card as CHARX to keep them inside it",
            ),
        )];
    }
    let missing: Vec<&str> = DESKMATE_LABELS
        .iter()
        .copied()
        .filter(|l| !labels.iter().any(|have| have == l))
        .collect();
    let mut found = Vec::new();
    if !missing.is_empty() {
        let severity = if missing.contains(&"neutral") {
            Severity::Error
        } else {
            Severity::Warning
        };
        found.push(finding(
            severity,
            "expressions.missing",
            format!(
                "{} of DeskMate's {} expressions have no sprite: {}",
                missing.len(),
                DESKMATE_LABELS.len(),
                missing.join(", ")
            ),
            Some("data.assets"),
            Some(if missing.contains(&"neutral") {
                "add a \"neutral\" sprite first: DeskMate shows it whenever an expression is missing"
            } else {
                "DeskMate shows the \"neutral\" sprite for these until you add them"
            }),
        ));
    }
    for (i, label) in labels.iter().enumerate() {
        if !DESKMATE_LABELS.contains(&label.as_str()) && labels[..i].iter().all(|l| l != label) {
            found.push(finding(
                Severity::Info,
                "expressions.unused",
                format!("the sprite \"{label}\" is not one of DeskMate's expressions and will not be shown"),
                Some("data.assets"),
                None,
            ));
        }
    }
    found
}

fn finding(
    severity: Severity,
    code: &str,
    message: String,
    path: Option<&str>,
    hint: Option<&str>,
) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.into(),
        message,
        path: path.map(Into::into),
        hint: hint.map(Into::into),
    }
}

export!(ExpressionCoverage);
