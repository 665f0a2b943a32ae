//! Rooms built in code for the tests: an empty 64x16 room with a door, and object builders.
#![allow(dead_code)]

use deskmate_rooms::{Cell, Kind, Limits, Room, RoomObject, read_room, template};

/// The modern template's theme, an empty floor, a door at the west edge, spawn at (5, 8).
pub fn empty_room() -> Room {
    let mut room = template("modern").unwrap();
    room.objects.clear();
    room.spawn = Cell { x: 5, y: 8 };
    room.objects.push(door("door", 0, 7));
    room
}

pub fn object(id: &str, x: i32, y: i32, w: i32, h: i32) -> RoomObject {
    let json = format!(
        r#"{{"id":"{id}","name":"{id}","kind":"furniture","position_x":{x},"position_y":{y},"size_width":{w},"size_height":{h}}}"#
    );
    serde_json::from_str(&json).unwrap()
}

pub fn door(id: &str, x: i32, y: i32) -> RoomObject {
    RoomObject {
        kind: Kind::Door,
        is_solid: false,
        ..object(id, x, y, 1, 2)
    }
}

pub fn codes(room: &Room) -> Vec<String> {
    deskmate_rooms::validate(room)
        .into_iter()
        .map(|d| d.code)
        .collect()
}

/// Round-trips through the saved JSON, as the app does.
pub fn reread(room: &Room) -> Room {
    read_room(&deskmate_rooms::write_room(room), &Limits::default()).unwrap()
}
