//! Property tests: whatever unknown data a card carries, and wherever it sits, every codec and
//! every spec conversion gives it back unchanged; and no input makes a reader panic.

mod common;

use common::*;
use deskmate_cards::charx::{self, Entry};
use deskmate_cards::png::{self, WriteOptions};
use deskmate_cards::{Card, Format, Limits, Spec, convert};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Any JSON value, a few levels deep, with Unicode strings and numbers of every kind.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("x_[a-z]{1,6}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Unknown keys to scatter: (where, key, value).
fn extras() -> impl Strategy<Value = Vec<(u8, String, Value)>> {
    prop::collection::vec((0u8..4, "x_[a-z]{1,8}", any_json()), 0..6)
}

/// A V3 card with the extras placed at the root, in data, in extensions and in an entry.
fn card_with(extras: &[(u8, String, Value)], name: &str) -> Value {
    let mut card = v3_card(name);
    for (place, key, value) in extras {
        let target = match place {
            0 => &mut card,
            1 => &mut card["data"],
            2 => &mut card["data"]["extensions"],
            _ => &mut card["data"]["character_book"]["entries"][0],
        };
        target
            .as_object_mut()
            .unwrap()
            .insert(key.clone(), value.clone());
    }
    card
}

fn idat(png: &[u8]) -> Vec<Vec<u8>> {
    chunks(png)
        .into_iter()
        .filter(|c| &c.0 == b"IDAT")
        .map(|c| c.1)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn png_json_charx_round_trips_keep_everything(extras in extras(), name in "\\PC{1,20}") {
        let limits = Limits::default();
        let original = card_with(&extras, &name);
        let card = Card::from_value(original.clone()).unwrap();
        let picture = picture(8, 12);

        // PNG
        let (as_png, _) = png::write(&picture, &card, &limits, WriteOptions::default()).unwrap();
        let from_png = png::read(&as_png, &limits).unwrap().card;
        prop_assert_eq!(from_png.to_value(), original.clone());
        prop_assert_eq!(idat(&as_png), idat(&picture));

        // PNG -> JSON
        let as_json = deskmate_cards::write_json(&from_png, Spec::V3).unwrap();
        let from_json = deskmate_cards::read(&as_json, &limits).unwrap();
        prop_assert_eq!(from_json.format, Format::Json);
        prop_assert_eq!(from_json.card.to_value(), original.clone());

        // JSON -> CHARX, carrying the picture
        let stripped = png::strip(&as_png, &limits).unwrap();
        let entries = vec![Entry { name: "assets/icon/images/main.png".into(), bytes: stripped.clone() }];
        let as_charx = charx::write(&convert::to_v3(&from_json.card), &entries).unwrap();
        let from_charx = charx::read(&as_charx, &limits).unwrap();
        prop_assert_eq!(from_charx.card.to_value(), original.clone());
        prop_assert_eq!(&from_charx.entries, &entries);

        // CHARX -> PNG on the carried picture: same card, same image bytes
        let (back, _) = png::write(&from_charx.entries[0].bytes, &from_charx.card, &limits, WriteOptions::default()).unwrap();
        prop_assert_eq!(png::read(&back, &limits).unwrap().card.to_value(), original);
        prop_assert_eq!(idat(&back), idat(&picture));
    }

    #[test]
    fn v3_to_v2_to_v3_is_lossless(extras in extras(), decorators in "(@@[a-z_]{1,10}( [0-9]{1,2})?\n){0,3}") {
        let mut original = card_with(&extras, "Conv");
        original["data"]["character_book"]["entries"][0]["content"] = Value::String(format!("{decorators}Lore text"));
        original["data"]["character_book"]["entries"][0]["use_regex"] = Value::Bool(true);
        let v2 = convert::to_v2(&Card::from_value(original.clone()).unwrap());
        prop_assert_eq!(&v2["data"]["character_book"]["entries"][0]["content"], "Lore text");
        let back = convert::to_v3(&Card::from_value(v2).unwrap());
        prop_assert_eq!(back, original);
    }

    #[test]
    fn v2_hybrid_survives_v3_and_back(extras in extras()) {
        let mut original = v2_hybrid("Hybrid");
        for (place, key, value) in &extras {
            let target = if *place % 2 == 0 { &mut original } else { &mut original["data"] };
            target.as_object_mut().unwrap().insert(key.clone(), value.clone());
        }
        let v3 = convert::to_v3(&Card::from_value(original.clone()).unwrap());
        let back = convert::to_v2(&Card::from_value(v3).unwrap());
        prop_assert_eq!(back, original);
    }

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let limits = Limits::default();
        let _ = deskmate_cards::read(&bytes, &limits);
        let mut png_like = png::chunks::SIGNATURE.to_vec();
        png_like.extend_from_slice(&bytes);
        let _ = png::read(&png_like, &limits);
        let _ = charx::read(&bytes, &limits);
    }

    #[test]
    fn damaged_cards_never_panic(cut in 0usize..600, flip in 0usize..600) {
        let limits = Limits::default();
        let card = Card::from_value(v3_card("Damage")).unwrap();
        let (png_bytes, _) = png::write(&picture(4, 4), &card, &limits, WriteOptions::default()).unwrap();
        let charx_bytes = charx::write(&convert::to_v3(&card), &[Entry { name: "a.txt".into(), bytes: b"abc".to_vec() }]).unwrap();
        for bytes in [png_bytes, charx_bytes] {
            let mut damaged = bytes.clone();
            let i = flip % damaged.len();
            damaged[i] ^= 0x5a;
            let _ = deskmate_cards::read(&damaged, &limits);
            let _ = deskmate_cards::read(&bytes[..cut.min(bytes.len())], &limits);
        }
    }
}
