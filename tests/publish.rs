//! Publishing rooms and personas to an installed test-bed stack (real sshd, engine and
//! Caddy; the backend double reads floor plans and persona folders as DeskMate does), read
//! back through the backend, and rolled back.

mod support;

use std::path::Path;

use deskmate_api::servers::holder;
use deskmate_api::{Cancel, Continue, DataDir, Environment, OperationEvent as Event, Personas};
use serde_json::Value;
use support::stack::{Installed, http, installed};

const PRODUCTION: Environment = Environment::Production;

fn get(it: &Installed, path: &str) -> Value {
    let (status, body) = http(it.port, "GET", path, "");
    assert!(status.contains("200"), "{path}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

fn read(room: &Path) -> deskmate_api::Room {
    deskmate_api::read_room_file(room).unwrap()
}

fn picture(path: &Path, shade: u8) {
    let img = image::RgbaImage::from_fn(24, 36, |x, _| image::Rgba([shade, x as u8, 40, 255]));
    img.save(path).unwrap();
}

/// A PNG card as SillyTavern writes one: a picture with the card in a `chara` tEXt chunk.
fn png_card(path: &Path, card: &Value) {
    use base64::Engine;
    picture(path, 120);
    let bytes = std::fs::read(path).unwrap();
    let (body, iend) = bytes.split_at(bytes.len() - 12);
    let mut text = b"chara\0".to_vec();
    text.extend(
        base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(card).unwrap())
            .bytes(),
    );
    let mut out = body.to_vec();
    deskmate_cards::png::chunks::push_chunk(&mut out, b"tEXt", &text).unwrap();
    out.extend_from_slice(iend);
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_room_is_published_as_versions_read_back_through_the_backend_and_rolled_back() {
    let it = installed(1);
    let work = tempfile::tempdir().unwrap();
    let room = work.path().join("cozy.json");
    deskmate_api::new_room("cozy", &room).unwrap();
    let id = serde_json::from_slice::<Value>(&std::fs::read(&room).unwrap()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut events = Vec::new();
    let first = it
        .servers
        .room_publish(
            "home",
            PRODUCTION,
            &read(&room),
            &mut |e: &Event| events.push(e.clone()),
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!((first.version, first.new_version), (1, true), "{first:?}");
    // The same progress stream as every operation: its plan, then each step as it goes.
    assert!(
        matches!(events.first(), Some(Event::Plan { .. })),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(e, Event::Finished { .. })),
        "{events:?}"
    );
    let active = get(&it, "/api/rooms/floor-plans/active");
    assert_eq!(active["id"], format!("{id}-v1"));
    assert!(active["furniture_count"].as_u64().unwrap() > 0, "{active}");

    // The same room again is the same version; nothing new is loaded.
    let again = it
        .servers
        .room_publish(
            "home",
            PRODUCTION,
            &read(&room),
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!((again.version, again.new_version), (1, false));

    // Changed, it becomes version 2 (DeskMate skips ids it has, so it has its own).
    let mut changed: Value = serde_json::from_slice(&std::fs::read(&room).unwrap()).unwrap();
    changed["name"] = Value::from("Cozy, rearranged");
    std::fs::write(&room, serde_json::to_vec_pretty(&changed).unwrap()).unwrap();
    let second = it
        .servers
        .room_publish(
            "home",
            PRODUCTION,
            &read(&room),
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(
        get(&it, "/api/rooms/floor-plans/active")["name"],
        "Cozy, rearranged"
    );
    let plans = get(&it, "/api/rooms/floor-plans");
    let ids: Vec<&str> = plans["floor_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [format!("{id}-v1"), format!("{id}-v2")]);

    // Rolled back, version 1 is the active plan again; a second rollback has nothing older.
    let back = it
        .servers
        .room_rollback("home", PRODUCTION, &id, None)
        .unwrap();
    assert_eq!(back.version, 1);
    assert_eq!(
        get(&it, "/api/rooms/floor-plans/active")["id"],
        format!("{id}-v1")
    );
    let err = it
        .servers
        .room_rollback("home", PRODUCTION, &id, None)
        .unwrap_err();
    assert_eq!(err.code, "publish.no_older_version", "{err:?}");
    // Forward again, by version.
    let forward = it
        .servers
        .room_rollback("home", PRODUCTION, &id, Some(2))
        .unwrap();
    assert_eq!(forward.version, 2);

    // After an update the new backend has the plans still (they live in the database).
    let log = it.servers.publications("home", PRODUCTION).unwrap();
    let actions: Vec<(String, u32)> = log.iter().map(|p| (p.action.clone(), p.version)).collect();
    assert_eq!(
        actions,
        [
            ("publish".to_string(), 1),
            ("publish".to_string(), 1),
            ("publish".to_string(), 2),
            ("rollback".to_string(), 1),
            ("rollback".to_string(), 2)
        ]
    );
    let audit = it.servers.release_audit("home", PRODUCTION).unwrap();
    assert!(
        audit.contains(&format!("publish room {id} v2 by {}", holder())),
        "{audit}"
    );

    // A publish while an update holds the deploy lock is refused, naming the holder.
    std::fs::create_dir_all(Path::new(&it.stack).join(".lock/deploy")).unwrap();
    std::fs::write(
        Path::new(&it.stack).join(".lock/deploy/holder"),
        "1700000000\tcarol@laptop\n",
    )
    .unwrap();
    let err = it
        .servers
        .room_publish(
            "home",
            PRODUCTION,
            &read(&room),
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert!(
        err.message.contains("carol@laptop") || err.hint.contains("carol@laptop"),
        "{err:?}"
    );
}

#[test]
fn a_persona_is_published_with_its_expressions_checked_through_the_backend_and_rolled_back() {
    let it = installed(0);
    let personas = Personas::open(&DataDir::new(it.data.path())).unwrap();
    let work = tempfile::tempdir().unwrap();
    let card = work.path().join("aria.png");
    png_card(
        &card,
        &serde_json::json!({
            "spec": "chara_card_v2",
            "spec_version": "2.0",
            "data": {"name": "Aria Lumen", "description": "A lighthouse keeper.",
                     "personality": "calm", "creator": "bob", "tags": ["calm"]}
        }),
    );
    let imported = personas.import(&[card], &mut |_| Continue::Go).unwrap();
    let id = imported.files[0].id.expect("imported");
    let sprites = work.path().join("sprites");
    std::fs::create_dir_all(&sprites).unwrap();
    picture(&sprites.join("joy.png"), 200);
    picture(&sprites.join("sadness.png"), 60);
    personas.import_expressions(id, &sprites, false).unwrap();

    // A folder someone put there by hand is kept before anything replaces it.
    let live = Path::new(&it.stack).join("shared/data/personas/aria_lumen");
    std::fs::create_dir_all(&live).unwrap();
    std::fs::write(live.join("notes.txt"), "by hand").unwrap();
    // Made here as root: not the server account's, so the publish is refused, changing nothing.
    let err = it
        .servers
        .persona_publish(
            "home",
            PRODUCTION,
            &personas,
            &[id],
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "publish.not_writable", "{err:?}");
    assert!(live.join("notes.txt").exists());
    let owner = format!("{}:", it.server.user());
    let data = Path::new(&it.stack).join("shared/data");
    let chown = std::process::Command::new("chown")
        .args(["-R", &owner])
        .arg(&data)
        .status()
        .unwrap();
    assert!(chown.success());

    let first = it
        .servers
        .persona_publish(
            "home",
            PRODUCTION,
            &personas,
            &[id],
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].name.as_str(), first[0].version),
        ("aria_lumen", 1)
    );
    let listed = get(&it, "/api/personas/?directory=/data/personas/aria_lumen");
    assert_eq!(listed["personas"][0]["name"], "Aria Lumen", "{listed}");
    let expressions = get(&it, "/api/personas/Aria%20Lumen/expressions");
    let found = expressions["expressions"].as_object().unwrap();
    assert!(
        found.contains_key("happy") && found.contains_key("sad"),
        "{expressions}"
    );
    let happy_v1 = std::fs::read(live.join("aria_lumen_happy.png")).unwrap();
    assert!(!live.join("notes.txt").exists());
    let kept = Path::new(&it.stack).join("shared/published/personas/aria_lumen");
    assert!(
        kept.join("v0/notes.txt").exists(),
        "the hand-made folder is kept as v0"
    );

    // Again: the same version. New sprites: version 2, live.
    let again = it
        .servers
        .persona_publish(
            "home",
            PRODUCTION,
            &personas,
            &[id],
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!((again[0].version, again[0].new_version), (1, false));
    picture(&sprites.join("joy.png"), 10);
    personas.import_expressions(id, &sprites, true).unwrap();
    let second = it
        .servers
        .persona_publish(
            "home",
            PRODUCTION,
            &personas,
            &[id],
            &mut |_: &Event| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(second[0].version, 2);
    assert_ne!(
        std::fs::read(live.join("aria_lumen_happy.png")).unwrap(),
        happy_v1
    );

    // Rolled back: version 1's files serve again, and the backend lists the persona.
    let back = it
        .servers
        .persona_rollback("home", PRODUCTION, "aria_lumen", None)
        .unwrap();
    assert_eq!(back.version, 1);
    assert_eq!(
        std::fs::read(live.join("aria_lumen_happy.png")).unwrap(),
        happy_v1
    );
    let listed = get(&it, "/api/personas/?directory=/data/personas/aria_lumen");
    assert_eq!(listed["personas"].as_array().unwrap().len(), 1, "{listed}");
    // And the hand-made folder can come back too.
    let first_ever = it
        .servers
        .persona_rollback("home", PRODUCTION, "aria_lumen", Some(0));
    assert!(
        first_ever.is_err(),
        "v0 holds no card, so its check fails: {first_ever:?}"
    );
    assert_eq!(
        std::fs::read(live.join("aria_lumen_happy.png")).unwrap(),
        happy_v1,
        "a failed check puts back the folder that served"
    );
    let log = it.servers.publications("home", PRODUCTION).unwrap();
    assert_eq!(log.iter().filter(|p| p.kind == "persona").count(), 4);
}
