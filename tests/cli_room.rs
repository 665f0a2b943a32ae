//! `deskmate room …` end to end through the real binary, including rooms it has never seen:
//! broken, overlapping, unreachable and malformed ones.

mod support;

use std::io::Write;

use support::{deskmate, picture, repo};

#[test]
fn templates_lists_the_four_themes() {
    let run = deskmate(&[&"room", &"templates", &"--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list = run.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["modern", "cozy", "office", "futuristic"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t["objects"].as_u64().unwrap() >= 15)
    );
}

#[test]
fn new_rooms_from_every_template_validate_render_and_export() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["modern", "cozy", "office", "futuristic"] {
        let room = dir.path().join(format!("{name}.json"));
        let run = deskmate(&[&"room", &"new", &"--template", &name, &room]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run = deskmate(&[&"room", &"validate", &room, &"--json"]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert_eq!(run.json()["valid"], true);
        assert_eq!(run.json()["diagnostics"].as_array().unwrap().len(), 0);

        let png = dir.path().join(format!("{name}.png"));
        assert_eq!(deskmate(&[&"room", &"render", &room, &png]).code, 0);
        let image = image::open(&png).unwrap();
        assert_eq!((image.width(), image.height()), (1280, 480));

        for format in ["grid-objects", "floor-plan"] {
            let out = dir.path().join(format!("{name}.{format}.json"));
            let run = deskmate(&[&"room", &"export", &room, &"--format", &format, &out]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let value: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
            assert!(value.is_array() || value["furniture"].is_array());
        }
    }
}

/// Writes `text` as a room file and returns `room validate --json`'s codes and exit code.
fn validate_text(text: &str, ext: &str) -> (i32, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("room.{ext}"));
    std::fs::write(&path, text).unwrap();
    let run = deskmate(&[&"room", &"validate", &path, &"--json"]);
    let json = run.json();
    let codes = match json.get("error") {
        Some(e) => vec![e["code"].as_str().unwrap().to_string()],
        None => json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect(),
    };
    (run.code, codes)
}

const THEME: &str = r##""theme":{"name":"t","palette":{"floor":"#eeeeee","wall":"#333333","grid":"#dddddd","accent":"#ff8800","text":"#111111","wood":"#aa7744","fabric":"#5566aa","metal":"#999999","glass":"#aaddff","plant":"#44aa55","light":"#ffee99","screen":"#222233"}}"##;

fn room_with(objects: &str, spawn: &str) -> String {
    format!(
        r#"{{"format":"deskmate.room/1","id":"t","name":"T",{THEME},"spawn":{spawn},"objects":[{objects}]}}"#
    )
}

const DOOR: &str = r#"{"id":"door","name":"Door","kind":"door","position_x":0,"position_y":7,"size_width":1,"size_height":2,"is_solid":false}"#;

/// A solid, interactive object of `kind` as room JSON.
fn thing(id: &str, kind: &str, (x, y, w, h): (i32, i32, i32, i32)) -> String {
    format!(
        r#"{{"id":"{id}","name":"{id}","kind":"{kind}","position_x":{x},"position_y":{y},"size_width":{w},"size_height":{h}}}"#
    )
}

#[test]
fn unseen_broken_rooms_get_the_right_codes_and_exit_1() {
    // A box of shelves (not interactive) around a safe in the middle of the room.
    let walls: Vec<String> = [(30, 4, 8, 1), (30, 11, 8, 1), (30, 5, 1, 6), (37, 5, 1, 6)]
        .into_iter()
        .enumerate()
        .map(|(i, rect)| {
            thing(&format!("shelf{i}"), "storage", rect).replace('}', r#","is_interactive":false}"#)
        })
        .collect();
    let cases = [
        (
            vec![
                DOOR.to_string(),
                thing("bed", "furniture", (10, 5, 6, 4)),
                thing("desk", "furniture", (14, 8, 4, 2)),
            ],
            "room.overlap",
        ),
        (
            [
                vec![DOOR.to_string(), thing("safe", "storage", (33, 7, 2, 2))],
                walls,
            ]
            .concat(),
            "room.unreachable",
        ),
        (
            vec![DOOR.to_string(), thing("bed", "furniture", (60, 14, 6, 4))],
            "room.out_of_bounds",
        ),
        (vec![], "room.no_door"),
        (
            vec![DOOR.to_string(), DOOR.to_string()],
            "room.duplicate_id",
        ),
    ];
    for (objects, code) in cases {
        let room = room_with(&objects.join(","), r#"{"x":5,"y":5}"#);
        assert_eq!(
            validate_text(&room, "json"),
            (1, vec![code.to_string()]),
            "{room}"
        );
    }
}

#[test]
fn unseen_malformed_files_get_an_error_code_and_never_crash() {
    let cases: &[(&str, &str, &str)] = &[
        ("{\"format\":\"deskmate.room/1\",", "json", "room.malformed"),
        (
            "{\"format\":\"deskmate.room/1\",\"id\":7}",
            "json",
            "room.malformed",
        ),
        (
            "{\"format\":\"deskmate.room/9\"}",
            "json",
            "room.unsupported_format",
        ),
        (
            "{\"name\":\"a SillyTavern card?\"}",
            "json",
            "room.unsupported_format",
        ),
        (
            "format: deskmate.room/1\nid: [unclosed\n",
            "yaml",
            "room.malformed",
        ),
        ("", "json", "room.unsupported_format"),
        ("\u{0}\u{1}binary", "json", "room.malformed"),
    ];
    for (text, ext, code) in cases {
        let (exit, codes) = validate_text(text, ext);
        assert_eq!((exit, codes), (1, vec![code.to_string()]), "{text:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.json");
    std::fs::write(&path, b"{\"name\":\"caf\xe9\"}").unwrap();
    let run = deskmate(&[&"room", &"validate", &path]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("room.not_utf8") && run.stderr.contains("hint:"),
        "{}",
        run.stderr
    );
    let missing = deskmate(&[&"room", &"validate", &dir.path().join("nope.json")]);
    assert_eq!(missing.code, 2);
}

#[test]
fn yaml_rooms_are_read() {
    let yaml = format!(
        "format: deskmate.room/1\nid: y\nname: Yaml Room\ntheme: {}\nspawn: {{x: 4, y: 4}}\nobjects:\n  - {DOOR}\n",
        &THEME["\"theme\":".len()..]
    );
    assert_eq!(validate_text(&yaml, "yaml"), (0, vec![]));
}

#[test]
fn edit_applies_commands_and_refuses_collisions_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let room = dir.path().join("room.json");
    let out = dir.path().join("edited.json");
    deskmate(&[&"room", &"new", &"--template", &"modern", &room]);

    let run = deskmate(&[
        &"room",
        &"edit",
        &room,
        &out,
        &"--json",
        &"--command",
        &r#"{"op":"move","id":"coffee_table","x":10,"y":6}"#,
        &"--command",
        &r#"{"op":"set_state","id":"tv","key":"power","value":"on"}"#,
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let edited: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let table = edited["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "coffee_table")
        .unwrap();
    assert_eq!(table["position_y"], 6);

    std::fs::remove_file(&out).unwrap();
    let run = deskmate(&[
        &"room",
        &"edit",
        &room,
        &out,
        &"--json",
        &"--command",
        &r#"{"op":"move","id":"coffee_table","x":8,"y":12}"#,
    ]);
    assert_eq!(run.code, 1);
    let err = &run.json()["error"];
    assert_eq!(err["code"], "edit.collision");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("would overlap the Sofa"), "{message}");
    assert!(message.contains("the nearest free spot is"), "{message}");
    assert_eq!(err["details"]["conflicts"], "sofa");
    assert!(err["details"]["nearest_x"].as_str().is_some(), "{err}");
    assert!(!out.exists(), "a refused edit writes nothing");

    let run = deskmate(&[
        &"room",
        &"edit",
        &room,
        &out,
        &"--command",
        &"{\"op\":\"fly\"}",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("usage.bad_command"));
}

#[test]
fn export_refuses_an_invalid_room_for_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let room = dir.path().join("room.json");
    std::fs::write(&room, room_with("", r#"{"x":5,"y":5}"#)).unwrap();
    let out = dir.path().join("objects.json");
    let run = deskmate(&[
        &"room",
        &"export",
        &room,
        &"--format",
        &"grid-objects",
        &out,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("room.invalid"));
    assert!(!out.exists());
}

#[test]
fn packages_carry_sprites_and_import_refuses_traversal() {
    let dir = tempfile::tempdir().unwrap();
    let room = dir.path().join("room.json");
    deskmate(&[&"room", &"new", &"--template", &"cozy", &room]);
    let edited = dir.path().join("with-sprite.json");
    let run = deskmate(&[
        &"room",
        &"edit",
        &room,
        &edited,
        &"--command",
        &r#"{"op":"set_property","id":"tea_table","property":"sprite_name","value":"kettle.png"}"#,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::create_dir(dir.path().join("sprites")).unwrap();
    picture(
        &dir.path().join("sprites/kettle.png"),
        16,
        16,
        image::ImageFormat::Png,
    );

    let pkg = dir.path().join("cabin.dmroom");
    let run = deskmate(&[
        &"room",
        &"export",
        &edited,
        &"--format",
        &"package",
        &pkg,
        &"--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["sprites"], serde_json::json!(["kettle.png"]));

    let elsewhere = tempfile::tempdir().unwrap();
    let imported = elsewhere.path().join("cabin.json");
    let run = deskmate(&[&"room", &"import", &pkg, &imported, &"--json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        std::fs::read(elsewhere.path().join("sprites/kettle.png")).unwrap(),
        std::fs::read(dir.path().join("sprites/kettle.png")).unwrap()
    );
    assert_eq!(
        std::fs::read(&imported).unwrap(),
        std::fs::read(&edited).unwrap()
    );

    let evil = dir.path().join("evil.dmroom");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&evil).unwrap());
    zip.start_file("room.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&std::fs::read(&room).unwrap()).unwrap();
    zip.start_file(
        "sprites/../../escape.png",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"\x89PNG\r\n\x1a\n").unwrap();
    zip.finish().unwrap();
    let target = tempfile::tempdir().unwrap();
    let run = deskmate(&[&"room", &"import", &evil, &target.path().join("r.json")]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("package.path_traversal"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(target.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let run = deskmate(&[&"room", &"schema"]);
    let committed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo().join("templates/rooms/room.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(run.json(), committed);
}
