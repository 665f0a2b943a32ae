//! The persona library through the `deskmate` binary: a SillyTavern data folder in, the
//! DeskMate server's layout out and back in, every image byte kept.

mod support;

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use image::{ImageFormat, Rgba, RgbaImage};
use serde_json::Value;
use support::{deskmate, deskmate_with_data, sample};

fn sprite(path: &Path, shade: u8, format: ImageFormat) -> Vec<u8> {
    let img = RgbaImage::from_fn(60, 90, |x, _| {
        Rgba([shade, x as u8, 40, if x < 5 { 0 } else { 255 }])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, format)
        .unwrap();
    let bytes = out.into_inner();
    fs::write(path, &bytes).unwrap();
    bytes
}

/// A SillyTavern user folder: two cards in `characters/`, Aster's sprites in
/// `characters/Aster Vale/`, and things that are not cards.
fn sillytavern_folder(root: &Path) -> Vec<(String, Vec<u8>)> {
    let characters = root.join("default-user/characters");
    fs::create_dir_all(characters.join("Aster Vale")).unwrap();
    fs::create_dir_all(root.join("default-user/chats/Aster Vale")).unwrap();
    fs::write(
        root.join("default-user/chats/Aster Vale/chat.jsonl"),
        "{}\n",
    )
    .unwrap();
    fs::write(root.join("default-user/settings.json"), "{}").unwrap();
    fs::write(
        root.join("default-user/characters/lorebook.json"),
        r#"{"entries": {}}"#,
    )
    .unwrap();
    let picture = root.with_extension("picture.png");
    support::picture(&picture, 200, 300, ImageFormat::Png);
    let made = deskmate(&[
        &"card",
        &"convert",
        &sample("aster-vale.json"),
        &characters.join("Aster Vale.png"),
        &"--image",
        &picture,
    ]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    fs::copy(
        sample("bram-copperkettle.json"),
        characters.join("Bram.json"),
    )
    .unwrap();
    fs::write(characters.join("notes.txt"), "not a card").unwrap();
    let folder = characters.join("Aster Vale");
    let mut sprites = Vec::new();
    for (i, name) in [
        "joy.png",
        "joy-2.png",
        "sadness.png",
        "neutral.png",
        "curiosity.webp",
    ]
    .iter()
    .enumerate()
    {
        let format = if name.ends_with("webp") {
            ImageFormat::WebP
        } else {
            ImageFormat::Png
        };
        sprites.push((
            name.to_string(),
            sprite(&folder.join(name), 30 * i as u8, format),
        ));
    }
    fs::write(folder.join("broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    sprites
}

fn import(data: &Path, path: &Path) -> Value {
    let run = deskmate_with_data(data, &[&"persona", &"import", &path, &"--json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()
}

/// `persona expressions export ID OUT --layout LAYOUT --json`.
fn export_expressions(data: &Path, id: i64, out: &Path, layout: &str) -> support::Run {
    deskmate_with_data(
        data,
        &[
            &"persona",
            &"expressions",
            &"export",
            &id.to_string(),
            &out,
            &"--layout",
            &layout,
            &"--json",
        ],
    )
}

fn file<'a>(report: &'a Value, ends_with: &str) -> &'a Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with(ends_with))
        .unwrap_or_else(|| panic!("{ends_with} not in {report:#}"))
}

#[test]
fn sillytavern_folder_to_library_to_deskmate_layout_and_back_keeps_every_image_byte() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let originals = sillytavern_folder(&dir.path().join("st"));

    let report = import(&data, &dir.path().join("st/default-user"));
    assert_eq!(report["imported"], 2, "{report:#}");
    let aster = file(&report, "Aster Vale.png");
    assert_eq!(aster["sprites"], 5);
    assert_eq!(aster["sprite_problems"][0]["file_name"], "broken.png");
    assert_eq!(file(&report, "notes.txt")["outcome"], "skipped");
    assert_eq!(file(&report, "lorebook.json")["code"], "persona.not_a_card");
    assert!(
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["file"].as_str().unwrap().contains("chats")),
        "only characters/ is read"
    );
    let id = aster["id"].as_i64().unwrap();

    // The same folder again: duplicates by content, nothing added.
    let again = import(&data, &dir.path().join("st/default-user"));
    assert_eq!(
        (again["imported"].as_u64(), again["skipped"].as_u64()),
        (Some(0), Some(3))
    );

    // Back out as a SillyTavern zip: every sprite byte for byte.
    let st_zip = dir.path().join("sprites.zip");
    let run = export_expressions(&data, id, &st_zip, "sillytavern");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut zip = zip::ZipArchive::new(fs::File::open(&st_zip).unwrap()).unwrap();
    for (name, bytes) in &originals {
        let mut entry = zip.by_name(name).unwrap_or_else(|_| panic!("{name}"));
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut got).unwrap();
        assert_eq!(&got, bytes, "{name}");
    }

    // Out to the DeskMate server's layout.
    let folder = dir.path().join("deskmate/aster");
    let run = export_expressions(&data, id, &folder, "deskmate");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let export = run.json();
    assert!(folder.join("aster_vale.png").is_file());
    let happy = fs::read(folder.join("aster_vale_happy.png")).unwrap();
    assert_eq!(happy, originals[0].1, "happy is joy.png, untouched");
    assert_eq!(
        fs::read(folder.join("aster_vale_sad.png")).unwrap(),
        originals[2].1
    );
    assert_eq!(
        fs::read(folder.join("aster_vale_neutral.png")).unwrap(),
        originals[3].1
    );
    let curious = export["deskmate"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "curious")
        .unwrap();
    assert_eq!(
        curious["converted"], true,
        "WebP becomes PNG for the server"
    );
    assert_eq!(
        image::guess_format(&fs::read(folder.join("aster_vale_curious.png")).unwrap()).unwrap(),
        ImageFormat::Png
    );

    // And into a fresh library, as the DeskMate server would read it.
    let data2 = dir.path().join("data2");
    let back = import(&data2, &folder);
    assert_eq!(back["imported"], 1, "{back:#}");
    let back_id = back["files"][0]["id"].as_i64().unwrap();
    assert_eq!(back["files"][0]["sprites"], 16);
    let shown = deskmate_with_data(
        &data2,
        &[&"persona", &"show", &back_id.to_string(), &"--json"],
    )
    .json();
    let sprites = shown["sprites"].as_array().unwrap();
    let happy_back = sprites.iter().find(|s| s["label"] == "happy").unwrap();
    assert_eq!(happy_back["file_name"], "aster_vale_happy.png");
    let out = dir.path().join("back.zip");
    export_expressions(&data2, back_id, &out, "sillytavern");
    let mut zip = zip::ZipArchive::new(fs::File::open(&out).unwrap()).unwrap();
    let mut joy = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("joy.png").unwrap(), &mut joy).unwrap();
    assert_eq!(
        joy, originals[0].1,
        "joy.png survived both trips byte for byte"
    );
    assert_eq!(
        shown["coverage"][1]["present"].as_array().unwrap().len(),
        16
    );
}

#[test]
fn list_search_tag_rate_note_export_delete_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let report = import(&data, &sample(""));
    assert_eq!(report["imported"], 3, "{report:#}");
    let id = |name: &str| file(&report, name)["id"].as_i64().unwrap().to_string();
    let (aster, bram, nyx) = (
        id("aster-vale.json"),
        id("bram-copperkettle.json"),
        id("nyx-holloway.png"),
    );
    let run = |args: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"persona"];
        all.extend_from_slice(args);
        deskmate_with_data(&data, &all)
    };
    let names = |args: &[&dyn AsRef<std::ffi::OsStr>]| -> Vec<String> {
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"list", &"--json"];
        all.extend_from_slice(args);
        run(&all)
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["card_name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&[&"--search", &"aster"]), ["Aster Vale"]);

    assert_eq!(
        run(&[&"tag", &aster, &bram, &"--add", &"favourite"]).code,
        0
    );
    assert_eq!(names(&[&"--tag", &"favourite"]).len(), 2);
    assert_eq!(run(&[&"rate", &bram, &"--stars", &"5"]).code, 0);
    assert_eq!(
        names(&[&"--sort", &"rating"])[0],
        names(&[&"--search", &"bram"])[0]
    );
    assert_eq!(
        run(&[&"rate", &bram, &"--stars", &"9"]).code,
        2,
        "clap refuses 9 stars"
    );
    assert_eq!(run(&[&"note", &nyx, &"great voice"]).code, 0);
    assert_eq!(
        run(&[&"show", &nyx, &"--json"]).json()["notes"],
        "great voice"
    );

    // A tag is a field of the card too: the exported card carries it.
    let json_out = dir.path().join("aster.json");
    assert_eq!(run(&[&"export", &aster, &json_out]).code, 0);
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    let tags = exported["data"]["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t == "favourite"), "{exported}");

    // One as CHARX; all three as a zip.
    let charx = dir.path().join("nyx.charx");
    assert_eq!(run(&[&"export", &nyx, &charx]).code, 0);
    let checked = deskmate(&[&"card", &"validate", &charx, &"--json"]).json();
    assert_eq!(checked["format"], "charx");
    let zip_out = dir.path().join("all.zip");
    let exported = run(&[&"export", &aster, &bram, &nyx, &zip_out, &"--json"]).json();
    assert_eq!(exported["files"].as_array().unwrap().len(), 3);
    // The PNG card (untagged, so its card unchanged) comes back out with its picture
    // untouched: re-importing it is a duplicate.
    let again = import(&data, &zip_out);
    assert!(
        again["files"].as_array().unwrap().iter().any(|f| f["file"]
            .as_str()
            .unwrap()
            .ends_with(".png")
            && f["outcome"] == "skipped"),
        "{again:#}"
    );

    // Delete two, undo one, empty the trash.
    assert_eq!(run(&[&"delete", &aster, &bram]).code, 0);
    assert_eq!(
        names(&[]).len(),
        1 + again["imported"].as_u64().unwrap() as usize
    );
    assert_eq!(names(&[&"--trash"]).len(), 2);
    assert_eq!(run(&[&"restore", &aster]).code, 0);
    assert_eq!(run(&[&"empty-trash"]).code, 0);
    assert!(names(&[&"--trash"]).is_empty());
    let gone = run(&[&"show", &bram, &"--json"]);
    assert_eq!(gone.code, 1);
    assert_eq!(gone.json()["error"]["code"], "persona.not_found");
}

#[test]
fn bad_files_fail_alone_and_hostile_zips_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cards = dir.path().join("cards");
    fs::create_dir_all(&cards).unwrap();
    fs::copy(sample("aster-vale.json"), cards.join("aster.json")).unwrap();
    fs::write(cards.join("broken.png"), b"\x89PNG\r\n\x1a\ncut").unwrap();
    fs::write(cards.join("plain.json"), b"[1, 2]").unwrap();
    let run = deskmate_with_data(&data, &[&"persona", &"import", &cards, &"--json"]);
    assert_eq!(run.code, 1, "a failed file means exit 1");
    let report = run.json();
    assert_eq!(report["imported"], 1);
    assert_eq!(report["failed"], 2);
    assert!(
        file(&report, "broken.png")["code"]
            .as_str()
            .unwrap()
            .starts_with("png.")
    );

    let slip = dir.path().join("slip.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&slip).unwrap());
    zip.start_file("../evil.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&fs::read(sample("aster-vale.json")).unwrap())
        .unwrap();
    zip.finish().unwrap();
    let run = deskmate_with_data(&data, &[&"persona", &"import", &slip, &"--json"]);
    assert_eq!(run.json()["error"]["code"], "charx.path_traversal");
    assert!(!dir.path().join("evil.json").exists());

    let listed = deskmate_with_data(&data, &[&"persona", &"list", &"--json"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing half-imported");
}

/// A card's name becomes the DeskMate layout's file stem. Names that would climb out of the
/// chosen folder, or name another place outright, are refused, and nothing is written
/// anywhere; plain names with dots and non-ASCII letters still export.
#[test]
fn a_card_name_never_writes_outside_the_export_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let victim = dir.path().join("victim");
    fs::create_dir_all(&victim).unwrap();
    let mut card: Value =
        serde_json::from_slice(&fs::read(sample("aster-vale.json")).unwrap()).unwrap();
    let hostile = [
        "../../victim/x".to_string(),
        format!("{}/x", victim.display()),
        "..".to_string(),
        ".hidden".to_string(),
        "a\\..\\..\\x".to_string(),
        "C:x".to_string(),
    ];
    let picture = dir.path().join("picture.png");
    sprite(&picture, 90, ImageFormat::Png);
    for (n, name) in hostile
        .iter()
        .chain(["Zoë v1.2".to_string()].iter())
        .enumerate()
    {
        card["data"]["name"] = Value::from(name.as_str());
        let json = dir.path().join(format!("card{n}.json"));
        fs::write(&json, serde_json::to_vec(&card).unwrap()).unwrap();
        // A PNG card, so the export would get as far as writing files.
        let path = dir.path().join(format!("card{n}.png"));
        let made = deskmate(&[&"card", &"convert", &json, &path, &"--image", &picture]);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let imported = import(&data, &path);
        let id = imported["files"][0]["id"].as_i64().unwrap();
        let out = dir.path().join("out").join(n.to_string());
        let run = export_expressions(&data, id, &out, "deskmate");
        if n < hostile.len() {
            assert_eq!(run.code, 1, "{name}: {}", run.stdout);
            assert_eq!(
                run.json()["error"]["code"],
                "expression.unsafe_name",
                "{name}"
            );
            assert!(!out.exists(), "{name}: nothing written");
        } else {
            assert_eq!(run.code, 0, "{name}: {}", run.stdout);
            assert!(out.join("zoë_v1.2.png").is_file(), "{name}");
        }
    }
    assert_eq!(
        fs::read_dir(&victim).unwrap().count(),
        0,
        "nothing landed outside"
    );
    assert!(!dir.path().join("x.png").exists());
}

/// A RisuAI PNG card keeps its expression pictures inside: each a base64 text chunk
/// `chara-ext-asset_:N` that an `emotion` asset names as `__asset:N`. Imported, all 28 are
/// the persona's set; exported as CHARX (emotion assets) and imported again, still 28.
#[test]
fn the_expressions_a_card_carries_become_its_set() {
    use base64::Engine;
    use deskmate_cards::png::chunks::push_chunk;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let dir = tempfile::tempdir().unwrap();
    let labels: Vec<String> = (0..28).map(|i| format!("feeling{i}")).collect();
    let mut assets = vec![
        serde_json::json!({"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}),
    ];
    assets.extend(labels.iter().enumerate().map(|(i, label)| {
        serde_json::json!({"type": "emotion", "uri": format!("__asset:{i}"), "name": label, "ext": "png"})
    }));
    let mut card: Value =
        serde_json::from_slice(&fs::read(sample("aster-vale.json")).unwrap()).unwrap();
    card["spec"] = Value::from("chara_card_v3");
    card["spec_version"] = Value::from("3.0");
    card["data"]["name"] = Value::from("Risu Carrier");
    card["data"]["assets"] = Value::from(assets);

    let picture = sprite(&dir.path().join("face.png"), 10, ImageFormat::Png);
    let (body, iend) = picture.split_at(picture.len() - 12);
    let mut png = body.to_vec();
    let text = |key: &str, value: &str| [key.as_bytes(), b"\0", value.as_bytes()].concat();
    push_chunk(
        &mut png,
        b"tEXt",
        &text("ccv3", &b64(&serde_json::to_vec(&card).unwrap())),
    )
    .unwrap();
    for (i, _) in labels.iter().enumerate() {
        let face = sprite(&dir.path().join("f.png"), i as u8 * 9, ImageFormat::Png);
        push_chunk(
            &mut png,
            b"tEXt",
            &text(&format!("chara-ext-asset_:{i}"), &b64(&face)),
        )
        .unwrap();
    }
    png.extend_from_slice(iend);
    let path = dir.path().join("risu.png");
    fs::write(&path, &png).unwrap();

    let data = dir.path().join("data");
    let report = import(&data, &path);
    assert_eq!(report["imported"], 1, "{report:#}");
    assert_eq!(report["files"][0]["sprites"], 28, "{report:#}");
    let id = report["files"][0]["id"].as_i64().unwrap();
    let shown =
        deskmate_with_data(&data, &[&"persona", &"show", &id.to_string(), &"--json"]).json();
    let mut got: Vec<&str> = shown["sprites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    got.sort_unstable();
    let mut want: Vec<&str> = labels.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(got, want);

    let charx = dir.path().join("risu.charx");
    let run = deskmate_with_data(&data, &[&"persona", &"export", &id.to_string(), &charx]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let again = import(&dir.path().join("data2"), &charx);
    assert_eq!(again["files"][0]["sprites"], 28, "{again:#}");
}
