//! Property tests: edits keep the room sound and undo exactly; the readers never panic.

mod common;

use deskmate_rooms::{
    Command, Editor, Limits, Property, Room, package, read_room, template, template_names,
    validate, write_room,
};
use proptest::prelude::*;
use serde_json::json;

const IDS: [&str; 6] = ["sofa", "bed", "desk", "front_door", "new_a", "new_b"];

fn id() -> impl Strategy<Value = String> {
    prop::sample::select(IDS.to_vec()).prop_map(String::from)
}

fn template_name() -> impl Strategy<Value = String> {
    prop::sample::select(template_names().collect::<Vec<_>>()).prop_map(String::from)
}

fn command() -> impl Strategy<Value = Command> {
    let single = prop_oneof![
        (id(), -5.0..70.0f64, -5.0..20.0f64).prop_map(|(id, x, y)| Command::Move { id, x, y }),
        (id(), -1.0..14.0f64, -1.0..8.0f64).prop_map(|(id, width, height)| Command::Resize {
            id,
            width,
            height
        }),
        (id(), -3..66i32, -3..18i32, 1..9i32, 1..5i32, any::<bool>()).prop_map(
            |(id, x, y, w, h, solid)| {
                let mut object = common::object(&id, x, y, w, h);
                object.is_solid = solid;
                Command::Add { object }
            }
        ),
        id().prop_map(|id| Command::Remove { id }),
        (id(), any::<bool>()).prop_map(|(id, solid)| Command::SetProperty {
            id,
            property: Property::IsSolid,
            value: json!(solid),
        }),
        (id(), prop::option::of("[a-z]{1,5}")).prop_map(|(id, value)| Command::SetState {
            id,
            key: "power".into(),
            value,
        }),
        template_name().prop_map(|t| Command::ApplyTheme {
            theme: template(&t).unwrap().theme
        }),
        template_name().prop_map(|template| Command::ApplyTemplate { template }),
    ];
    single.prop_recursive(1, 6, 3, |inner| {
        prop::collection::vec(inner, 1..4).prop_map(|commands| Command::Batch { commands })
    })
}

fn solid_overlap_or_out_of_bounds(room: &Room) -> Vec<String> {
    validate(room)
        .into_iter()
        .filter(|d| matches!(d.code.as_str(), "room.overlap" | "room.out_of_bounds"))
        .map(|d| d.to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_command_sequence_breaks_bounds_or_solid_overlap(
        start in template_name(),
        commands in prop::collection::vec(command(), 1..30),
    ) {
        let mut editor = Editor::new(template(&start).unwrap());
        for c in &commands {
            let _ = editor.apply(c);
            let broken = solid_overlap_or_out_of_bounds(editor.room());
            prop_assert!(broken.is_empty(), "after {c:?}: {broken:?}");
        }
    }

    #[test]
    fn every_applied_edit_is_undone_exactly_and_redone_exactly(
        start in template_name(),
        commands in prop::collection::vec(command(), 1..20),
    ) {
        let mut editor = Editor::new(template(&start).unwrap());
        for c in &commands {
            let before = editor.room().clone();
            match editor.apply(c) {
                Ok(()) => {
                    let after = editor.room().clone();
                    prop_assert!(editor.undo());
                    prop_assert_eq!(editor.room(), &before);
                    prop_assert!(editor.redo());
                    prop_assert_eq!(editor.room(), &after);
                }
                Err(_) => prop_assert_eq!(editor.room(), &before),
            }
        }
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_room(&bytes, &Limits::default());
        let _ = package::unpack(&bytes, &Limits::default());
    }

    #[test]
    fn a_mangled_picture_is_taken_or_refused_with_a_code_and_draws_without_panic(
        drawing in prop::sample::select(deskmate_rooms::catalogue::drawings().to_vec()),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
    ) {
        let mut bytes = drawing.1.as_bytes().to_vec();
        for (at, byte) in cuts {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        match deskmate_rooms::picture::picture_from_file("own.svg", &bytes) {
            Ok(picture) => {
                let mut room = template("modern").unwrap();
                room.grid = deskmate_rooms::Grid { width: 8, height: 4 };
                room.objects.truncate(1);
                let o = &mut room.objects[0];
                (o.position_x, o.position_y, o.size_width, o.size_height) = (1, 1, 3, 2);
                o.sprite_name = Some("own.svg".into());
                room.pictures.insert("own.svg".into(), picture);
                let _ = deskmate_rooms::render(&room, &deskmate_rooms::RenderOptions::default());
            }
            Err(e) => prop_assert!(e.code().starts_with("svg.") || e.code().starts_with("picture."), "{}", e.code()),
        }
    }

    #[test]
    fn a_mangled_room_reads_or_fails_with_a_code_and_validates_without_panic(
        start in template_name(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = write_room(&template(&start).unwrap());
        for (at, byte) in cuts {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        match read_room(&bytes, &Limits::default()) {
            Ok(room) => {
                let _ = validate(&room);
                let _ = deskmate_rooms::render(&room, &deskmate_rooms::RenderOptions::default());
            }
            Err(e) => prop_assert!(e.code().starts_with("room.")),
        }
    }

    #[test]
    fn rooms_survive_save_and_package_round_trips(
        start in template_name(),
        commands in prop::collection::vec(command(), 0..10),
    ) {
        let mut editor = Editor::new(template(&start).unwrap());
        for c in &commands {
            let _ = editor.apply(c);
        }
        let room = editor.into_room();
        prop_assert_eq!(&read_room(&write_room(&room), &Limits::default()).unwrap(), &room);
        let sprite = package::Sprite { name: "lamp.png".into(), bytes: b"\x89PNG\r\n\x1a\nrest".to_vec() };
        let unpacked = package::unpack(&package::pack(&room, std::slice::from_ref(&sprite)).unwrap(), &Limits::default()).unwrap();
        prop_assert_eq!(unpacked.room, room);
        prop_assert_eq!(unpacked.sprites, vec![sprite]);
    }
}
