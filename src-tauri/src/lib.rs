//! DeskMate Studio, the desktop app: a thin Tauri shell over `deskmate-api`.
//!
//! The window calls commands by name (`room_apply`, `persona_import`, …). Each area has one
//! module under [`commands`] whose handlers parse the arguments, call one `deskmate-api`
//! function and return its report as JSON; errors cross as `{code, message, hint}`. The same
//! table of handlers serves two front doors:
//!
//! - [`app::run`], the Tauri app, where every command must also be granted by a capability in
//!   `capabilities/` (the ACL manifest is declared in `build.rs`);
//! - `studio-bridge` (the `deskmate-studio-bridge` crate beside this one, so the app's package
//!   never ships it), which serves the table over loopback HTTP so the browser tests drive the
//!   real application layer behind a mocked `@tauri-apps/api`.
//!
//! [`Studio`] is the app state Tauri manages: the api's [`deskmate_api::App`], the open
//! rooms, the running tasks, and the paths the owner chose ([`grants`]) in the app's own
//! file dialogs ([`dialogs`]) or by dropping files on the window, and how desktop
//! notifications are shown ([`notifications`]).

pub mod app;
pub mod commands;
pub mod dialogs;
pub mod grants;
pub mod notifications;
mod studio;
mod tasks;

pub use studio::Studio;
pub use tasks::Task;
