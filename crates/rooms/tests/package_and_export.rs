//! `.dmroom` packages (hostile ones included) and the server's two export formats.

mod common;

use std::io::{Cursor, Write};

use deskmate_rooms::{Limits, export, package, template, template_names};
use serde_json::Value;
use zip::write::SimpleFileOptions;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn room_json() -> Vec<u8> {
    deskmate_rooms::write_room(&template("cozy").unwrap())
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n....";

#[test]
fn traversal_and_absolute_names_refuse_the_whole_package() {
    for name in [
        "../evil.png",
        "sprites/../../evil.png",
        "/etc/evil",
        "C:/evil",
        "sprites\\..\\x",
    ] {
        let bytes = zip_of(&[("room.json", &room_json()), (name, PNG)]);
        let err = package::unpack(&bytes, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "package.path_traversal", "{name}");
    }
}

#[test]
fn oversize_packages_are_refused() {
    let json = room_json();
    let many: Vec<(String, &[u8])> = (0..20)
        .map(|i| (format!("sprites/s{i}.png"), PNG))
        .collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("room.json", &json)];
    entries.extend(many.iter().map(|(n, b)| (n.as_str(), *b)));
    let limits = Limits {
        max_package_entries: 10,
        ..Limits::default()
    };
    assert_eq!(
        package::unpack(&zip_of(&entries), &limits)
            .unwrap_err()
            .code(),
        "package.too_many_entries"
    );

    let limits = Limits {
        max_unpacked_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(
        package::unpack(&zip_of(&entries), &limits)
            .unwrap_err()
            .code(),
        "package.too_large"
    );

    let bomb = vec![0u8; 4 * 1024 * 1024];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("room.json", deflate).unwrap();
    zip.write_all(&bomb).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    assert_eq!(
        package::unpack(&bytes, &Limits::default())
            .unwrap_err()
            .code(),
        "package.ratio"
    );
}

#[test]
fn sprites_must_be_images_with_plain_names_and_extra_entries_are_skipped() {
    let json = room_json();
    let bytes = zip_of(&[
        ("room.json", &json),
        ("sprites/lamp.png", b"MZ not an image"),
    ]);
    assert_eq!(
        package::unpack(&bytes, &Limits::default())
            .unwrap_err()
            .code(),
        "package.bad_sprite"
    );
    let bytes = zip_of(&[("room.json", &json), ("sprites/deep/lamp.png", PNG)]);
    assert_eq!(
        package::unpack(&bytes, &Limits::default())
            .unwrap_err()
            .code(),
        "package.bad_sprite"
    );

    let bytes = zip_of(&[
        ("room.json", &json),
        ("notes.txt", b"hi"),
        ("sprites/lamp.png", PNG),
    ]);
    let unpacked = package::unpack(&bytes, &Limits::default()).unwrap();
    assert_eq!(unpacked.sprites.len(), 1);
    assert_eq!(unpacked.diagnostics[0].code, "package.unknown_entry");
}

#[test]
fn a_package_needs_a_room_and_names_missing_sprites() {
    let err = package::unpack(&zip_of(&[("sprites/a.png", PNG)]), &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "package.no_room");
    let mut room = template("modern").unwrap();
    room.objects[0].sprite_name = Some("door.png".into());
    let unpacked =
        package::unpack(&package::pack(&room, &[]).unwrap(), &Limits::default()).unwrap();
    assert_eq!(unpacked.diagnostics[0].code, "package.missing_sprite");
    assert_eq!(
        unpacked.diagnostics[0].path.as_deref(),
        Some("objects[id=front_door].sprite_name")
    );
    assert_eq!(
        package::unpack(b"not a zip", &Limits::default())
            .unwrap_err()
            .code(),
        "package.bad_zip"
    );
}

#[test]
fn grid_objects_are_post_room_objects_bodies() {
    let room = template("modern").unwrap();
    let list = export::grid_objects(&room);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), room.objects.len());
    let sofa = list.iter().find(|o| o["id"] == "sofa").unwrap();
    // The fields the server's create_object reads, and nothing of ours it would not know.
    for key in [
        "id",
        "name",
        "description",
        "type",
        "position",
        "size",
        "properties",
        "sprite",
        "color",
        "states",
        "created_by",
    ] {
        assert!(sofa.get(key).is_some(), "{key}");
    }
    assert_eq!(sofa["position"], serde_json::json!({"x": 9, "y": 12}));
    assert_eq!(sofa["size"], serde_json::json!({"width": 8, "height": 3}));
    assert_eq!(sofa["properties"]["solid"], true);
    assert_eq!(sofa["type"], "furniture");
    assert_eq!(
        sofa["color"],
        room.theme.palette.fabric.as_str(),
        "roles resolve to the theme's hex"
    );
    // Drawing order: the rug (z -1) comes first so the server draws it underneath.
    assert_eq!(list[0]["id"], "living_rug");
}

/// What the server's template loader indexes without a default (`data["key"]`), per section.
const LOADER_REQUIRED: &[(&str, &[&str])] = &[
    ("", &["id", "name", "dimensions", "rooms"]),
    ("dimensions", &["width", "height"]),
    (
        "rooms",
        &[
            "id",
            "name",
            "type",
            "bounds",
            "properties",
            "accessibility",
        ],
    ),
    ("walls", &["id", "geometry", "properties"]),
    (
        "doorways",
        &[
            "id",
            "wall_id",
            "position",
            "connections",
            "properties",
            "accessibility",
        ],
    ),
    (
        "furniture",
        &[
            "id",
            "name",
            "type",
            "position",
            "geometry",
            "properties",
            "visual",
            "functional",
        ],
    ),
];

#[test]
fn floor_plans_have_everything_the_server_loader_reads() {
    for name in template_names() {
        let room = template(name).unwrap();
        let plan = export::floor_plan(&room);
        for (section, keys) in LOADER_REQUIRED {
            let items: Vec<&Value> = match *section {
                "" => vec![&plan],
                "dimensions" => vec![&plan["dimensions"]],
                s => plan[s].as_array().unwrap().iter().collect(),
            };
            assert!(!items.is_empty(), "{name}: {section} is empty");
            for item in items {
                for key in *keys {
                    assert!(
                        item.get(key).is_some(),
                        "{name}: {section} lacks {key}: {item}"
                    );
                }
            }
        }
        for f in plan["furniture"].as_array().unwrap() {
            for key in ["can_sit_on", "can_place_items_on", "storage_capacity"] {
                assert!(f["functional"].get(key).is_some());
            }
            for key in ["color", "material", "style"] {
                assert!(f["visual"].get(key).is_some());
            }
        }
        assert_eq!(plan["dimensions"]["width"], 64 * 20);
        assert_eq!(plan["dimensions"]["height"], 16 * 30);
    }
}

#[test]
fn doors_become_doorways_on_the_wall_they_touch() {
    let plan = export::floor_plan(&template("modern").unwrap());
    let door = &plan["doorways"][0];
    assert_eq!(door["id"], "front_door");
    assert_eq!(door["wall_id"], "wall_west");
    // West runs bottom to top; the door spans y 6..9 of 16, centre 7.5: (16 - 7.5) / 16.
    assert_eq!(door["position"]["position_on_wall"], 0.531);
    assert_eq!(door["position"]["width"], 3 * 30);
    assert_eq!(door["properties"]["door_state"], "closed");
    assert_eq!(door["accessibility"]["requires_interaction"], true);
    assert!(
        plan["furniture"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "front_door")
    );
    let cozy = export::floor_plan(&template("cozy").unwrap());
    assert_eq!(cozy["doorways"][0]["wall_id"], "wall_south");
}

#[test]
fn a_package_carries_the_drawings_it_uses_and_they_win_on_import() {
    let mut room = template("cozy").unwrap();
    let packed = package::pack(&room, &[]).unwrap();
    let names: Vec<String> = zip::ZipArchive::new(std::io::Cursor::new(&packed))
        .unwrap()
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    assert!(names.contains(&"art/bed~cozy.svg".to_owned()), "{names:?}");
    assert!(
        names.contains(&"art/fireplace.out.svg".to_owned()),
        "state drawings travel"
    );
    assert!(
        !names.iter().any(|n| n.contains("~futuristic")),
        "other themes stay home"
    );
    // Built-in drawings unchanged: nothing is added to the room.
    let same = package::unpack(&packed, &Limits::default()).unwrap();
    assert!(same.room.pictures.is_empty());

    // A drawing from another version of the art (or one this machine lacks) stays with it.
    let newer = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 60"><circle cx="20" cy="30" r="9" fill="var(--primary)"/></svg>"#;
    room.objects[0].art = Some("hover_chair".into());
    let room_json = deskmate_rooms::write_room(&room);
    let package = zip_of(&[
        ("room.json", &room_json),
        ("art/armchair.svg", newer.as_bytes()),
        ("art/hover_chair.svg", newer.as_bytes()),
    ]);
    let imported = package::unpack(&package, &Limits::default()).unwrap().room;
    assert_eq!(imported.pictures.len(), 2);
    let chosen = deskmate_rooms::art::choose(&imported, &imported.objects[0]);
    assert_eq!(chosen.svg, newer);

    let evil = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let package = zip_of(&[("room.json", &room_json), ("art/sofa.svg", evil)]);
    let err = package::unpack(&package, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), "svg.script");
}
