//! Why a plugin could not be installed, loaded or managed.
//!
//! A plugin that loads but then misbehaves while validating is not an error here: that
//! becomes a [`Diagnostic`](deskmate_diagnostics::Diagnostic) beside the document's other
//! findings (see [`crate::Failure`]), so one bad plugin never stops a validation.

use std::path::PathBuf;

use crate::failure::Failure;

pub type Result<T, E = PluginError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not a valid plugin manifest: {message}")]
    ManifestInvalid { path: PathBuf, message: String },

    #[error("the plugin is written for validator API {found}, which this version does not serve")]
    UnsupportedApi {
        found: String,
        supported: &'static [&'static str],
    },

    #[error(
        "the plugin's wasm file does not match its manifest (expected sha256 {expected}, found {actual})"
    )]
    HashMismatch { expected: String, actual: String },

    #[error("the plugin's wasm file is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },

    #[error("the plugin is not a usable validator component: {message}")]
    BadComponent { message: String },

    #[error("the plugin's own description disagrees with its manifest: {message}")]
    InfoMismatch { message: String },

    #[error("the plugin failed while describing itself: {0}")]
    Misbehaved(Failure),

    #[error("no plugin with id `{id}` is installed")]
    NotFound { id: String },

    #[error("a plugin with id `{id}` (version {version}) is already installed")]
    AlreadyInstalled { id: String, version: String },
}

impl PluginError {
    /// The stable code, `plugin.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            PluginError::Io { .. } => "plugin.io",
            PluginError::ManifestInvalid { .. } => "plugin.manifest_invalid",
            PluginError::UnsupportedApi { .. } => "plugin.unsupported_api",
            PluginError::HashMismatch { .. } => "plugin.hash_mismatch",
            PluginError::TooLarge { .. } => "plugin.too_large",
            PluginError::BadComponent { .. } => "plugin.bad_component",
            PluginError::InfoMismatch { .. } => "plugin.manifest_mismatch",
            PluginError::Misbehaved(failure) => failure.kind.code(),
            PluginError::NotFound { .. } => "plugin.not_found",
            PluginError::AlreadyInstalled { .. } => "plugin.already_installed",
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| PluginError::Io {
            action,
            path,
            source,
        }
    }
}
