//! DeskMate rooms: the `deskmate.room/1` format and everything the room editor does with it.
//!
//! A room is a grid of cells (64x16 on the DeskMate server), a theme of named colours, a spawn
//! point for the companion, and objects whose fields map 1:1 onto the server's grid objects.
//! This crate is pure: text and bytes in, rooms, diagnostics, pictures and bytes out. File
//! access lives in `deskmate-api`.
//!
//! - [`read_room`] / [`write_room`]: JSON (YAML accepted on read), within [`Limits`].
//! - [`validate`]: bounds, overlaps, duplicate ids, reachability from the spawn point,
//!   states, colours, doors — each finding a [`Diagnostic`](deskmate_diagnostics::Diagnostic)
//!   with a stable `room.*` code, the object it is about and a hint.
//! - [`Editor`]: the [`Command`]s the editor sends (add, move, resize, set property/state,
//!   apply theme/template, batch), with collision-aware placement and undo/redo.
//! - [`render_png`]: a PNG preview for the template gallery.
//! - [`template`]: the four built-in templates.
//! - [`package`] and [`export`]: `.dmroom` sharing, and the server's grid-objects and
//!   floor-plan formats.
//! - [`svg`]: owner SVG art checked to be plain drawing (no script, outside reference or
//!   entity) before a package carries it.

pub mod art;
pub mod catalogue;
mod edit;
mod error;
pub mod export;
mod labels;
mod limits;
mod model;
pub mod package;
pub mod picture;
mod placement;
mod read;
mod render;
pub mod svg;
mod templates;
mod validate;

pub use edit::{Command, EditError, Editor, Property};
pub use error::RoomError;
pub use limits::Limits;
pub use model::{
    Cell, CellSize, FORMAT, Functional, Grid, Kind, Palette, Picture, Rect, Room, RoomObject,
    Theme, is_hex_color, is_valid_id, is_valid_sprite_name,
};
pub use placement::{Occupancy, cell_at_pixel, snap};
pub use read::{read_room, write_room};
pub use render::{Preview, RenderOptions, render, render_png, texture, textures};
pub use templates::{template, template_names};
pub use validate::{object_id_of_path, object_path, validate};

/// The JSON Schema of the room format, generated from the types above; the committed copy is
/// `templates/rooms/room.schema.json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Room)).expect("a schema serializes")
}
