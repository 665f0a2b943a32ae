//! PNG cards: which chunk wins, what is forgiven, and that writing never touches the picture.

mod common;

use common::*;
use deskmate_cards::png::{self, WriteOptions};
use deskmate_cards::{Card, Limits, convert};
use serde_json::json;

fn read(bytes: &[u8]) -> png::PngCard {
    png::read(bytes, &Limits::default()).unwrap()
}

/// Writes `card` into `picture` the way `card convert` does.
fn write(picture: &[u8], card: &Card) -> Vec<u8> {
    png::write(picture, card, &Limits::default(), WriteOptions::default())
        .unwrap()
        .0
}

fn codes(card: &png::PngCard) -> Vec<&str> {
    card.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn reads_text_ztxt_and_itxt_before_or_after_idat_in_any_case() {
    let card = v3_card("Mira");
    for kind in [b"tEXt", b"zTXt", b"iTXt"] {
        for keyword in ["ccv3", "CCV3", "Chara"] {
            let chunk = text(kind, keyword, &b64(&card));
            for before in [true, false] {
                let (b, a) = if before {
                    (vec![chunk.clone()], vec![])
                } else {
                    (vec![], vec![chunk.clone()])
                };
                let png = insert(&picture(4, 4), &b, &a);
                let read = read(&png);
                assert_eq!(
                    read.card.name(),
                    Some("Mira"),
                    "{kind:?} {keyword} before={before}"
                );
            }
        }
    }
}

#[test]
fn ccv3_wins_over_an_earlier_chara_and_duplicates_are_named() {
    let v2 = convert::to_v2(&Card::from_value(v3_card("Old")).unwrap());
    let png = insert(
        &picture(4, 4),
        &[
            text(b"tEXt", "chara", &b64(&v2)),
            text(b"tEXt", "ccv3", &b64(&v3_card("First"))),
        ],
        &[text(b"tEXt", "ccv3", &b64(&v3_card("Second")))],
    );
    let read = read(&png);
    assert_eq!(read.card.name(), Some("First"));
    let dup = read
        .diagnostics
        .iter()
        .find(|d| d.code == "png.duplicate_card_chunk")
        .unwrap();
    assert!(dup.message.contains("ignored chunk"), "{}", dup.message);
}

#[test]
fn plain_text_wins_over_compressed_chunks_as_sillytavern_sees_only_text() {
    let png = insert(
        &picture(4, 4),
        &[text(b"zTXt", "ccv3", &b64(&v3_card("Compressed")))],
        &[text(b"tEXt", "ccv3", &b64(&v3_card("Plain")))],
    );
    assert_eq!(read(&png).card.name(), Some("Plain"));
}

#[test]
fn an_unreadable_card_chunk_falls_back_to_the_next() {
    let png = insert(
        &picture(4, 4),
        &[
            text(b"tEXt", "ccv3", "%%% not base64 and not json"),
            text(b"tEXt", "chara", &b64(&v2_hybrid("Baker"))),
        ],
        &[],
    );
    let read = read(&png);
    assert_eq!(read.card.name(), Some("Baker"));
    assert!(codes(&read).contains(&"png.card_chunk_unreadable"));
}

#[test]
fn lenient_payloads_are_read_and_reported() {
    let card = v3_card("Loose");
    let unpadded = b64(&card).trim_end_matches('=').to_string();
    let wrapped: String = unpadded
        .as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l) + "\n")
        .collect();
    let raw = serde_json::to_string(&card).unwrap();
    for body in [unpadded, wrapped, raw] {
        let png = insert(&picture(4, 4), &[], &[text(b"tEXt", "ccv3", &body)]);
        assert_eq!(read(&png).card.name(), Some("Loose"));
    }
}

#[test]
fn a_crc_mismatch_is_a_warning_and_repair_fixes_it() {
    let mut png = insert(
        &picture(4, 4),
        &[],
        &[text(b"tEXt", "ccv3", &b64(&v3_card("Crc")))],
    );
    let layout_offset = png::PngLayout::walk(&png, &Limits::default())
        .unwrap()
        .chunks[1]
        .offset;
    png[layout_offset + 8] ^= 0xff; // corrupt the first byte of the gAMA data
    let read = read(&png);
    assert_eq!(read.card.name(), Some("Crc"));
    assert!(codes(&read).contains(&"png.crc_mismatch"));

    let kept = write(&png, &read.card);
    assert!(
        codes(&self::read(&kept)).contains(&"png.crc_mismatch"),
        "convert keeps chunks as they were"
    );
    let (fixed, notes) = png::write(
        &png,
        &read.card,
        &Limits::default(),
        WriteOptions {
            fix_crcs: true,
            ..WriteOptions::default()
        },
    )
    .unwrap();
    assert!(notes.iter().any(|d| d.code == "repair.crc_fixed"));
    assert!(!codes(&self::read(&fixed)).contains(&"png.crc_mismatch"));
}

#[test]
fn a_truncated_file_still_yields_a_card_stored_before_the_cut() {
    let png = insert(
        &picture(16, 16),
        &[text(b"tEXt", "ccv3", &b64(&v3_card("Cut")))],
        &[],
    );
    let cut = &png[..png.len() - 30];
    let read = read(cut);
    assert_eq!(read.card.name(), Some("Cut"));
    assert!(codes(&read).contains(&"png.truncated"));
    let err = png::write(cut, &read.card, &Limits::default(), WriteOptions::default()).unwrap_err();
    assert_eq!(err.code(), "png.truncated");
}

#[test]
fn writing_keeps_every_other_chunk_byte_for_byte_and_in_order() {
    let original = insert(
        &picture(32, 48),
        &[
            text(b"zTXt", "Chara", &b64(&v2_hybrid("Gone"))),
            text(b"iTXt", "CCv3", &b64(&v3_card("Gone"))),
        ],
        &[text(b"tEXt", "chara", &b64(&v2_hybrid("Gone too")))],
    );
    let card = Card::from_value(v3_card("Kept")).unwrap();
    let written = write(&original, &card);

    let is_card = |c: &([u8; 4], Vec<u8>)| {
        let keyword = c.1.split(|&b| b == 0).next().unwrap().to_ascii_lowercase();
        matches!(&c.0, b"tEXt" | b"zTXt" | b"iTXt") && (keyword == b"chara" || keyword == b"ccv3")
    };
    let before: Vec<_> = chunks(&original)
        .into_iter()
        .filter(|c| !is_card(c))
        .collect();
    let after = chunks(&written);
    let (cards, others): (Vec<_>, Vec<_>) = after.iter().cloned().partition(is_card);
    assert_eq!(others, before, "non-card chunks identical and in order");
    let keywords: Vec<_> = cards
        .iter()
        .map(|c| (c.0, c.1.split(|&b| b == 0).next().unwrap().to_vec()))
        .collect();
    assert_eq!(
        keywords,
        vec![(*b"tEXt", b"chara".to_vec()), (*b"tEXt", b"ccv3".to_vec())]
    );
    assert_eq!(&after[after.len() - 1].0, b"IEND");
    assert_eq!(
        &after[after.len() - 3].0,
        b"tEXt",
        "card chunks sit right before IEND"
    );

    let a = image::load_from_memory(&original).unwrap().to_rgba8();
    let b = image::load_from_memory(&written).unwrap().to_rgba8();
    assert_eq!(a, b, "pixels identical");

    let read = read(&written);
    assert_eq!(read.card.to_value(), convert::to_v3(&card));
}

#[test]
fn the_chara_chunk_is_a_true_v2_backfill_without_decorators() {
    let card = Card::from_value(v3_card("Backfill")).unwrap();
    let written = write(&picture(4, 4), &card);
    let chara = chunks(&written)
        .into_iter()
        .find(|c| c.1.starts_with(b"chara\0"))
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &chara.1[6..]).unwrap(),
    )
    .unwrap();
    assert_eq!(json["spec"], "chara_card_v2");
    assert_eq!(json["spec_version"], "2.0");
    assert!(json["data"].get("nickname").is_none());
    assert_eq!(
        json["data"]["character_book"]["entries"][0]["content"],
        "The lamp is old."
    );
    assert!(
        json["data"]["creator_notes"]
            .as_str()
            .unwrap()
            .starts_with(convert::BACKFILL_NOTICE)
    );
    assert_eq!(
        json["data"]["extensions"]["x_app"],
        json!({"nested": [1, {"deep": "kept"}]})
    );
}

#[test]
fn bytes_after_iend_are_kept() {
    let mut original = picture(4, 4);
    original.extend_from_slice(b"trailing data some tools append");
    let card = Card::from_value(v3_card("Tail")).unwrap();
    let written = write(&original, &card);
    assert!(written.ends_with(b"IEND\xaeB`\x82trailing data some tools append"));
}

#[test]
fn a_picture_without_a_card_is_a_clear_error() {
    let err = png::read(&picture(4, 4), &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "png.no_card");
}

#[test]
fn a_risuai_password_protected_card_says_so() {
    let png = insert(
        &picture(4, 4),
        &[],
        &[text(b"tEXt", "chara", "rcc||rccv1||AAAA||hash||e30=")],
    );
    let err = png::read(&png, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "png.encrypted_card");
}

/// Broken compressed card chunks are each tried, but the inflate limit is for the whole
/// file: once their text adds up past it, the rest are refused without inflating.
#[test]
fn the_inflate_limit_is_for_the_whole_file_not_each_chunk() {
    let junk = "x".repeat(400 * 1024);
    let chunks: Vec<_> = (0..5).map(|_| text(b"zTXt", "chara", &junk)).collect();
    let png = insert(&picture(4, 6), &chunks, &[]);
    let limits = Limits {
        max_inflated_text_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let err = deskmate_cards::png::read(&png, &limits).unwrap_err();
    let reason = err.to_string();
    assert_eq!(
        reason.matches("inflates past").count(),
        3,
        "two chunks fit in 1 MiB, the other three are refused: {reason}"
    );
}
