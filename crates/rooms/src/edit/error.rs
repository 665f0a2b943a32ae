//! Why a command was refused, with a stable code for each reason.

use crate::model::Cell;

/// Why a command was refused. Codes are stable (`edit.*`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("there is no object `{id}` in the room")]
    UnknownObject { id: String },
    /// `said` names the objects as the owner knows them ("the Cat Bed would overlap the
    /// Window Seat"), and where the free spot is; ids and cells are in the other fields.
    #[error("{said}")]
    Collision {
        id: String,
        conflicts: Vec<String>,
        nearest_free: Option<Cell>,
        said: String,
    },
    #[error("{said}")]
    OutOfBounds {
        id: String,
        nearest_free: Option<Cell>,
        said: String,
    },
    #[error("an object with the id `{id}` already exists")]
    DuplicateId { id: String },
    #[error("`{id}` is not a usable id (1 to 64 letters, digits, `_` or `-`)")]
    BadId { id: String },
    #[error("`{value}` is not an allowed value of `{key}` (allowed: {})", allowed.join(", "))]
    BadState {
        key: String,
        value: String,
        allowed: Vec<String>,
    },
    #[error("{message}")]
    BadValue { message: String },
    #[error("there is no room template called `{name}`")]
    UnknownTemplate { name: String },
    /// An owner picture that failed its check; `code` is the `picture.*` or `svg.*` reason.
    #[error("{message}")]
    BadPicture { code: &'static str, message: String },
}

impl EditError {
    pub fn code(&self) -> &'static str {
        use EditError::*;
        match self {
            UnknownObject { .. } => "edit.unknown_object",
            Collision { .. } => "edit.collision",
            OutOfBounds { .. } => "edit.out_of_bounds",
            DuplicateId { .. } => "edit.duplicate_id",
            BadId { .. } => "edit.bad_id",
            BadState { .. } => "edit.bad_state",
            BadValue { .. } => "edit.bad_value",
            UnknownTemplate { .. } => "edit.unknown_template",
            BadPicture { code, .. } => code,
        }
    }

    /// Where the object would fit instead, for the editor to offer.
    pub fn nearest_free(&self) -> Option<Cell> {
        match self {
            EditError::Collision { nearest_free, .. }
            | EditError::OutOfBounds { nearest_free, .. } => *nearest_free,
            _ => None,
        }
    }
}
