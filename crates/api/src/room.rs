//! Room actions: templates, new, validate, edit, render, export, package import, and the
//! editing session the app holds while the owner drags things around.
//!
//! Files are read within `deskmate-rooms`' limits and written atomically. Sprites live in a
//! `sprites/` folder beside the room file, which is where a package's sprites are unpacked
//! and where export looks for them.

mod edit_error;
mod export;
mod import;
mod pictures;
mod session;
mod sprites;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use deskmate_diagnostics::{Diagnostic, has_errors};
use deskmate_rooms::{self as rooms, Command, Editor, Limits, Room, RoomError};
use serde::Serialize;

use deskmate_plugins::Target;

use crate::documents::room_document;
use crate::files::{read_limited, write_atomic};
use crate::{ApiError, Plugins};
use edit_error::edit_error;

pub use export::{ExportFormat, ExportReport, export_room, floor_plan_for_server};
pub use import::{ImportReport, import_room_package};
pub use pictures::{
    ArtBook, RenderReport, art_book, read_picture, render_room, template_preview, thumbnail,
};
pub use session::{Placement, RoomSession};

/// A template in the gallery.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TemplateSummary {
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub theme: String,
    pub objects: usize,
}

/// The outcome of any action that reads or writes one room: where, what, and its findings.
#[derive(Debug, Clone, Serialize)]
pub struct RoomReport {
    pub path: PathBuf,
    pub id: String,
    pub name: String,
    pub objects: usize,
    pub valid: bool,
    pub diagnostics: Vec<Diagnostic>,
}

impl RoomReport {
    fn new(path: &Path, room: &Room, diagnostics: Vec<Diagnostic>) -> Self {
        RoomReport {
            path: path.to_path_buf(),
            id: room.id.clone(),
            name: room.name.clone(),
            objects: room.objects.len(),
            valid: !has_errors(&diagnostics),
            diagnostics,
        }
    }
}

/// The built-in templates, in gallery order.
pub fn room_templates() -> Result<Vec<TemplateSummary>, ApiError> {
    rooms::template_names()
        .map(|name| {
            let room = rooms::template(name)?;
            Ok(TemplateSummary {
                name,
                title: room.name,
                description: room.description,
                theme: room.theme.name,
                objects: room.objects.len(),
            })
        })
        .collect()
}

/// The built-in themes (one per template), for the editor's theme switcher.
pub fn room_themes() -> Result<Vec<rooms::Theme>, ApiError> {
    rooms::template_names()
        .map(|name| Ok(rooms::template(name)?.theme))
        .collect()
}

/// The JSON Schema of `deskmate.room/1`.
pub fn room_schema() -> serde_json::Value {
    rooms::schema()
}

/// Writes a new room made from `template` to `out`.
pub fn new_room(template: &str, out: &Path) -> Result<RoomReport, ApiError> {
    save(&rooms::template(template)?, out)
}

/// Reads and checks a room (JSON or YAML) with the built-in rules and every enabled plugin.
pub fn validate_room(path: &Path, plugins: &Plugins) -> Result<RoomReport, ApiError> {
    let room = load(path)?;
    Ok(RoomReport::new(
        path,
        &room,
        validate_with_plugins(&room, plugins),
    ))
}

/// Built-in findings first, then each plugin's, each tagged with where it came from.
fn validate_with_plugins(room: &Room, plugins: &Plugins) -> Vec<Diagnostic> {
    let mut found = rooms::validate(room);
    found.extend(plugins.validate(Target::Room, &room_document(room)));
    found
}

/// Applies `commands` in order, each as the editor would, and writes the result to `out`.
/// Nothing is written when any command is refused.
pub fn edit_room(path: &Path, commands: &[Command], out: &Path) -> Result<RoomReport, ApiError> {
    // The editor directly, not a RoomSession: findings are wanted once, at the end, not after
    // every command.
    let mut editor = Editor::new(load(path)?);
    for command in commands {
        editor.apply(command).map_err(edit_error)?;
    }
    save(editor.room(), out)
}

/// A room file, read with the room limits.
pub fn read_room_file(path: &Path) -> Result<Room, ApiError> {
    load(path)
}

fn save(room: &Room, out: &Path) -> Result<RoomReport, ApiError> {
    write_atomic(out, &rooms::write_room(room))?;
    Ok(RoomReport::new(out, room, rooms::validate(room)))
}

fn load(path: &Path) -> Result<Room, ApiError> {
    let limits = Limits::default();
    let bytes = read_limited(path, limits.max_room_bytes, too_large)?;
    Ok(rooms::read_room(&bytes, &limits)?)
}

fn too_large(size: u64, limit: u64) -> ApiError {
    RoomError::TooLarge { size, limit }.into()
}
