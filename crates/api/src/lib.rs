//! The application layer of DeskMate Studio: one function per thing an owner can do.
//!
//! The `deskmate` CLI and the Tauri app both call these functions and nothing below them, so
//! the two always behave the same. Each function takes plain paths and options, composes the
//! domain crates (`deskmate-cards`, `deskmate-rooms`, `deskmate-plugins`, `deskmate-library`
//! and `deskmate-remote`), does the
//! file I/O (bounded reads, atomic writes), and returns a serde-serializable report or an
//! [`ApiError`] carrying `{code, message, hint}`.

mod app;
mod busy;
pub mod card;
mod data_dir;
mod documents;
mod error;
mod files;
pub mod known_releases;
pub mod logging;
pub mod persona;
pub mod plugins;
pub mod room;
pub mod samples;
mod saved_rooms;
pub mod servers;
mod shared_library;

pub use app::App;
pub use card::{
    CardReport, CardWriteOptions, ValidationReport, WriteReport, convert_card, inspect_card,
    repair_card, validate_card,
};
pub use data_dir::{DATA_DIR_ENV, DataDir};
pub use deskmate_cards::{AvatarSize, Format as CardFileFormat, Spec};
pub use deskmate_library::{PersonaSummary, Query as PersonaQuery, Sort as PersonaSort};
pub use deskmate_plugins::{Installed as InstalledPlugin, Target as PluginTarget};
pub use deskmate_remote::ops::{Event as OperationEvent, Outcome, StepReport, Unit};
pub use deskmate_remote::{Cancel, Finding, HostKeyPolicy, Level, Secret};
pub use deskmate_rooms::{Command as RoomCommand, Picture, Room};
pub use deskmate_stack::{Environment, ProxyKind};
pub use error::{Action, ApiError};
pub use persona::{Continue, Layout as ExpressionLayout, Personas, Progress};
pub use plugins::{InstallReport, PluginList, Plugins, RunReport};
pub use room::{
    ArtBook, ExportFormat, ExportReport, ImportReport, Placement, RenderReport, RoomReport,
    RoomSession, TemplateSummary, art_book, edit_room, export_room, import_room_package, new_room,
    read_picture, read_room_file, render_room, room_schema, room_templates, room_themes,
    template_preview, thumbnail, validate_room,
};
pub use saved_rooms::{SavedRoomSummary, SavedRooms};
pub use servers::{NewServer, Servers, SignIn};
pub use shared_library::SharedLibrary;
