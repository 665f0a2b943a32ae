//! The persona library on disk: adding, finding, tagging, the trash, sprites, saved rooms,
//! and a writer killed mid-import.

use std::process::Command;
use std::time::{Duration, Instant};

use deskmate_library::{
    Added, Library, LibraryError, NewPersona, NewSprite, Query, Sort, SpriteInfo,
};
use proptest::prelude::*;

fn persona(name: &str, creator: &str, seed: u32) -> NewPersona {
    NewPersona {
        card_name: name.into(),
        creator: creator.into(),
        spec: "v3".into(),
        source_format: "png".into(),
        source_file: format!("{name}.png"),
        source_sha256: format!("{seed:064x}"),
        source: seed.to_le_bytes().repeat(100),
        card: format!(r#"{{"spec":"chara_card_v3","data":{{"name":"{name}"}}}}"#),
        tags: vec!["fantasy".into(), format!("t{}", seed % 3)],
        avatar: None,
        thumbnail: Some(vec![1, 2, 3]),
        sprites: ["joy", "sadness", "anger"]
            .iter()
            .map(|label| sprite(label, seed))
            .collect(),
    }
}

fn sprite(label: &str, seed: u32) -> NewSprite {
    let image = format!("{label}{seed}").into_bytes();
    NewSprite {
        info: SpriteInfo {
            file_name: format!("{label}.png"),
            label: label.into(),
            format: "png".into(),
            width: 10,
            height: 20,
            alpha: true,
            sha256: format!("{:064}", image.len()),
            bytes: image.len() as u64,
        },
        image,
    }
}

fn open() -> (tempfile::TempDir, Library) {
    let dir = tempfile::tempdir().unwrap();
    let library = Library::open(&dir.path().join("library.sqlite")).unwrap();
    (dir, library)
}

fn names(library: &Library, query: &Query) -> Vec<String> {
    library
        .personas(query)
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

#[test]
fn the_same_file_twice_is_one_persona_and_a_clashing_name_gets_a_number() {
    let (_dir, mut library) = open();
    let first = library.add_persona(&persona("Aria", "mo", 1)).unwrap();
    let Added::Imported { id, name } = first.clone() else {
        panic!("{first:?}")
    };
    assert_eq!(name, "Aria");
    assert_eq!(
        library.add_persona(&persona("Aria", "mo", 1)).unwrap(),
        Added::Duplicate {
            id,
            name: "Aria".into()
        }
    );
    // Another file whose card has the same name (ignoring case) is kept, renamed.
    let second = library.add_persona(&persona("aria", "mo", 2)).unwrap();
    assert!(matches!(second, Added::Imported { ref name, .. } if name == "aria (2)"));
    let third = library.add_persona(&persona("Aria", "mo", 3)).unwrap();
    assert!(matches!(third, Added::Imported { ref name, .. } if name == "Aria (3)"));
    // Nothing was overwritten.
    let full = library.persona(id).unwrap();
    assert_eq!(full.source_sha256, format!("{:064x}", 1));
    assert_eq!(
        library.persona_source(id).unwrap().bytes,
        1u32.to_le_bytes().repeat(100)
    );
    assert_eq!(library.sprites(id).unwrap().len(), 3);
    assert_eq!(library.thumbnail(id).unwrap(), Some(vec![1, 2, 3]));
}

#[test]
fn search_tag_creator_and_sort() {
    let (_dir, mut library) = open();
    let ids: Vec<i64> = [("Bram", "ann", 1), ("Aria", "Zed", 2), ("Cleo", "ann", 3)]
        .iter()
        .map(
            |(n, c, s)| match library.add_persona(&persona(n, c, *s)).unwrap() {
                Added::Imported { id, .. } => id,
                other => panic!("{other:?}"),
            },
        )
        .collect();
    assert_eq!(names(&library, &Query::default()), ["Aria", "Bram", "Cleo"]);
    let search = |q: &str| Query {
        search: Some(q.into()),
        ..Query::default()
    };
    assert_eq!(names(&library, &search("R")), ["Aria", "Bram"]);
    assert_eq!(names(&library, &search("zed")), ["Aria"], "creator matches");
    // LIKE's wildcards are plain characters in a search.
    assert!(names(&library, &search("%")).is_empty());
    assert!(names(&library, &search("_")).is_empty());
    let by_creator = Query {
        creator: Some("ANN".into()),
        ..Query::default()
    };
    assert_eq!(names(&library, &by_creator), ["Bram", "Cleo"]);

    library.add_tags(&[ids[2]], &["cozy".into()]).unwrap();
    let cozy = Query {
        tag: Some("Cozy".into()),
        ..Query::default()
    };
    assert_eq!(names(&library, &cozy), ["Cleo"]);
    assert_eq!(
        names(&library, &search("coz")),
        ["Cleo"],
        "tags match a search"
    );
    library.remove_tags(&[ids[2]], &["cozy".into()]).unwrap();
    assert!(names(&library, &cozy).is_empty());

    library.set_rating(&[ids[2]], Some(5)).unwrap();
    library.set_rating(&[ids[0]], Some(2)).unwrap();
    let rated = Query {
        sort: Sort::Rating,
        ..Query::default()
    };
    assert_eq!(names(&library, &rated), ["Cleo", "Bram", "Aria"]);
    assert!(matches!(
        library.set_rating(&[ids[0]], Some(6)),
        Err(LibraryError::InvalidRating { stars: 6 })
    ));
    library
        .set_notes(ids[1], "needs a better greeting")
        .unwrap();
    assert_eq!(
        library.persona(ids[1]).unwrap().notes,
        "needs a better greeting"
    );
    assert!(matches!(
        library.set_notes(999, "x"),
        Err(LibraryError::PersonaNotFound { id: 999 })
    ));
}

#[test]
fn deleting_goes_to_the_trash_until_it_is_emptied() {
    let (_dir, mut library) = open();
    let mut ids = Vec::new();
    for seed in 0..4 {
        if let Added::Imported { id, .. } = library
            .add_persona(&persona(&format!("P{seed}"), "", seed))
            .unwrap()
        {
            ids.push(id);
        }
    }
    library.trash(&ids[..3]).unwrap();
    assert_eq!(names(&library, &Query::default()), ["P3"]);
    let trash = Query {
        trash: true,
        ..Query::default()
    };
    assert_eq!(names(&library, &trash), ["P0", "P1", "P2"]);
    // Undo.
    library.restore(&ids[..1]).unwrap();
    assert_eq!(names(&library, &Query::default()), ["P0", "P3"]);
    // A trashed persona is still known, so importing it again is a duplicate.
    assert!(matches!(
        library.add_persona(&persona("P1", "", 1)).unwrap(),
        Added::Duplicate { .. }
    ));
    assert_eq!(library.empty_trash().unwrap(), 2);
    assert!(names(&library, &trash).is_empty());
    assert!(matches!(
        library.persona(ids[1]),
        Err(LibraryError::PersonaNotFound { .. })
    ));
    // Its sprites and file went with it.
    assert!(matches!(
        library.sprites(ids[1]),
        Err(LibraryError::PersonaNotFound { .. })
    ));
}

#[test]
fn sprites_are_kept_byte_for_byte_and_replaced_by_file_name() {
    let (_dir, mut library) = open();
    let Added::Imported { id, .. } = library.add_persona(&persona("Aria", "", 1)).unwrap() else {
        panic!()
    };
    let mut joy2 = sprite("joy", 9);
    joy2.info.file_name = "joy-2.webp".into();
    library
        .put_sprites(id, &[joy2.clone(), sprite("joy", 7)], false)
        .unwrap();
    let stored = library.sprite_images(id).unwrap();
    let files: Vec<_> = stored.iter().map(|s| s.info.file_name.as_str()).collect();
    assert_eq!(files, ["anger.png", "joy.png", "joy-2.webp", "sadness.png"]);
    assert_eq!(stored[2], joy2);
    assert_eq!(stored[1].image, b"joy7");
    library
        .put_sprites(id, &[sprite("neutral", 1)], true)
        .unwrap();
    assert_eq!(library.sprites(id).unwrap().len(), 1);
    assert_eq!(
        library.personas(&Query::default()).unwrap()[0].sprite_count,
        1
    );
}

#[test]
fn rooms_are_saved_by_name() {
    let (_dir, mut library) = open();
    library.save_room("Study", r#"{"a":1}"#).unwrap();
    library.save_room("study", r#"{"a":2}"#).unwrap();
    library.save_room("Attic", "{}").unwrap();
    assert_eq!(library.room_names().unwrap(), ["Attic", "Study"]);
    assert_eq!(library.room("STUDY").unwrap().document, r#"{"a":2}"#);
    assert!(matches!(
        library.room("Cellar"),
        Err(LibraryError::RoomNotFound { .. })
    ));
    assert!(matches!(
        library.save_room(" ", "{}"),
        Err(LibraryError::InvalidRoomName { .. })
    ));
}

#[test]
fn saved_rooms_are_renamed_duplicated_and_deleted() {
    let (_dir, mut library) = open();
    library.save_room("Study", r#"{"a":1}"#).unwrap();
    library.save_room("Attic", "{}").unwrap();
    library.duplicate_room("Study", "Study (copy)").unwrap();
    assert_eq!(library.room("Study (copy)").unwrap().document, r#"{"a":1}"#);
    assert!(matches!(
        library.duplicate_room("Study", "attic"),
        Err(LibraryError::RoomExists { .. })
    ));
    library.rename_room("Study (copy)", "Den").unwrap();
    assert_eq!(library.room_names().unwrap(), ["Attic", "Den", "Study"]);
    // Only the case changes: still a rename, not a clash with itself.
    library.rename_room("Den", "DEN").unwrap();
    assert_eq!(library.room("den").unwrap().name, "DEN");
    assert!(matches!(
        library.rename_room("DEN", "Study"),
        Err(LibraryError::RoomExists { .. })
    ));
    assert!(matches!(
        library.rename_room("Cellar", "Basement"),
        Err(LibraryError::RoomNotFound { .. })
    ));
    library.delete_room("den").unwrap();
    assert_eq!(library.room_names().unwrap(), ["Attic", "Study"]);
    assert!(matches!(
        library.delete_room("den"),
        Err(LibraryError::RoomNotFound { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the names and searches, a search finds exactly the personas whose name
    /// contains the text (ignoring ASCII case), and never fails.
    #[test]
    fn search_finds_exactly_the_names_that_contain_the_text(
        names in proptest::collection::vec("[a-cA-C%_\\\\ ]{1,6}", 1..8),
        needle in "[a-cA-C%_\\\\]{1,3}",
    ) {
        let (_dir, mut library) = open();
        for (seed, name) in names.iter().enumerate() {
            library.add_persona(&NewPersona { creator: String::new(), tags: vec![], ..persona(name, "", seed as u32) }).unwrap();
        }
        let found = library.personas(&Query { search: Some(needle.clone()), ..Query::default() }).unwrap();
        let needle = needle.to_ascii_lowercase();
        for p in library.personas(&Query::default()).unwrap() {
            let expected = p.name.to_ascii_lowercase().contains(&needle);
            prop_assert_eq!(found.iter().any(|f| f.id == p.id), expected, "{:?}", p.name);
        }
    }
}

/// The writer's half of the kill test: imports until it is killed.
#[test]
#[ignore = "run by kill_9_mid_import_leaves_every_persona_whole"]
fn writer_for_the_kill_test() {
    let path = std::env::var("DESKMATE_KILL_TEST_DB").unwrap();
    let mut library = Library::open(std::path::Path::new(&path)).unwrap();
    for seed in 0.. {
        let mut new = persona(&format!("P{seed}"), "", seed);
        // Big enough that a kill often lands mid-write.
        new.source = vec![seed as u8; 256 * 1024];
        library.add_persona(&new).unwrap();
    }
}

#[test]
fn kill_9_mid_import_leaves_every_persona_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("library.sqlite");
    drop(Library::open(&path).unwrap());
    for round in 0..3 {
        let mut writer = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "writer_for_the_kill_test",
                "--ignored",
                "--nocapture",
            ])
            .env("DESKMATE_KILL_TEST_DB", &path)
            .spawn()
            .unwrap();
        // Wait until it has written some, then kill it at a moment of its own choosing.
        let start = Instant::now();
        let before = count(&path);
        while count(&path) < before + 5 + round * 3 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the writer made no progress"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // SIGKILL: no destructor, no rollback, no chance to tidy up.
        writer.kill().unwrap();
        writer.wait().unwrap();

        let library = Library::open(&path).unwrap();
        let check = rusqlite_check(&path);
        assert_eq!(check, "ok");
        for p in library.personas(&Query::default()).unwrap() {
            // All of each persona or none of it.
            assert_eq!(p.sprite_count, 3, "{}", p.name);
            assert_eq!(p.tags.len(), 2, "{}", p.name);
            assert_eq!(
                library.persona_source(p.id).unwrap().bytes.len(),
                256 * 1024
            );
            assert_eq!(library.thumbnail(p.id).unwrap(), Some(vec![1, 2, 3]));
            assert!(library.persona(p.id).unwrap().card.contains(&p.card_name));
        }
    }
}

fn count(path: &std::path::Path) -> usize {
    Library::open(path)
        .and_then(|l| l.personas(&Query::default()))
        .map(|p| p.len())
        .unwrap_or(0)
}

fn rusqlite_check(path: &std::path::Path) -> String {
    Library::open(path).unwrap().integrity_check().unwrap()
}

#[test]
fn one_sprite_is_removed_and_the_others_stay() {
    let (_dir, mut library) = open();
    let Added::Imported { id, .. } = library.add_persona(&persona("Aria", "mo", 1)).unwrap() else {
        panic!("a new persona")
    };
    library
        .put_sprites(id, &[sprite("joy", 1), sprite("anger", 2)], false)
        .unwrap();
    assert!(library.remove_sprite(id, "joy.png").unwrap());
    assert!(
        !library.remove_sprite(id, "joy.png").unwrap(),
        "gone already"
    );
    let left: Vec<String> = library
        .sprites(id)
        .unwrap()
        .into_iter()
        .map(|s| s.file_name)
        .collect();
    assert!(!left.iter().any(|f| f == "joy.png"), "{left:?}");
    assert!(
        left.iter().any(|f| f == "anger.png"),
        "the others stay: {left:?}"
    );
}
