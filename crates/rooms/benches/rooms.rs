//! The two room figures issue #3 asks for:
//! - validating a 1,000-object room (target <= 1 ms), every check including reachability;
//! - rendering a 64x16 preview (target <= 20 ms), drawn and PNG-encoded, with labels.
//!
//! The 1,000-object room is made here: a 128x64 grid holding a regular field of 2x1 desks
//! with walkways between them, plus a door; it is valid, so every check runs to the end.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_rooms::{
    Grid, RenderOptions, Room, RoomObject, render, render_png, template, validate,
};

fn thousand_object_room() -> Room {
    let mut room = template("office").unwrap();
    room.grid = Grid {
        width: 128,
        height: 64,
    };
    let door = room
        .objects
        .iter()
        .find(|o| o.id == "office_door")
        .unwrap()
        .clone();
    let desk = room
        .objects
        .iter()
        .find(|o| o.id == "side_table")
        .unwrap()
        .clone();
    room.objects.clear();
    room.objects.push(RoomObject {
        position_x: 0,
        position_y: 30,
        ..door
    });
    // Rows of 2x1 desks every 3 columns and 2 rows: 40 per row, 25 rows = 1,000 objects
    // besides the door, each with a free walkway cell beside it.
    for row in 0..25 {
        for col in 0..40 {
            room.objects.push(RoomObject {
                id: format!("desk_{row}_{col}"),
                position_x: 3 + col * 3,
                position_y: 2 + row * 2,
                size_width: 2,
                size_height: 1,
                ..desk.clone()
            });
        }
    }
    room.spawn.x = 1;
    room.spawn.y = 30;
    room
}

fn benches(c: &mut Criterion) {
    let big = thousand_object_room();
    assert_eq!(big.objects.len(), 1001);
    assert!(validate(&big).is_empty(), "{:?}", validate(&big));
    c.bench_function("validate 1,000-object room", |b| {
        b.iter(|| validate(black_box(&big)))
    });

    let modern = template("modern").unwrap();
    let options = RenderOptions::default();
    c.bench_function("render 64x16 preview (draw only)", |b| {
        b.iter(|| render(black_box(&modern), &options))
    });
    c.bench_function("render 64x16 preview (draw + PNG)", |b| {
        b.iter(|| render_png(black_box(&modern), &options).unwrap())
    });
    // What `room render` does for each template: every drawing, textures and labels.
    for name in ["cozy", "office", "futuristic"] {
        let room = template(name).unwrap();
        c.bench_function(&format!("render {name} template (draw + PNG)"), |b| {
            b.iter(|| render_png(black_box(&room), &options).unwrap())
        });
    }
    // The 1,000-object room drawn with art: each object's drawing parsed once per render.
    c.bench_function("render 1,000-object room (draw + PNG)", |b| {
        b.iter(|| render_png(black_box(&big), &options).unwrap())
    });
}

criterion_group!(rooms, benches);
criterion_main!(rooms);
