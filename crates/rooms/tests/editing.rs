//! Edit commands: snapping, collision-aware placement, refusals that change nothing, undo/redo.

mod common;

use common::{empty_room, object};
use deskmate_rooms::{Cell, Command, EditError, Editor, Property, template};
use serde_json::json;

fn editor_with_desk_and_chair() -> Editor {
    let mut room = empty_room();
    room.objects.push(object("desk", 10, 3, 4, 2));
    room.objects.push(object("chair", 20, 3, 2, 2));
    Editor::new(room)
}

fn command(value: serde_json::Value) -> Command {
    serde_json::from_value(value).unwrap()
}

#[test]
fn move_snaps_a_pointer_position_to_the_nearest_cell() {
    let mut editor = editor_with_desk_and_chair();
    editor
        .apply(&command(
            json!({"op": "move", "id": "chair", "x": 30.4, "y": 8.6}),
        ))
        .unwrap();
    let chair = editor.room().object("chair").unwrap();
    assert_eq!((chair.position_x, chair.position_y), (30, 9));
}

#[test]
fn move_into_an_occupied_spot_reports_the_conflict_and_the_nearest_free_position() {
    let mut editor = editor_with_desk_and_chair();
    let before = editor.room().clone();
    let err = editor
        .apply(&command(
            json!({"op": "move", "id": "chair", "x": 11, "y": 3}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.collision");
    let EditError::Collision {
        conflicts,
        nearest_free,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(conflicts, &["desk"]);
    assert_eq!(
        err.to_string(),
        "the chair would overlap the desk; the nearest free spot is 2 cells up",
        "the owner's names, and the way to the free spot in words"
    );
    // The desk spans x 10..14, y 3..5: the nearest free 2x2 spot to (11, 3) is just above it.
    assert_eq!(*nearest_free, Some(Cell { x: 11, y: 1 }));
    assert_eq!(editor.room(), &before, "a refused move changes nothing");
    assert!(!editor.can_undo());
}

#[test]
fn out_of_bounds_moves_and_resizes_are_refused_with_a_spot_inside() {
    let mut editor = editor_with_desk_and_chair();
    let err = editor
        .apply(&command(
            json!({"op": "move", "id": "chair", "x": 63, "y": 15}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.out_of_bounds");
    assert_eq!(err.nearest_free(), Some(Cell { x: 62, y: 14 }));
    let err = editor
        .apply(&command(
            json!({"op": "resize", "id": "desk", "width": 80, "height": 2}),
        ))
        .unwrap_err();
    assert_eq!(
        (err.code(), err.nearest_free()),
        ("edit.out_of_bounds", None)
    );
    let err = editor
        .apply(&command(
            json!({"op": "resize", "id": "desk", "width": 0, "height": 2}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.bad_value");
}

#[test]
fn non_solid_objects_may_sit_on_solid_ones() {
    let mut editor = editor_with_desk_and_chair();
    let mut lamp = object("lamp", 11, 3, 1, 1);
    lamp.is_solid = false;
    editor.apply(&Command::Add { object: lamp }).unwrap();
    // Making it solid where it stands would overlap the desk.
    let err = editor
        .apply(&command(
            json!({"op": "set_property", "id": "lamp", "property": "is_solid", "value": true}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.collision");
}

#[test]
fn add_refuses_duplicate_and_bad_ids() {
    let mut editor = editor_with_desk_and_chair();
    let err = editor
        .apply(&Command::Add {
            object: object("desk", 40, 3, 1, 1),
        })
        .unwrap_err();
    assert_eq!(err.code(), "edit.duplicate_id");
    let err = editor
        .apply(&Command::Add {
            object: object("a b", 40, 3, 1, 1),
        })
        .unwrap_err();
    assert_eq!(err.code(), "edit.bad_id");
    let err = editor
        .apply(&command(
            json!({"op": "set_property", "id": "desk", "property": "id", "value": "chair"}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.duplicate_id");
}

#[test]
fn set_property_checks_types_and_set_state_checks_allowed_values() {
    let mut editor = editor_with_desk_and_chair();
    let err = editor
        .apply(&command(
            json!({"op": "set_property", "id": "desk", "property": "z", "value": "high"}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.bad_value");
    editor
        .apply(&Command::SetProperty {
            id: "desk".into(),
            property: Property::AllowedStates,
            value: json!({"drawer": ["open", "closed"]}),
        })
        .unwrap();
    let err = editor
        .apply(&command(
            json!({"op": "set_state", "id": "desk", "key": "drawer", "value": "ajar"}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.bad_state");
    editor
        .apply(&command(
            json!({"op": "set_state", "id": "desk", "key": "drawer", "value": "open"}),
        ))
        .unwrap();
    assert_eq!(
        editor.room().object("desk").unwrap().states["drawer"],
        "open"
    );
}

#[test]
fn undo_and_redo_walk_the_history_exactly() {
    let mut editor = editor_with_desk_and_chair();
    let start = editor.room().clone();
    editor
        .apply(&command(
            json!({"op": "move", "id": "chair", "x": 30, "y": 9}),
        ))
        .unwrap();
    let moved = editor.room().clone();
    editor
        .apply(&command(json!({"op": "remove", "id": "desk"})))
        .unwrap();
    let removed = editor.room().clone();
    assert!(editor.undo());
    assert_eq!(editor.room(), &moved);
    assert!(editor.undo());
    assert_eq!(editor.room(), &start);
    assert!(!editor.undo());
    assert!(editor.redo());
    assert!(editor.redo());
    assert_eq!(editor.room(), &removed);
    assert!(!editor.redo());
    // A new edit after undo drops the redo branch.
    editor.undo();
    editor
        .apply(&command(
            json!({"op": "move", "id": "desk", "x": 40, "y": 9}),
        ))
        .unwrap();
    assert!(!editor.can_redo());
}

#[test]
fn a_batch_applies_whole_or_not_at_all_and_undoes_as_one_step() {
    let mut editor = editor_with_desk_and_chair();
    let start = editor.room().clone();
    let nudge = |x| {
        command(json!({"op": "batch", "commands": [
            {"op": "move", "id": "desk", "x": x, "y": 3},
            {"op": "move", "id": "chair", "x": x + 10, "y": 3},
        ]}))
    };
    editor.apply(&nudge(11)).unwrap();
    assert_eq!(editor.room().object("chair").unwrap().position_x, 21);
    assert!(editor.undo());
    assert_eq!(editor.room(), &start);
    // The second move of this batch leaves the grid: the first must be rolled back.
    let err = editor.apply(&nudge(55)).unwrap_err();
    assert_eq!(err.code(), "edit.out_of_bounds");
    assert_eq!(editor.room(), &start);
}

#[test]
fn apply_theme_and_apply_template() {
    let mut editor = editor_with_desk_and_chair();
    let cozy = template("cozy").unwrap();
    editor
        .apply(&Command::ApplyTheme {
            theme: cozy.theme.clone(),
        })
        .unwrap();
    assert_eq!(editor.room().theme, cozy.theme);
    let mut bad = cozy.theme.clone();
    bad.palette.wall = "brown".into();
    assert_eq!(
        editor
            .apply(&Command::ApplyTheme { theme: bad })
            .unwrap_err()
            .code(),
        "edit.bad_value"
    );

    let id = editor.room().id.clone();
    editor
        .apply(&command(
            json!({"op": "apply_template", "template": "office"}),
        ))
        .unwrap();
    assert_eq!(editor.room().id, id, "the room keeps its identity");
    assert_eq!(editor.room().objects, template("office").unwrap().objects);
    assert!(editor.undo());
    assert_eq!(editor.room().theme, cozy.theme);
    let err = editor
        .apply(&command(
            json!({"op": "apply_template", "template": "castle"}),
        ))
        .unwrap_err();
    assert_eq!(err.code(), "edit.unknown_template");
}

#[test]
fn check_predicts_without_changing_anything() {
    let editor = editor_with_desk_and_chair();
    let ghost = command(json!({"op": "move", "id": "chair", "x": 10, "y": 3}));
    assert_eq!(
        editor.would_apply(&ghost).unwrap_err().code(),
        "edit.collision"
    );
    assert!(
        editor
            .would_apply(&command(
                json!({"op": "move", "id": "chair", "x": 30, "y": 3})
            ))
            .is_ok()
    );
    assert!(!editor.can_undo());
}

#[test]
fn history_is_bounded() {
    let mut editor = editor_with_desk_and_chair();
    for i in 0..Editor::DEFAULT_HISTORY + 20 {
        let x = 30 + (i % 2) as i32;
        editor
            .apply(&command(
                json!({"op": "move", "id": "chair", "x": x, "y": 3}),
            ))
            .unwrap();
    }
    let mut undone = 0;
    while editor.undo() {
        undone += 1;
    }
    assert_eq!(undone, Editor::DEFAULT_HISTORY);
}
