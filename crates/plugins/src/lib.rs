//! WebAssembly validator plugins: the host that runs them, safely.
//!
//! Owners add their own checks for rooms and personas ("every room needs a bed") as
//! WebAssembly components that implement the `deskmate:validator` WIT world
//! (`plugins/wit/`). This crate is everything on the host side:
//!
//! - [`Manifest`]: a plugin's `plugin.toml`, checked field by field.
//! - [`Runtime`]: one shared wasmtime [`Engine`](wasmtime::Engine), compiled components
//!   cached on disk, and a fresh, locked-down sandbox for every call: no files, network,
//!   environment or clock, a deadline enforced by epoch interruption, a memory limit, and
//!   bounded output and logs. A plugin that loops, traps, hoards memory or floods its
//!   answer produces one `plugin.*` finding; the host carries on.
//! - [`Registry`]: the app's plugin folder: install (hash and API version verified, the
//!   plugin's own description compared with its manifest), list, remove, enable, disable.
//! - [`api`]: the API versions served, side by side, one module per WIT version.
//!
//! Composing plugin findings with the built-in checks is `deskmate-api`'s job.

pub mod api;
mod cache;
mod error;
mod failure;
mod limits;
mod log;
mod manifest;
mod registry;
mod runtime;
mod sandbox;

pub use api::{PluginInfo, SUPPORTED as SUPPORTED_API_VERSIONS};
pub use cache::CacheUse;
pub use error::{PluginError, Result};
pub use failure::{Failure, FailureKind};
pub use limits::Limits;
pub use log::{Log, LogLevel, LogLine, LogSource};
pub use manifest::{MANIFEST_FILE, MAX_MANIFEST_BYTES, Manifest, Target};
pub use registry::{Installed, Listing, Registry};
pub use runtime::{EPOCH_TICK, Outcome, Plugin, Runtime, sha256_hex};
