//! The `deskmate card` contract, through the real binary: output shapes, exit codes, and that
//! files are written whole or not at all.

mod support;

use std::fs;

use serde_json::json;
use support::*;

#[test]
fn inspect_json_shows_format_spec_name_and_chunks() {
    let run = deskmate(&[&"card", &"inspect", &sample("nyx-holloway.png"), &"--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["format"], "png");
    assert_eq!(report["spec"], "v3");
    assert_eq!(report["name"], "Nyx Holloway");
    assert_eq!(report["valid"], true);
    let kinds: Vec<_> = report["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
    assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
    let card_chunk = report["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["card"] == true)
        .unwrap();
    assert_eq!(card_chunk["keyword"], "ccv3");
}

#[test]
fn png_to_png_rewrites_card_chunks_and_keeps_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.png");
    let run = deskmate(&[&"card", &"convert", &sample("nyx-holloway.png"), &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let before = fs::read(sample("nyx-holloway.png")).unwrap();
    let after = fs::read(&out).unwrap();
    assert_eq!(idat(&before), idat(&after));
    assert_eq!(
        before, after,
        "rewriting a card we wrote ourselves gives the same bytes"
    );
}

#[test]
fn json_output_is_the_card_object_v3_by_default_v2_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let v3 = dir.path().join("v3.json");
    let v2 = dir.path().join("v2.json");
    assert_eq!(
        deskmate(&[&"card", &"convert", &sample("aster-vale.json"), &v3]).code,
        0
    );
    assert_eq!(
        deskmate(&[
            &"card",
            &"convert",
            &sample("aster-vale.json"),
            &v2,
            &"--spec",
            &"v2"
        ])
        .code,
        0
    );
    let v3: serde_json::Value = serde_json::from_slice(&fs::read(&v3).unwrap()).unwrap();
    let v2: serde_json::Value = serde_json::from_slice(&fs::read(&v2).unwrap()).unwrap();
    let original: serde_json::Value =
        serde_json::from_slice(&fs::read(sample("aster-vale.json")).unwrap()).unwrap();
    assert_eq!(v3, original);
    assert_eq!(v2["spec"], "chara_card_v2");
    assert_eq!(
        v2["data"]["extensions"]["chara_card_v3"]["nickname"],
        "Aster"
    );
}

#[test]
fn every_picture_format_becomes_a_400x600_png_card() {
    let dir = tempfile::tempdir().unwrap();
    for (ext, format) in [
        ("jpg", image::ImageFormat::Jpeg),
        ("webp", image::ImageFormat::WebP),
        ("gif", image::ImageFormat::Gif),
        ("png", image::ImageFormat::Png),
    ] {
        let avatar = dir.path().join(format!("avatar.{ext}"));
        picture(&avatar, 640, 480, format);
        let out = dir.path().join(format!("from-{ext}.png"));
        let run = deskmate(&[
            &"card",
            &"convert",
            &sample("aster-vale.json"),
            &out,
            &"--image",
            &avatar,
        ]);
        assert_eq!(run.code, 0, "{ext}: {}", run.stderr);
        let written = image::open(&out).unwrap();
        assert_eq!((written.width(), written.height()), (400, 600), "{ext}");
        let inspect = deskmate(&[&"card", &"inspect", &out, &"--json"]).json();
        assert_eq!(inspect["name"], "Aster Vale");
    }
}

#[test]
fn png_charx_png_keeps_the_card_and_the_image_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let charx = dir.path().join("nyx.charx");
    let back = dir.path().join("nyx.png");
    assert_eq!(
        deskmate(&[&"card", &"convert", &sample("nyx-holloway.png"), &charx]).code,
        0
    );
    let inspect = deskmate(&[&"card", &"inspect", &charx, &"--json"]).json();
    assert_eq!(inspect["entries"][0]["name"], "assets/icon/images/main.png");
    let run = deskmate(&[&"card", &"convert", &charx, &back]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        idat(&fs::read(sample("nyx-holloway.png")).unwrap()),
        idat(&fs::read(&back).unwrap())
    );
    let original = deskmate(&[
        &"card",
        &"convert",
        &sample("nyx-holloway.png"),
        &dir.path().join("a.json"),
    ]);
    let round = deskmate(&[&"card", &"convert", &back, &dir.path().join("b.json")]);
    assert_eq!((original.code, round.code), (0, 0));
    let a: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("a.json")).unwrap()).unwrap();
    let mut b: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("b.json")).unwrap()).unwrap();
    // Inside a CHARX the picture needs a named asset; back in a PNG it is `ccdefault:` again,
    // which the V3 spec defines as the meaning of a card with no `assets`.
    assert_eq!(
        b["data"]["assets"],
        json!([{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}])
    );
    b["data"].as_object_mut().unwrap().shift_remove("assets");
    assert_eq!(a, b);
}

#[test]
fn validate_exit_codes_follow_validity() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        deskmate(&[&"card", &"validate", &sample("bram-copperkettle.json")]).code,
        0,
        "warnings are allowed"
    );
    let broken = dir.path().join("broken.json");
    fs::write(
        &broken,
        r#"{"spec":"chara_card_v3","spec_version":"3.0","data":{"tags":{"not":"a list"}}}"#,
    )
    .unwrap();
    let run = deskmate(&[&"card", &"validate", &broken, &"--json"]);
    assert_eq!(run.code, 1);
    let codes: Vec<_> = run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert!(
        codes.contains(&"card.missing_field".to_string()),
        "{codes:?}"
    );
    assert!(codes.contains(&"card.wrong_type".to_string()), "{codes:?}");
}

#[test]
fn repair_lists_every_change_and_the_result_validates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("loose.json");
    fs::write(&input, r#"{"spec":"chara_card_v3","spec_version":3,"data":{"name":"Loose","character_version":2,"tags":"solo","creation_date":1767225600000,"extensions":{"talkativeness":"0.7","x":1}}}"#).unwrap();
    let out = dir.path().join("fixed.json");
    let run = deskmate(&[&"card", &"repair", &input, &out, &"--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let codes: Vec<String> = run.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    for code in [
        "repair.spec",
        "repair.coerced",
        "repair.timestamp_seconds",
        "repair.filled_default",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} missing from {codes:?}"
        );
    }
    let fixed: serde_json::Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
    assert_eq!(fixed["spec_version"], "3.0");
    assert_eq!(fixed["data"]["character_version"], "2");
    assert_eq!(fixed["data"]["tags"], json!(["solo"]));
    assert_eq!(fixed["data"]["creation_date"], 1767225600);
    assert_eq!(fixed["data"]["extensions"]["talkativeness"], json!(0.7));
    assert_eq!(fixed["data"]["extensions"]["x"], 1);
    assert_eq!(fixed["data"]["description"], "");
    let validate = deskmate(&[&"card", &"validate", &out, &"--json"]).json();
    assert_eq!(validate["diagnostics"], json!([]));
}

#[test]
fn errors_carry_a_code_a_hint_and_the_right_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let missing = deskmate(&[&"card", &"inspect", &dir.path().join("nope.png"), &"--json"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.json()["error"]["code"], "io.read_failed");

    let no_picture = deskmate(&[
        &"card",
        &"convert",
        &sample("aster-vale.json"),
        &dir.path().join("x.png"),
    ]);
    assert_eq!(no_picture.code, 2);
    assert!(
        no_picture.stderr.contains("usage.no_picture")
            && no_picture.stderr.contains("hint: give it a picture")
            && no_picture
                .stderr
                .contains("next: run the same command with --image PICTURE")
    );
    assert!(!dir.path().join("x.png").exists());

    let plain = dir.path().join("plain.png");
    picture(&plain, 10, 10, image::ImageFormat::Png);
    let not_a_card = deskmate(&[&"card", &"validate", &plain, &"--json"]);
    assert_eq!(not_a_card.code, 1);
    assert_eq!(not_a_card.json()["error"]["code"], "png.no_card");

    assert_eq!(
        deskmate(&[&"card", &"convert", &sample("aster-vale.json")]).code,
        2,
        "usage error"
    );
    assert_eq!(
        deskmate(&[
            &"card",
            &"convert",
            &sample("aster-vale.json"),
            &dir.path().join("x.txt")
        ])
        .code,
        2
    );
}

#[test]
fn a_hostile_charx_is_refused_and_nothing_is_written() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("evil.charx");
    let mut zip = zip::ZipWriter::new(fs::File::create(&evil).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("card.json", options).unwrap();
    zip.write_all(br#"{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"Evil"}}"#)
        .unwrap();
    zip.start_file("../../outside.png", options).unwrap();
    zip.write_all(b"x").unwrap();
    zip.finish().unwrap();
    let out = dir.path().join("out.json");
    let run = deskmate(&[&"card", &"convert", &evil, &out, &"--json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["error"]["code"], "charx.path_traversal");
    assert!(!out.exists());
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp file left behind"
    );
}

#[test]
fn the_tour_runs_on_the_shipped_samples() {
    let run = deskmate(&[&"tour"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("<- card read from here"));
    assert!(
        run.stdout
            .contains("changed: set `data.character_version` to \"3\"")
    );
    assert!(!run.stdout.contains("not built"), "the app exists");
    // The files are in a folder of its own, with a name nobody could guess in advance.
    let folder = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("The files from this tour are in "))
        .and_then(|l| l.strip_suffix('.'))
        .expect("the tour says where its files are");
    let name = std::path::Path::new(folder)
        .file_name()
        .unwrap()
        .to_string_lossy();
    assert!(name.starts_with("deskmate-tour-"), "{name}");
    assert_ne!(name, format!("deskmate-tour-{}", std::process::id()));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(folder).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "only the owner may look in");
    std::fs::remove_dir_all(folder).unwrap();
}
