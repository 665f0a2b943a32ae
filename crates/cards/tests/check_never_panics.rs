//! `validate` and `repair` run on every card a reader accepts, so no field value may make them
//! panic. The values that matter most are the ones two parsers disagree on: text that Rust's
//! integer, float or bool parser accepts but JSON's number grammar refuses (`+5`, `007`,
//! `1.`, `inf`), which once crashed the timestamp check. Every known field, at the root, in
//! `data` and in a lorebook entry, gets such values, and repair must give a card that reads
//! back and is left alone by a second repair.

mod common;

use common::v3_card;
use deskmate_cards::{Card, Spec, fields, repair, validate};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Strings on the edge of every parser the checks use, and their neighbours.
const EDGE_TEXT: &[&str] = &[
    "+5",
    "007",
    "-0",
    "00",
    " 12 ",
    "+0",
    "1.",
    ".5",
    "1e5",
    "1E+5",
    "-1",
    "+1.5",
    "inf",
    "-inf",
    "NaN",
    "infinity",
    "true",
    "TRUE",
    "false ",
    "18446744073709551616",
    "1_000",
    "0x10",
    "",
    " ",
    "１２",
];

fn edge_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        prop::sample::select(EDGE_TEXT).prop_map(|s| Value::String(s.into())),
        "[-+ 0-9.eE]{0,8}".prop_map(Value::String),
        "\\PC{0,8}".prop_map(Value::String),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,6}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every field name a check looks at, wherever it looks for it.
fn known_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = fields::V1.iter().map(|f| f.name).collect();
    names.extend(fields::V2_ADDED.iter().map(|f| f.name));
    names.extend(fields::V3_ONLY.iter().map(|f| f.name));
    names.extend(fields::ENTRY_REQUIRED.iter().map(|(n, _)| *n));
    names.extend(fields::ENTRY_OPTIONAL.iter().map(|(n, _)| *n));
    names.extend(["spec", "spec_version", "data", "character_book", "entries"]);
    names
}

/// Where a value goes: the root, `data`, the lorebook, or its first entry.
fn place(card: &mut Value, place: u8, name: &str, value: Value) {
    let pointer = match place {
        0 => "",
        1 => "/data",
        2 => "/data/character_book",
        _ => "/data/character_book/entries/0",
    };
    if let Some(object) = card.pointer_mut(pointer).and_then(Value::as_object_mut) {
        object.insert(name.to_string(), value);
    }
}

/// Validate and repair must return; the repaired card must be a card, repair must be
/// idempotent, and what repair fixed must not be reported again.
fn check_survives(value: Value) {
    let Ok(card) = Card::from_value(value) else {
        return;
    };
    let _ = validate(&card);
    let (repaired, _) = repair(&card);
    let _ = validate(&repaired);
    let text = serde_json::to_vec(&repaired.to_value()).expect("a repaired card serializes");
    let reread: Value = serde_json::from_slice(&text).expect("a repaired card is JSON");
    let reread = Card::from_value(reread).expect("a repaired card reads back");
    let (twice, changes) = repair(&reread);
    assert_eq!(
        twice.to_value(),
        repaired.to_value(),
        "a second repair changed the card again: {changes:?}"
    );
}

#[test]
fn numeric_text_that_json_refuses_does_not_crash_the_checks() {
    for text in EDGE_TEXT {
        for field in ["creation_date", "modification_date"] {
            let mut card = v3_card("Edge");
            card["data"][field] = json!(text);
            check_survives(card);
        }
    }
}

#[test]
fn every_edge_text_in_every_known_field() {
    for name in known_names() {
        for text in EDGE_TEXT {
            for at in 0..4 {
                let mut card = v3_card("Edge");
                place(&mut card, at, name, json!(text));
                check_survives(card);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_values_in_known_fields(
        spec in prop::sample::select(&[Spec::V1, Spec::V2, Spec::V3][..]),
        values in prop::collection::vec(
            (0u8..4, prop::sample::select(known_names()), edge_value()),
            1..6,
        ),
    ) {
        let mut card = v3_card("Prop");
        match spec {
            Spec::V1 => card = card["data"].clone(),
            Spec::V2 => {
                card["spec"] = json!("chara_card_v2");
                card["spec_version"] = json!("2.0");
            }
            Spec::V3 => {}
        }
        for (at, name, value) in values {
            place(&mut card, at, name, value);
        }
        check_survives(card);
    }
}
