//! One test per validation code, plus the rules around them (non-solid overlap, standing on a
//! rug, paths and hints on every finding).

mod common;

use common::{codes, door, empty_room, object};
use deskmate_diagnostics::Severity;
use deskmate_rooms::{Cell, Grid, Kind, object_id_of_path, validate};

#[test]
fn a_clean_room_has_no_findings() {
    let mut room = empty_room();
    room.objects.push(object("desk", 10, 3, 4, 2));
    assert!(codes(&room).is_empty(), "{:?}", validate(&room));
}

#[test]
fn out_of_bounds_names_the_object_and_where_it_fits() {
    let mut room = empty_room();
    room.objects.push(object("bed", 60, 14, 8, 4));
    let d = validate(&room)
        .into_iter()
        .find(|d| d.code == "room.out_of_bounds")
        .unwrap();
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(object_id_of_path(d.path.as_deref().unwrap()), Some("bed"));
    assert!(d.hint.unwrap().contains("x 0 to 56 and y 0 to 12"));
    let mut negative = empty_room();
    negative.objects.push(object("rug", -1, 0, 2, 2));
    assert!(codes(&negative).contains(&"room.out_of_bounds".into()));
}

#[test]
fn overlap_is_between_solid_objects_only() {
    let mut room = empty_room();
    room.objects.push(object("desk", 10, 3, 4, 2));
    room.objects.push(object("chair", 12, 4, 2, 2));
    let d = validate(&room)
        .into_iter()
        .find(|d| d.code == "room.overlap")
        .unwrap();
    assert!(
        d.message.contains("desk") && d.message.contains("chair"),
        "{}",
        d.message
    );
    assert!(d.message.contains("(12, 4)"));
    room.objects[2].is_solid = false;
    assert!(!codes(&room).contains(&"room.overlap".into()));
}

#[test]
fn duplicate_and_bad_ids() {
    let mut room = empty_room();
    room.objects.push(object("lamp", 10, 3, 1, 1));
    room.objects.push(object("lamp", 20, 3, 1, 1));
    room.objects.push(object("bad id/1", 30, 3, 1, 1));
    let found = codes(&room);
    assert_eq!(
        found.iter().filter(|c| *c == "room.duplicate_id").count(),
        1
    );
    assert!(found.contains(&"room.bad_id".into()));
    let bad = validate(&room)
        .into_iter()
        .find(|d| d.code == "room.bad_id")
        .unwrap();
    assert_eq!(bad.path.as_deref(), Some("objects[3]"));
}

#[test]
fn unreachable_interactive_object_behind_a_wall_of_furniture() {
    let mut room = empty_room();
    // A closet at the east end walled off by three tall shelves.
    room.objects.push(object("shelf_a", 50, 0, 1, 16));
    room.objects.push(object("safe", 60, 8, 2, 2));
    let found = validate(&room);
    let d = found
        .iter()
        .find(|d| d.code == "room.unreachable")
        .expect("safe is walled off");
    assert_eq!(object_id_of_path(d.path.as_deref().unwrap()), Some("safe"));
    // Not interactive: nothing to reach.
    room.objects[2].is_interactive = false;
    assert!(!codes(&room).contains(&"room.unreachable".into()));
    // A gap in the wall opens the way.
    room.objects[2].is_interactive = true;
    room.objects[1].size_height = 15;
    assert!(
        !codes(&room).contains(&"room.unreachable".into()),
        "{:?}",
        validate(&room)
    );
}

#[test]
fn the_companion_can_stand_on_non_solid_things_and_walk_through_them() {
    let mut room = empty_room();
    room.objects.push(object("shelf", 50, 0, 1, 16));
    room.objects[1].is_solid = false; // a bead curtain, not a shelf
    room.objects.push(object("safe", 60, 8, 2, 2));
    assert!(codes(&room).is_empty(), "{:?}", validate(&room));
}

#[test]
fn spawn_out_of_bounds_and_blocked() {
    let mut room = empty_room();
    room.spawn = Cell { x: 64, y: 3 };
    let d = validate(&room)
        .into_iter()
        .find(|d| d.code == "room.out_of_bounds")
        .unwrap();
    assert_eq!(d.path.as_deref(), Some("spawn"));
    room.spawn = Cell { x: 11, y: 4 };
    room.objects.push(object("desk", 10, 3, 4, 2));
    assert!(codes(&room).contains(&"room.spawn_blocked".into()));
}

#[test]
fn bad_state_missing_state_and_empty_allowed_list() {
    let mut room = empty_room();
    let mut lamp = object("lamp", 10, 3, 1, 1);
    lamp.allowed_states
        .insert("power".into(), vec!["on".into(), "off".into()]);
    lamp.states.insert("power".into(), "dim".into());
    room.objects.push(lamp);
    let d = validate(&room)
        .into_iter()
        .find(|d| d.code == "room.bad_state")
        .unwrap();
    assert_eq!(d.path.as_deref(), Some("objects[id=lamp].states.power"));
    assert!(d.hint.unwrap().contains("on, off"));

    room.objects[1].states.clear();
    assert_eq!(codes(&room), ["room.missing_state"]);
    room.objects[1].allowed_states.insert("mood".into(), vec![]);
    assert!(codes(&room).contains(&"room.bad_state".into()));
}

#[test]
fn bad_colors_in_objects_and_theme() {
    let mut room = empty_room();
    let mut chair = object("chair", 10, 3, 1, 1);
    chair.color_scheme = Some("chartreuse".into());
    room.objects.push(chair);
    room.theme.palette.floor = "beige".into();
    room.theme.custom.insert("cushion".into(), "#12345".into());
    let found = validate(&room);
    let paths: Vec<_> = found
        .iter()
        .filter(|d| d.code == "room.bad_color")
        .map(|d| d.path.clone().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "theme.palette.floor",
            "theme.custom.cushion",
            "objects[id=chair].color_scheme"
        ]
    );
    // Roles, custom names and hex all resolve.
    room.theme.custom.insert("cushion".into(), "#123456".into());
    for good in ["wood", "cushion", "#A0b1C2"] {
        room.objects[1].color_scheme = Some(good.into());
        room.theme.palette.floor = "#ffffff".into();
        assert!(codes(&room).is_empty(), "{good}: {:?}", validate(&room));
    }
}

#[test]
fn no_door_and_doors_off_the_edge() {
    let mut room = empty_room();
    room.objects.clear();
    assert_eq!(codes(&room), ["room.no_door"]);
    room.objects.push(door("inner_door", 20, 5));
    assert_eq!(codes(&room), ["room.not_on_wall"]);
    room.objects[0].position_y = 14; // touches the south edge
    assert!(codes(&room).is_empty());
}

#[test]
fn bad_size_bad_grid_and_bad_sprite_name() {
    let mut room = empty_room();
    room.objects.push(object("flat", 10, 3, 0, 2));
    let mut sprite = object("sprite", 20, 3, 1, 1);
    sprite.sprite_name = Some("../../etc/passwd".into());
    room.objects.push(sprite);
    let found = codes(&room);
    assert!(found.contains(&"room.bad_size".into()));
    assert!(found.contains(&"room.bad_sprite_name".into()));
    room.grid = Grid {
        width: 0,
        height: 16,
    };
    assert!(codes(&room).contains(&"room.bad_grid".into()));
}

#[test]
fn every_finding_has_a_hint_and_object_findings_name_the_object() {
    let mut room = empty_room();
    room.objects.push(object("a", 10, 3, 4, 2));
    room.objects.push(object("b", 11, 3, 4, 2));
    room.objects.push(object("c", 70, 3, 4, 2));
    room.objects[1].kind = Kind::Window;
    for d in validate(&room) {
        assert!(d.hint.is_some(), "{d}");
        if d.code != "room.no_door" {
            assert!(
                object_id_of_path(d.path.as_deref().unwrap()).is_some(),
                "{d}"
            );
        }
    }
}

#[test]
fn a_thousand_overlaps_are_summed_up_not_listed() {
    let mut room = empty_room();
    for i in 0..300 {
        room.objects.push(object(&format!("box_{i}"), 10, 3, 2, 2));
    }
    let found = validate(&room);
    assert_eq!(
        found.iter().filter(|d| d.code == "room.overlap").count(),
        100
    );
    let more = found
        .iter()
        .find(|d| d.code == "room.more_findings")
        .unwrap();
    assert!(more.message.contains("room.overlap"));
}
