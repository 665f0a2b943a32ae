//! Expression sets: real pictures generated here, bad ones, hostile zips, coverage and each
//! export layout.

use std::io::{Cursor, Write};

use deskmate_cards::Limits;
use deskmate_cards::archive::Entry;
use deskmate_cards::expressions::export::{
    charx_emotions, deskmate_label, deskmate_layout, sillytavern_zip,
};
use deskmate_cards::expressions::{LabelSet, SpriteFormat, SpriteLimits, check, coverage, set};
use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use proptest::prelude::*;
use zip::write::SimpleFileOptions;

fn picture(width: u32, height: u32, format: ImageFormat, transparent: bool) -> Vec<u8> {
    let img = RgbaImage::from_fn(width, height, |x, y| {
        let alpha = if transparent && x == 0 { 0 } else { 255 };
        Rgba([(x * 7) as u8, (y * 3) as u8, 90, alpha])
    });
    let img = if format == ImageFormat::Jpeg {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(img).to_rgb8())
    } else {
        DynamicImage::ImageRgba8(img)
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn entry(name: &str, bytes: Vec<u8>) -> Entry {
    Entry {
        name: name.into(),
        bytes,
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn read(files: Vec<Entry>) -> set::SetRead {
    set::read_files(files, &Limits::default(), &SpriteLimits::default()).unwrap()
}

#[test]
fn reads_every_format_labels_by_name_and_reports_transparency() {
    let got = read(vec![
        entry("Joy.png", picture(40, 60, ImageFormat::Png, true)),
        entry("joy-2.webp", picture(40, 60, ImageFormat::WebP, true)),
        entry("anger.gif", picture(40, 60, ImageFormat::Gif, true)),
        entry("sadness.jpg", picture(40, 60, ImageFormat::Jpeg, false)),
        entry("neutral.png", picture(40, 60, ImageFormat::Png, false)),
    ]);
    assert!(got.skipped.is_empty(), "{:?}", got.skipped);
    let summary: Vec<_> = got
        .sprites
        .iter()
        .map(|s| (s.file_name.as_str(), s.label.as_str(), s.format, s.alpha))
        .collect();
    assert_eq!(
        summary,
        [
            ("anger.gif", "anger", SpriteFormat::Gif, true),
            ("Joy.png", "joy", SpriteFormat::Png, true),
            ("joy-2.webp", "joy", SpriteFormat::WebP, true),
            ("neutral.png", "neutral", SpriteFormat::Png, false),
            ("sadness.jpg", "sadness", SpriteFormat::Jpeg, false),
        ]
    );
    let findings = check(&got.sprites);
    let codes: Vec<_> = findings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        ["expression.no_transparency", "expression.several_pictures"]
    );
    assert!(findings[0].message.contains("neutral.png, sadness.jpg"));
}

#[test]
fn bad_pictures_are_skipped_with_the_reason_and_the_rest_is_read() {
    let mut corrupt = picture(40, 60, ImageFormat::Png, true);
    corrupt.truncate(corrupt.len() / 2);
    let limits = SpriteLimits {
        max_side: 100,
        ..SpriteLimits::default()
    };
    let got = set::read_files(
        vec![
            entry("joy.png", picture(40, 60, ImageFormat::Png, true)),
            entry("anger.png", corrupt),
            entry("fear.png", b"not a picture at all".to_vec()),
            entry("pride.png", picture(101, 20, ImageFormat::Png, true)),
            entry("notes.txt", b"hello".to_vec()),
            entry("sub/joy.png", picture(4, 4, ImageFormat::Png, true)),
            entry("__MACOSX/._joy.png", b"\0\x05\x16\x07".to_vec()),
            entry("._joy.png", b"\0\x05\x16\x07".to_vec()),
            entry(".DS_Store", b"Bud1".to_vec()),
        ],
        &Limits::default(),
        &limits,
    )
    .unwrap();
    assert_eq!(got.sprites.len(), 1);
    let skipped: Vec<_> = got
        .skipped
        .iter()
        .map(|s| (s.file_name.as_str(), s.code.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("anger.png", "image.unreadable"),
            ("fear.png", "image.unreadable"),
            ("pride.png", "expression.too_large"),
            ("notes.txt", "expression.not_a_picture"),
            ("sub/joy.png", "expression.in_subfolder"),
        ]
    );
}

#[test]
fn a_picture_with_too_many_pixels_is_refused_before_decoding() {
    let limits = Limits {
        max_image_pixels: 1000,
        ..Limits::default()
    };
    let got = set::read_files(
        vec![entry("joy.png", picture(50, 50, ImageFormat::Png, true))],
        &limits,
        &SpriteLimits::default(),
    )
    .unwrap();
    assert_eq!(got.skipped[0].code, "image.too_many_pixels");
}

#[test]
fn zips_are_read_flat_and_hostile_ones_refused() {
    let joy = picture(8, 8, ImageFormat::Png, true);
    let got = set::read_zip(
        &zip_of(&[("joy.png", &joy), ("__MACOSX/._joy.png", b"x")]),
        &Limits::default(),
        &SpriteLimits::default(),
    )
    .unwrap();
    assert_eq!(got.sprites.len(), 1);
    assert_eq!(got.sprites[0].bytes, joy);

    let slip = zip_of(&[("../../evil.png", &joy)]);
    let err = set::read_zip(&slip, &Limits::default(), &SpriteLimits::default()).unwrap_err();
    assert_eq!(err.code(), "charx.path_traversal");

    // 64 MiB of zeros deflates to about 64 KiB: a bomb by ratio.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "joy.png",
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&zeros).unwrap();
    }
    let bomb = zip.finish().unwrap().into_inner();
    let err = set::read_zip(&bomb, &Limits::default(), &SpriteLimits::default()).unwrap_err();
    assert_eq!(err.code(), "charx.ratio_limit");

    let many: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("s{i}.png"), joy.clone())).collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let limits = SpriteLimits {
        max_sprites: 4,
        ..SpriteLimits::default()
    };
    let err = set::read_zip(&zip_of(&refs), &Limits::default(), &limits).unwrap_err();
    assert_eq!(err.code(), "expression.too_many");
}

#[test]
fn sizes_that_differ_are_reported_by_kind() {
    let got = read(vec![
        entry("joy.png", picture(40, 60, ImageFormat::Png, true)),
        entry("anger.png", picture(40, 60, ImageFormat::Png, true)),
        entry("fear.png", picture(80, 120, ImageFormat::Png, true)),
        entry("pride.png", picture(60, 60, ImageFormat::Png, true)),
    ]);
    let codes: Vec<_> = check(&got.sprites)
        .into_iter()
        .map(|d| (d.code, d.message))
        .collect();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert_eq!(codes[0].0, "expression.mixed_sizes");
    assert!(codes[0].1.starts_with("pride.png is 60x60"));
    assert_eq!(codes[1].0, "expression.mixed_scale");
    assert!(codes[1].1.starts_with("fear.png is 80x120"));
}

#[test]
fn coverage_of_both_label_sets() {
    let st = coverage(
        &["joy", "sadness", "neutral", "wink"],
        LabelSet::SillyTavern,
    );
    assert_eq!(st.total, 28);
    assert_eq!(st.present, ["joy", "neutral", "sadness"]);
    assert_eq!(st.fallbacks.len(), 25);
    assert!(st.missing.is_empty());
    assert_eq!(st.custom, ["wink"]);

    let dm = coverage(&["joy", "curiosity"], LabelSet::DeskMate);
    assert!(dm.present.is_empty());
    let from = |label: &str| {
        dm.fallbacks
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.from.as_str())
    };
    assert_eq!(from("happy"), Some("joy"));
    assert_eq!(from("excited"), Some("joy"));
    assert_eq!(from("thinking"), Some("curiosity"));
    assert_eq!(from("curious"), Some("curiosity"));
    assert!(dm.missing.contains(&"sad".to_string()));
    assert_eq!(dm.custom, ["curiosity", "joy"]);
}

#[test]
fn exports_each_layout() {
    let joy = picture(20, 30, ImageFormat::Png, true);
    let webp = picture(20, 30, ImageFormat::WebP, true);
    let got = read(vec![
        entry("joy.png", joy.clone()),
        entry("joy-1.png", joy.clone()),
        entry("sadness.webp", webp.clone()),
        entry("sleepy.png", joy.clone()),
    ]);

    // SillyTavern: flat, bytes untouched, names that read back as the same labels.
    let zip = sillytavern_zip(&got.sprites).unwrap();
    let back = set::read_zip(&zip, &Limits::default(), &SpriteLimits::default()).unwrap();
    let names: Vec<_> = back
        .sprites
        .iter()
        .map(|s| (s.file_name.as_str(), s.label.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("joy.png", "joy"),
            ("joy-2.png", "joy"),
            ("sadness.webp", "sadness"),
            ("sleepy.png", "sleepy")
        ]
    );
    for (a, b) in got.sprites.iter().zip(&back.sprites) {
        assert_eq!(a.bytes, b.bytes);
    }

    // DeskMate: `<name>_<label>.png`, PNG bytes kept, WebP converted, fallbacks marked.
    let export = deskmate_layout("Aria Vale", &got.sprites, true, &Limits::default()).unwrap();
    let happy = export.choices.iter().find(|c| c.label == "happy").unwrap();
    assert_eq!(
        (happy.file_name.as_str(), happy.fallback, happy.converted),
        ("aria_vale_happy.png", true, false)
    );
    let sad = export.choices.iter().find(|c| c.label == "sad").unwrap();
    assert!(sad.converted && sad.fallback);
    let sad_file = export
        .files
        .iter()
        .find(|f| f.name == "aria_vale_sad.png")
        .unwrap();
    assert_eq!(
        image::guess_format(&sad_file.bytes).unwrap(),
        ImageFormat::Png
    );
    let sleepy = export.choices.iter().find(|c| c.label == "sleepy").unwrap();
    assert!(!sleepy.fallback);
    assert_eq!(
        export
            .files
            .iter()
            .find(|f| f.name == "aria_vale_sleepy.png")
            .unwrap()
            .bytes,
        joy
    );
    assert_eq!(
        deskmate_label("aria_vale", "aria_vale_sleepy.png"),
        Some("sleepy")
    );
    assert_eq!(deskmate_label("aria_vale", "aria_vale.png"), None);
    assert_eq!(deskmate_label("aria_vale", "bob_happy.png"), None);
    // Without a `neutral`, labels whose sources are all absent have nothing to show.
    assert_eq!(
        export.missing,
        [
            "angry",
            "surprised",
            "confused",
            "worried",
            "neutral",
            "thinking",
            "embarrassed",
            "annoyed",
            "curious"
        ]
    );
    let own_only = deskmate_layout("Aria Vale", &got.sprites, false, &Limits::default()).unwrap();
    assert_eq!(own_only.files.len(), 1);
    assert_eq!(own_only.missing.len(), 15);

    // CHARX: emotion assets named by label, entries beside them.
    let mut card = serde_json::json!({"spec": "chara_card_v3", "data": {"name": "Aria", "assets": [
        {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
        {"type": "emotion", "uri": "embeded://old.png", "name": "old", "ext": "png"}
    ]}});
    let entries = charx_emotions(&mut card, &got.sprites);
    let assets = card["data"]["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 5);
    assert_eq!(assets[0]["type"], "icon");
    assert_eq!(assets[1]["uri"], "embeded://assets/emotion/images/joy.png");
    assert_eq!(assets[3]["name"], "sadness");
    assert_eq!(assets[3]["ext"], "webp");
    assert_eq!(entries[2].bytes, webp);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any bytes under any name: read or skipped with a reason, never a panic.
    #[test]
    fn arbitrary_files_never_panic(name in "[a-z._/-]{0,12}", bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let got = set::read_files(vec![entry(&name, bytes)], &Limits::default(), &SpriteLimits::default()).unwrap();
        prop_assert!(got.sprites.len() + got.skipped.len() <= 1);
    }

    /// Any bytes as a zip: an error or a set, never a panic.
    #[test]
    fn arbitrary_zips_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = set::read_zip(&bytes, &Limits::default(), &SpriteLimits::default());
    }

    /// A damaged real picture is skipped, never kept as a sprite that will not show.
    #[test]
    fn damaged_pictures_are_never_kept(cut in 1usize..200, flip in 0usize..400) {
        let mut bytes = picture(12, 12, ImageFormat::Png, true);
        let at = flip % bytes.len();
        bytes[at] ^= 0x5a;
        bytes.truncate(bytes.len().saturating_sub(cut % 40));
        let got = set::read_files(vec![entry("joy.png", bytes.clone())], &Limits::default(), &SpriteLimits::default()).unwrap();
        if let Some(sprite) = got.sprites.first() {
            prop_assert!(image::load_from_memory(&sprite.bytes).is_ok());
        }
    }
}

/// Labels name files in every layout (`joy.png`, `assets/emotion/images/joy.png`), and a
/// label can come from a card's own asset list, so one that is not a plain name is refused.
#[test]
fn a_label_that_would_name_another_folder_is_refused() {
    use deskmate_cards::expressions::Sprite;
    let png = picture(8, 12, ImageFormat::Png, false);
    for label in ["../evil", "a/b", "..", ".hidden", "c:x"] {
        let err = Sprite::read(
            "joy.png",
            Some(label),
            png.clone(),
            &Limits::default(),
            &SpriteLimits::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "expression.unsafe_name", "{label}");
    }
    let fine = Sprite::read(
        "x.png",
        Some("Very Happy"),
        png,
        &Limits::default(),
        &SpriteLimits::default(),
    )
    .unwrap();
    assert_eq!(fine.label, "very happy");
}

#[test]
fn the_deskmate_layout_refuses_a_card_name_that_is_not_a_plain_name() {
    for name in ["../../x", "/etc/x", "a\\b", ".."] {
        let err = deskmate_layout(name, &[], true, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "expression.unsafe_name", "{name}");
    }
    let ok = deskmate_layout("Aria Vale", &[], true, &Limits::default()).unwrap();
    assert_eq!(ok.stem, "aria_vale");
}
