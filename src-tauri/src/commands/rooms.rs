//! The room page: templates, the editor (every edit is a room-engine command), saved rooms.

use std::path::PathBuf;

use deskmate_api::{
    ExportFormat, RoomCommand, RoomSession, art_book, import_room_package, read_picture,
    room_templates, room_themes, template_preview,
};
use deskmate_diagnostics::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Handler, Reply, args, data_url, reply};
use crate::studio::lock;
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("room_templates", templates),
    ("room_template_preview", preview),
    ("room_themes", themes),
    ("room_new", new),
    ("room_open_saved", open_saved),
    ("room_import", import),
    ("room_saved", saved),
    ("room_apply", apply),
    ("room_probe", probe),
    ("room_undo", undo),
    ("room_redo", redo),
    ("room_save", save),
    ("room_export", export),
    ("room_close", close),
    ("room_art", art),
    ("room_picture_read", picture_read),
    ("room_saved_thumbnail", saved_thumbnail),
    ("room_saved_rename", saved_rename),
    ("room_saved_duplicate", saved_duplicate),
    ("room_saved_delete", saved_delete),
];

/// What the editor shows after every change: the whole room and its findings.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Editing<'a> {
    session: u64,
    room: &'a deskmate_api::Room,
    diagnostics: Vec<Diagnostic>,
    can_undo: bool,
    can_redo: bool,
}

fn editing(id: u64, session: &RoomSession, diagnostics: Vec<Diagnostic>) -> Reply {
    reply(Editing {
        session: id,
        room: session.room(),
        diagnostics,
        can_undo: session.can_undo(),
        can_redo: session.can_redo(),
    })
}

fn open_session(studio: &Studio, session: RoomSession) -> Reply {
    let diagnostics = session.diagnostics();
    let mut rooms = lock(&studio.rooms);
    let id = rooms.insert(session);
    editing(id, rooms.get(id)?, diagnostics)
}

fn templates(_: &Studio, _: Value, _: &Task) -> Reply {
    reply(room_templates()?)
}

fn themes(_: &Studio, _: Value, _: &Task) -> Reply {
    reply(room_themes()?)
}

#[derive(Deserialize)]
struct Template {
    template: String,
}

fn preview(_: &Studio, value: Value, _: &Task) -> Reply {
    let Template { template } = args(value)?;
    Ok(json!({ "png": data_url("png", &template_preview(&template)?) }))
}

fn new(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Template { template } = args(value)?;
    open_session(
        studio,
        RoomSession::from_template(&template, studio.app.plugins.clone())?,
    )
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

fn open_saved(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Named { name } = args(value)?;
    let room = studio.app.saved_rooms.load(&name)?;
    open_session(studio, RoomSession::new(room, studio.app.plugins.clone()))
}

#[derive(Deserialize)]
struct FilePath {
    path: PathBuf,
}

/// Opens a room file (JSON or YAML) or a `.dmroom` package. A package's sprites are unpacked
/// beside it, into a folder named after it, so the room's sprite names resolve.
fn import(studio: &Studio, value: Value, _: &Task) -> Reply {
    let FilePath { path } = args(value)?;
    studio.grants().require(&path)?;
    let is_package = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dmroom"));
    let session = if is_package {
        let folder = path.with_extension("room");
        let out = folder.join("room.json");
        import_room_package(&path, &out)?;
        RoomSession::open(&out, studio.app.plugins.clone())?
    } else {
        RoomSession::open(&path, studio.app.plugins.clone())?
    };
    open_session(studio, session)
}

fn saved(studio: &Studio, _: Value, _: &Task) -> Reply {
    reply(studio.app.saved_rooms.list()?)
}

/// The catalogue and its drawings: asked for once when the room page opens.
fn art(_: &Studio, _: Value, _: &Task) -> Reply {
    reply(art_book())
}

/// An owner's picture file, checked; the editor then sends it in a `set_picture` command,
/// so adding it can be undone like any edit.
fn picture_read(studio: &Studio, value: Value, _: &Task) -> Reply {
    let FilePath { path } = args(value)?;
    studio.grants().require(&path)?;
    let (name, picture) = read_picture(&path)?;
    Ok(json!({ "name": name, "picture": picture }))
}

fn saved_thumbnail(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Named { name } = args(value)?;
    Ok(json!({ "png": data_url("png", &studio.app.saved_rooms.thumbnail(&name)?) }))
}

#[derive(Deserialize)]
struct Renamed {
    name: String,
    new_name: String,
}

fn saved_rename(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Renamed { name, new_name } = args(value)?;
    studio.app.saved_rooms.rename(&name, &new_name)?;
    reply(studio.app.saved_rooms.list()?)
}

fn saved_duplicate(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Renamed { name, new_name } = args(value)?;
    studio.app.saved_rooms.duplicate(&name, &new_name)?;
    reply(studio.app.saved_rooms.list()?)
}

fn saved_delete(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Named { name } = args(value)?;
    studio.app.saved_rooms.delete(&name)?;
    reply(studio.app.saved_rooms.list()?)
}

#[derive(Deserialize)]
struct Session {
    session: u64,
}

#[derive(Deserialize)]
struct Edit {
    session: u64,
    command: RoomCommand,
}

fn apply(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Edit { session, command } = args(value)?;
    let mut rooms = lock(&studio.rooms);
    let open = rooms.get(session)?;
    let diagnostics = open.apply(&command)?;
    editing(session, open, diagnostics)
}

/// The drag ghost asks this on every throttled pointer move: would the drop apply, and if
/// not, what is in the way and where it would fit.
fn probe(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Edit { session, command } = args(value)?;
    let mut rooms = lock(&studio.rooms);
    reply(rooms.get(session)?.probe(&command))
}

fn undo(studio: &Studio, value: Value, _: &Task) -> Reply {
    step(studio, value, RoomSession::undo)
}

fn redo(studio: &Studio, value: Value, _: &Task) -> Reply {
    step(studio, value, RoomSession::redo)
}

fn step(studio: &Studio, value: Value, step: fn(&mut RoomSession) -> bool) -> Reply {
    let Session { session } = args(value)?;
    let mut rooms = lock(&studio.rooms);
    let open = rooms.get(session)?;
    step(open);
    let diagnostics = open.diagnostics();
    editing(session, open, diagnostics)
}

#[derive(Deserialize)]
struct Save {
    session: u64,
    name: String,
}

/// Saves the open room in the library under `name`. A new name renames the room itself (one
/// undoable step), so reopening it, saving it again and exporting it all keep that name.
fn save(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Save { session, name } = args(value)?;
    let name = name.trim().to_string();
    let mut rooms = lock(&studio.rooms);
    let open = rooms.get(session)?;
    if open.room().name != name {
        open.apply(&RoomCommand::RenameRoom { name: name.clone() })?;
    }
    studio.app.saved_rooms.save(&name, open.room())?;
    let diagnostics = open.diagnostics();
    editing(session, open, diagnostics)
}

#[derive(Deserialize)]
struct Export {
    session: u64,
    path: PathBuf,
    format: ExportTarget,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ExportTarget {
    /// A `.room.json` file, as `deskmate room` reads.
    Room,
    GridObjects,
    FloorPlan,
    Package,
}

/// Writes the open room as a room file, a `.dmroom` package or a server format.
fn export(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Export {
        session,
        path,
        format,
    } = args(value)?;
    studio.grants().require(&path)?;
    let mut rooms = lock(&studio.rooms);
    let open = rooms.get(session)?;
    let format = match format {
        ExportTarget::Room => return reply(open.save(&path)?),
        ExportTarget::GridObjects => ExportFormat::GridObjects,
        ExportTarget::FloorPlan => ExportFormat::FloorPlan,
        ExportTarget::Package => ExportFormat::Package,
    };
    reply(open.export(format, &path)?)
}

fn close(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Session { session } = args(value)?;
    lock(&studio.rooms).close(session);
    Ok(Value::Null)
}
