//! Room actions: templates, new, validate, edit, render, export, package import, and the
//! editing session the app holds while the owner drags things around.
//!
//! Files are read within `deskmate-rooms`' limits and written atomically. Sprites live in a
//! `sprites/` folder beside the room file, which is where a package's sprites are unpacked
//! and where export looks for them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use deskmate_diagnostics::{Diagnostic, has_errors};
use deskmate_rooms::{
    self as rooms, Command, Editor, Limits, RenderOptions, Room, RoomError, package::Sprite,
};
use serde::Serialize;

use deskmate_plugins::Target;

use crate::documents::room_document;
use crate::files::{join_inside, read_limited, write_atomic};
use crate::{ApiError, Plugins};

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

#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    pub output: PathBuf,
    pub width: u32,
    pub height: u32,
}

/// The server formats and the sharing package a room can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// Request bodies for the server's `POST /room/objects`.
    GridObjects,
    /// The server's floor-plan template file.
    FloorPlan,
    /// A `.dmroom` package with the sprites.
    Package,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub output: PathBuf,
    pub format: ExportFormat,
    pub objects: usize,
    pub sprites: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    #[serde(flatten)]
    pub room: RoomReport,
    /// Sprite files written beside the room.
    pub sprites: Vec<PathBuf>,
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

/// Draws a PNG preview of the room.
pub fn render_room(path: &Path, out: &Path, labels: bool) -> Result<RenderReport, ApiError> {
    let room = load(path)?;
    let options = RenderOptions {
        labels,
        ..RenderOptions::default()
    };
    let preview = rooms::render_png(&room, &options)?;
    write_atomic(out, &preview.png)?;
    Ok(RenderReport {
        output: out.to_path_buf(),
        width: preview.width,
        height: preview.height,
    })
}

/// Exports the room. The server formats need a valid room; a package may carry work in
/// progress, so it is written with its findings.
pub fn export_room(
    path: &Path,
    format: ExportFormat,
    out: &Path,
) -> Result<ExportReport, ApiError> {
    export(&load(path)?, Some(path), format, out)
}

/// A room file, read with the room limits.
pub fn read_room_file(path: &Path) -> Result<Room, ApiError> {
    load(path)
}

/// The room as the server's floor-plan file, refused when its validation finds errors the
/// server would trip over.
pub fn floor_plan_for_server(room: &Room) -> Result<serde_json::Value, ApiError> {
    if has_errors(&rooms::validate(room)) {
        return Err(ApiError::new(
            "room.invalid",
            format!("{} has problems the server would trip over", room.name),
            "fix the errors its validation lists, then publish again",
        )
        .with_action(crate::error::Action::ValidateRoom));
    }
    Ok(rooms::export::floor_plan(room))
}

/// `origin` is the room file the room came from, if any: a package takes its sprites from the
/// `sprites/` folder beside it.
fn export(
    room: &Room,
    origin: Option<&Path>,
    format: ExportFormat,
    out: &Path,
) -> Result<ExportReport, ApiError> {
    let mut diagnostics = rooms::validate(room);
    let mut sprite_names = Vec::new();
    let bytes = match format {
        ExportFormat::Package => {
            let (sprites, missing) = gather_sprites(origin, room)?;
            diagnostics.extend(missing);
            sprite_names = sprites.iter().map(|s| s.name.clone()).collect();
            rooms::package::pack(room, &sprites)?
        }
        _ if has_errors(&diagnostics) => {
            return Err(ApiError::new(
                "room.invalid",
                format!("{} has problems the server would trip over", room.name),
                "fix the errors its validation lists, then export again",
            )
            .with_action(crate::error::Action::ValidateRoom));
        }
        ExportFormat::GridObjects => pretty(&rooms::export::grid_objects(room)),
        ExportFormat::FloorPlan => pretty(&rooms::export::floor_plan(room)),
    };
    write_atomic(out, &bytes)?;
    Ok(ExportReport {
        output: out.to_path_buf(),
        format,
        objects: room.objects.len(),
        sprites: sprite_names,
        diagnostics,
    })
}

/// Unpacks a `.dmroom` package: its sprites into `sprites/` beside `out`, then the room to
/// `out`, last, so a room file never points at sprites that are not there yet.
pub fn import_room_package(package: &Path, out: &Path) -> Result<ImportReport, ApiError> {
    let limits = Limits::default();
    let bytes = read_limited(package, limits.max_package_bytes, too_large)?;
    let unpacked = rooms::package::unpack(&bytes, &limits)?;
    if let Some(folder) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| ApiError::io("io.write_failed", folder, &e))?;
    }
    let sprite_dir = sprite_dir(out);
    let mut written = Vec::new();
    if !unpacked.sprites.is_empty() {
        std::fs::create_dir_all(&sprite_dir)
            .map_err(|e| ApiError::io("io.write_failed", &sprite_dir, &e))?;
    }
    for sprite in &unpacked.sprites {
        let target = join_inside(&sprite_dir, &sprite.name)?;
        match std::fs::read(&target) {
            Ok(existing) if existing == sprite.bytes => {}
            Ok(_) => {
                return Err(ApiError::new(
                    "io.would_overwrite",
                    format!("{} already exists with different content", target.display()),
                    "import into another folder, or move that sprite away first",
                ));
            }
            Err(_) => write_atomic(&target, &sprite.bytes)?,
        }
        written.push(target);
    }
    write_atomic(out, &rooms::write_room(&unpacked.room))?;
    let mut diagnostics = unpacked.diagnostics;
    diagnostics.extend(rooms::validate(&unpacked.room));
    Ok(ImportReport {
        room: RoomReport::new(out, &unpacked.room, diagnostics),
        sprites: written,
    })
}

/// What a command would do to the room, asked while dragging.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Placement {
    /// Why the command would be refused; `None` when it would apply.
    pub refused: Option<ApiError>,
    /// Ids of the objects in the way.
    pub conflicts: Vec<String>,
    pub nearest_free: Option<rooms::Cell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub diagnostics: Option<Vec<Diagnostic>>,
}

/// Draws a template's gallery picture (PNG, without labels).
pub fn template_preview(template: &str) -> Result<Vec<u8>, ApiError> {
    thumbnail(&rooms::template(template)?)
}

/// A room's picture for a gallery or list: the whole room at half size, without labels.
pub fn thumbnail(room: &Room) -> Result<Vec<u8>, ApiError> {
    let options = RenderOptions {
        labels: false,
        max_pixels: 640 * 240,
    };
    Ok(rooms::render_png(room, &options)?.png)
}

/// Everything the editor draws objects with: the catalogue, its drawings and the floor and
/// wall textures (all unpainted; the editor paints them in the room's colours).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ArtBook {
    pub catalogue: rooms::catalogue::Catalogue,
    pub drawings: std::collections::BTreeMap<String, String>,
    pub textures: std::collections::BTreeMap<String, String>,
}

pub fn art_book() -> ArtBook {
    let owned = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(name, svg)| ((*name).to_owned(), (*svg).to_owned()))
            .collect()
    };
    ArtBook {
        catalogue: rooms::catalogue::catalogue().clone(),
        drawings: owned(rooms::catalogue::drawings()),
        textures: owned(rooms::textures()),
    }
}

/// An owner's picture file (PNG or SVG) checked and ready for `set_picture`.
pub fn read_picture(path: &Path) -> Result<(String, rooms::Picture), ApiError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("picture")
        .to_owned();
    let limit = rooms::picture::MAX_PICTURE_BYTES as u64;
    let bytes = crate::files::read_limited(path, limit, |size, limit| {
        rooms::RoomError::BadPicture {
            name: name.clone(),
            code: "picture.too_large",
            reason: format!("it is {size} bytes; the limit is {limit}"),
        }
        .into()
    })?;
    Ok((
        name.clone(),
        rooms::picture::picture_from_file(&name, &bytes)?,
    ))
}

/// A room open in the editor: every change goes through the room engine's commands, and each
/// returns the room's findings so the validation panel stays current.
pub struct RoomSession {
    editor: Editor,
    plugins: Arc<Plugins>,
    /// The file the room was opened from, where its sprites are looked for.
    origin: Option<PathBuf>,
}

impl RoomSession {
    pub fn open(path: &Path, plugins: Arc<Plugins>) -> Result<Self, ApiError> {
        Ok(RoomSession {
            origin: Some(path.to_path_buf()),
            ..RoomSession::new(load(path)?, plugins)
        })
    }

    pub fn new(room: Room, plugins: Arc<Plugins>) -> Self {
        RoomSession {
            editor: Editor::new(room),
            plugins,
            origin: None,
        }
    }

    /// Starts a room from a built-in template.
    pub fn from_template(template: &str, plugins: Arc<Plugins>) -> Result<Self, ApiError> {
        Ok(RoomSession::new(rooms::template(template)?, plugins))
    }

    pub fn room(&self) -> &Room {
        self.editor.room()
    }

    /// Built-in and plugin findings; the validation panel calls this while dragging.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        validate_with_plugins(self.editor.room(), &self.plugins)
    }

    /// Applies one command; a refusal leaves the room as it was.
    pub fn apply(&mut self, command: &Command) -> Result<Vec<Diagnostic>, ApiError> {
        self.editor.apply(command).map_err(edit_error)?;
        Ok(self.diagnostics())
    }

    /// Whether `command` would apply (the drag ghost), without changing anything.
    pub fn would_apply(&self, command: &Command) -> Result<(), ApiError> {
        self.editor.would_apply(command).map_err(edit_error)
    }

    /// [`RoomSession::would_apply`] for the drag ghost: a refusal is an answer here, not an error,
    /// and carries what the object would hit and the nearest spot where it fits.
    /// When the command would apply, `diagnostics` are the findings of the room after it, so
    /// the validation panel can follow the drag.
    pub fn probe(&self, command: &Command) -> Placement {
        let mut trial = Editor::new(self.editor.room().clone());
        match trial.apply(command) {
            Ok(()) => Placement {
                diagnostics: Some(validate_with_plugins(trial.room(), &self.plugins)),
                ..Placement::default()
            },
            Err(err) => Placement {
                conflicts: match &err {
                    rooms::EditError::Collision { conflicts, .. } => conflicts.clone(),
                    _ => Vec::new(),
                },
                nearest_free: err.nearest_free(),
                refused: Some(edit_error(err)),
                diagnostics: None,
            },
        }
    }

    pub fn can_undo(&self) -> bool {
        self.editor.can_undo()
    }

    pub fn can_redo(&self) -> bool {
        self.editor.can_redo()
    }

    pub fn undo(&mut self) -> bool {
        self.editor.undo()
    }

    pub fn redo(&mut self) -> bool {
        self.editor.redo()
    }

    pub fn save(&self, out: &Path) -> Result<RoomReport, ApiError> {
        save(self.editor.room(), out)
    }

    pub fn export(&self, format: ExportFormat, out: &Path) -> Result<ExportReport, ApiError> {
        export(self.editor.room(), self.origin.as_deref(), format, out)
    }
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

fn pretty(value: &serde_json::Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("JSON values serialize");
    bytes.push(b'\n');
    bytes
}

fn sprite_dir(room_path: &Path) -> PathBuf {
    match room_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("sprites"),
        _ => PathBuf::from("sprites"),
    }
}

/// The sprites the room names, read from `sprites/` beside it, and a warning for each one
/// that is not there.
fn gather_sprites(
    origin: Option<&Path>,
    room: &Room,
) -> Result<(Vec<Sprite>, Vec<Diagnostic>), ApiError> {
    let limits = Limits::default();
    let mut names: Vec<&str> = room
        .objects
        .iter()
        .filter_map(|o| o.sprite_name.as_deref())
        .filter(|n| rooms::is_valid_sprite_name(n))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut sprites = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        let file = match origin {
            Some(path) => sprite_dir(path).join(name),
            None => PathBuf::from("sprites").join(name),
        };
        if origin.is_none() || !file.is_file() {
            missing.push(
                Diagnostic::warning("package.sprite_not_found", format!("{} does not exist, so it is not in the package", file.display()))
                    .hint("put the picture in the sprites folder beside the room, or clear the object's sprite"),
            );
            continue;
        }
        let bytes = read_limited(&file, limits.max_sprite_bytes, too_large)?;
        let sprite = Sprite {
            name: name.to_string(),
            bytes,
        };
        rooms::package::check_sprite(&sprite, limits.max_sprite_bytes)?;
        sprites.push(sprite);
    }
    Ok((sprites, missing))
}

fn edit_error(err: rooms::EditError) -> ApiError {
    let hint = match (&err, err.nearest_free()) {
        (_, Some(_)) => "move it to the free spot the editor offers, or make room first".into(),
        (rooms::EditError::Collision { .. } | rooms::EditError::OutOfBounds { .. }, None) => {
            "there is no free spot of that size; make room or make the object smaller".into()
        }
        (rooms::EditError::UnknownObject { .. }, _) => {
            "check the object's id in the room file".into()
        }
        (rooms::EditError::DuplicateId { .. } | rooms::EditError::BadId { .. }, _) => {
            "use a new id of letters, digits, `_` or `-`".into()
        }
        (rooms::EditError::BadState { .. }, _) => {
            "pick one of the allowed values, or change the allowed values first".into()
        }
        (rooms::EditError::BadValue { .. }, _) => "check the value's type".into(),
        (rooms::EditError::BadPicture { .. }, _) => {
            "use a PNG (at most 2048 pixels a side) or a plain SVG, under 512 KiB".into()
        }
        (rooms::EditError::UnknownTemplate { .. }, _) => {
            format!(
                "pick one of: {}",
                rooms::template_names().collect::<Vec<_>>().join(", ")
            )
        }
    };
    // The refusal carries its data, so the editor can offer the free spot without asking again.
    let mut api = ApiError::new(err.code(), err.to_string(), hint);
    if let Some(cell) = err.nearest_free() {
        api = api
            .with_detail("nearest_x", cell.x.to_string())
            .with_detail("nearest_y", cell.y.to_string());
    }
    if let rooms::EditError::Collision { conflicts, .. } = &err {
        api = api.with_detail("conflicts", conflicts.join(","));
    }
    api
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> (tempfile::TempDir, PathBuf, RoomSession) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("room.json");
        new_room("office", &path).unwrap();
        let session =
            RoomSession::open(&path, std::sync::Arc::new(Plugins::none().unwrap())).unwrap();
        (dir, path, session)
    }

    fn command(json: &str) -> Command {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_session_edits_reports_findings_undoes_and_saves() {
        let (_dir, path, mut session) = session();
        // Each apply returns the room's current findings, for the validation panel.
        let findings = session
            .apply(&command(
                r#"{"op":"move","id":"lounge_sofa","x":40,"y":11}"#,
            ))
            .unwrap();
        assert!(findings.is_empty(), "{findings:?}");
        let findings = session
            .apply(&command(r#"{"op":"remove","id":"office_door"}"#))
            .unwrap();
        assert_eq!(findings[0].code, "room.no_door");
        assert!(session.undo());
        assert!(session.diagnostics().is_empty());

        let err = session
            .apply(&command(r#"{"op":"move","id":"chair_1","x":2,"y":3}"#))
            .unwrap_err();
        assert_eq!(err.code, "edit.collision");
        assert!(
            err.message.contains("the nearest free spot is"),
            "{}",
            err.message
        );
        assert!(err.details.contains_key("nearest_x"), "{:?}", err.details);
        assert!(
            session
                .would_apply(&command(r#"{"op":"move","id":"chair_1","x":2,"y":3}"#))
                .is_err()
        );

        let report = session.save(&path).unwrap();
        assert!(report.valid);
        let saved =
            RoomSession::open(&path, std::sync::Arc::new(Plugins::none().unwrap())).unwrap();
        assert_eq!(saved.room(), session.room());
        assert_eq!(saved.room().object("lounge_sofa").unwrap().position_y, 11);
    }

    #[test]
    fn room_errors_carry_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.json");
        std::fs::write(&path, r#"{"spec":"chara_card_v3","data":{}}"#).unwrap();
        let err = validate_room(&path, &Plugins::none().unwrap()).unwrap_err();
        assert_eq!(err.code, "room.unsupported_format");
        assert!(err.hint.contains("from a template"), "{}", err.hint);
        assert_eq!(err.action(), Some(crate::Action::NewRoom));
        let err = new_room("castle", &dir.path().join("x.json")).unwrap_err();
        assert_eq!(err.code, "room.unknown_template");
        assert!(!dir.path().join("x.json").exists());
    }
}
