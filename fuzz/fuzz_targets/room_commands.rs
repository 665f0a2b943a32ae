//! Any sequence of editor commands (JSON, one per line) on a template room, with undo and redo
//! between them: no panic, a refused command changes nothing, and undoing every applied
//! command gives the room back as it started.
#![no_main]

use deskmate_rooms::{Command, Editor, template, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let names = ["modern", "cozy", "office", "futuristic"];
    let start = template(names[which as usize % names.len()]).expect("built-in templates load");
    let mut editor = Editor::new(start.clone());
    let mut applied = 0usize;
    for line in rest.split(|&b| b == b'\n').take(64) {
        match line {
            b"undo" => applied = applied.saturating_sub(usize::from(editor.undo())),
            b"redo" => applied += usize::from(editor.redo()),
            _ => {
                let Ok(command) = serde_json::from_slice::<Command>(line) else {
                    continue;
                };
                let before = editor.room().clone();
                if editor.apply(&command).is_ok() {
                    applied += 1;
                } else {
                    assert_eq!(editor.room(), &before, "a refused command changed the room");
                }
            }
        }
        let _ = validate(editor.room());
    }
    while editor.undo() {}
    assert_eq!(editor.room(), &start, "undoing everything gives the start back");
});
