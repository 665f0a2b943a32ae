//! The commands an edit is made of, and the object fields they can set.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{RoomObject, Theme};

/// One change to a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Place a new object.
    Add { object: RoomObject },
    /// Take an object out of the room.
    Remove { id: String },
    /// Move an object; `x`/`y` are cells and may be fractional (a pointer position), they snap
    /// to the nearest cell.
    Move { id: String, x: f64, y: f64 },
    /// Change an object's size in cells (snapped like a move).
    Resize { id: String, width: f64, height: f64 },
    /// Set one field of an object.
    SetProperty {
        id: String,
        property: Property,
        value: Value,
    },
    /// Set (or with `value: null`, clear) one state of an object.
    SetState {
        id: String,
        key: String,
        value: Option<String>,
    },
    /// Replace the room's colours.
    ApplyTheme { theme: Theme },
    /// Start over from a built-in template, keeping the room's id, name and description.
    ApplyTemplate { template: String },
    /// Give the room another name (what the library lists and every export carries).
    RenameRoom { name: String },
    /// Draws object `id` with the owner's own picture, kept in the room as `name`
    /// (checked like every picture); `null` goes back to the catalogue drawing.
    SetPicture {
        id: String,
        name: String,
        picture: Option<crate::model::Picture>,
    },
    /// Several commands as one step (e.g. moving a multi-selection): all apply, or none.
    Batch { commands: Vec<Command> },
}

/// The object fields [`Command::SetProperty`] can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    Id,
    Name,
    Description,
    Kind,
    ObjectType,
    IsSolid,
    IsInteractive,
    IsMovable,
    SpriteName,
    /// The catalogue item it is drawn as.
    Art,
    ColorScheme,
    AllowedStates,
    Z,
    Behavior,
    Material,
}
