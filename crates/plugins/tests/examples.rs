//! The example plugins do what their guides say.

mod support;

use deskmate_plugins::{Plugin, Runtime, Target};
use serde_json::{Value, json};
use support::*;

fn load(runtime: &Runtime, name: &str, targets: &[Target]) -> Plugin {
    let bytes = wasm(&name.replace('-', "_"));
    runtime
        .load(&manifest(name, &bytes, targets), &bytes)
        .unwrap()
}

fn codes(runtime: &Runtime, plugin: &Plugin, target: Target, document: &Value) -> Vec<String> {
    let outcome = runtime.validate(plugin, target, &document.to_string());
    assert!(outcome.failure.is_none(), "{outcome:?}");
    outcome.diagnostics.iter().map(|d| d.code.clone()).collect()
}

#[test]
fn room_essentials_passes_every_template_and_names_what_is_missing() {
    let runtime = runtime();
    let plugin = load(&runtime, "room-essentials", &[Target::Room]);
    assert_eq!(runtime.info(&plugin).unwrap().id, "room-essentials");
    // An office is a place to work, not to live: the rule is the plugin's, not the template's.
    for (template, expected) in [
        ("modern", &[][..]),
        ("cozy", &[]),
        ("office", &["essentials.no_bed"]),
        ("futuristic", &[]),
    ] {
        let room: Value = serde_json::from_str(&template_json(template)).unwrap();
        assert_eq!(
            codes(&runtime, &plugin, Target::Room, &room),
            expected,
            "{template}"
        );
    }
    let mut bare: Value = serde_json::from_str(&template_json("modern")).unwrap();
    bare["objects"] = json!([]);
    assert_eq!(
        codes(&runtime, &plugin, Target::Room, &bare),
        [
            "essentials.no_bed",
            "essentials.no_door",
            "essentials.no_light",
            "essentials.no_seat"
        ]
    );
}

#[test]
fn persona_rating_requires_a_rating_and_the_core_fields() {
    let runtime = runtime();
    let plugin = load(&runtime, "persona-rating", &[Target::Persona]);
    let good = json!({"spec": "chara_card_v2", "spec_version": "2.0", "data": {
        "name": "Mira", "description": "A calm librarian.", "first_mes": "Hello!", "creator": "me", "tags": ["SFW", "cozy"]
    }});
    assert!(codes(&runtime, &plugin, Target::Persona, &good).is_empty());
    let mut both = good.clone();
    both["data"]["tags"] = json!(["sfw", "NSFW"]);
    assert_eq!(
        codes(&runtime, &plugin, Target::Persona, &both),
        ["rating.conflicting"]
    );
    let v1 = json!({"name": "Old", "description": "", "first_mes": "Hi"});
    assert_eq!(
        codes(&runtime, &plugin, Target::Persona, &v1),
        [
            "rating.missing_field",
            "rating.no_creator",
            "rating.missing"
        ]
    );
    let outcome = runtime.validate(&plugin, Target::Persona, &v1.to_string());
    assert_eq!(outcome.diagnostics[0].path.as_deref(), Some("description"));
}

#[test]
fn expression_coverage_reports_missing_and_unused_labels() {
    let runtime = runtime();
    let plugin = load(&runtime, "expression-coverage", &[Target::Persona]);
    let with = |labels: &[&str]| {
        let assets: Vec<Value> = labels
            .iter()
            .map(|l| json!({"type": "emotion", "uri": format!("embeded://{l}.png"), "name": l, "ext": "png"}))
            .collect();
        json!({"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Mira", "assets": assets}})
    };
    assert_eq!(
        codes(&runtime, &plugin, Target::Persona, &with(&[])),
        ["expressions.none"]
    );
    let all = [
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
    assert!(codes(&runtime, &plugin, Target::Persona, &with(&all)).is_empty());
    let outcome = runtime.validate(
        &plugin,
        Target::Persona,
        &with(&["neutral", "joy"]).to_string(),
    );
    let found: Vec<_> = outcome
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.severity))
        .collect();
    use deskmate_diagnostics::Severity::*;
    assert_eq!(
        found,
        [
            ("expressions.missing", Warning),
            ("expressions.unused", Info)
        ]
    );
    assert!(
        outcome.diagnostics[0]
            .message
            .starts_with("15 of DeskMate's 16")
    );
    let no_neutral = runtime.validate(&plugin, Target::Persona, &with(&["happy"]).to_string());
    assert_eq!(no_neutral.diagnostics[0].severity, Error);
}
