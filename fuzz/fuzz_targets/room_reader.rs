//! Any bytes as a room (JSON or YAML): reading, then validating, editing and rendering whatever
//! was read, must never panic.
#![no_main]

use deskmate_rooms::{Command, Editor, Limits, RenderOptions, read_room, render, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(room) = read_room(data, &Limits::default()) else {
        return;
    };
    let _ = validate(&room);
    let _ = render(&room, &RenderOptions { labels: true, max_pixels: 1 << 20 });
    let _ = deskmate_rooms::export::floor_plan(&room);
    if let Some(first) = room.objects.first() {
        let mut editor = Editor::new(room.clone());
        let _ = editor.apply(&Command::Move { id: first.id.clone(), x: 3.0, y: 3.0 });
        editor.undo();
    }
});
