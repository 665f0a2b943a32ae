//! The editing session the app holds while the owner drags things around.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use deskmate_diagnostics::Diagnostic;
use deskmate_rooms::{self as rooms, Command, Editor, Room};
use serde::Serialize;

use super::edit_error::edit_error;
use super::export::{ExportFormat, ExportReport, export};
use super::{RoomReport, load, save, validate_with_plugins};
use crate::{ApiError, Plugins};

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
