//! Exporting a room: the server's formats, which need a valid room, and the `.dmroom`
//! sharing package, which may carry work in progress.

use std::path::{Path, PathBuf};

use deskmate_diagnostics::{Diagnostic, has_errors};
use deskmate_rooms::{self as rooms, Room};
use serde::Serialize;

use super::load;
use super::sprites::gather_sprites;
use crate::ApiError;
use crate::files::write_atomic;

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

/// Exports the room. The server formats need a valid room; a package may carry work in
/// progress, so it is written with its findings.
pub fn export_room(
    path: &Path,
    format: ExportFormat,
    out: &Path,
) -> Result<ExportReport, ApiError> {
    export(&load(path)?, Some(path), format, out)
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
pub(super) fn export(
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

fn pretty(value: &serde_json::Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("JSON values serialize");
    bytes.push(b'\n');
    bytes
}
