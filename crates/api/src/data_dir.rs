//! Where the app keeps its own files: plugins and their compiled cache, the library,
//! `known_hosts`, the secrets file (when there is no keychain) and logs.
//!
//! `DESKMATE_DATA_DIR` overrides the platform's data folder (tests and portable installs
//! use it); otherwise it is the OS's per-user data folder for "DeskMate Studio".

use std::path::{Path, PathBuf};

use crate::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

pub const DATA_DIR_ENV: &str = "DESKMATE_DATA_DIR";

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// `DESKMATE_DATA_DIR`, or the platform's data folder.
    pub fn from_env() -> Result<Self, ApiError> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(DataDir::new(dir));
        }
        directories::ProjectDirs::from("", "DeskMate", "DeskMate Studio")
            .map(|dirs| DataDir::new(dirs.data_dir()))
            .ok_or_else(|| {
                ApiError::new(
                    "usage.no_data_dir",
                    "could not find a folder for DeskMate Studio's data (no home folder is set)",
                    format!("set {DATA_DIR_ENV} to a folder DeskMate Studio may use"),
                )
            })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn plugins(&self) -> PathBuf {
        self.root.join("plugins")
    }

    pub fn plugin_cache(&self) -> PathBuf {
        self.root.join("cache").join("plugins")
    }

    pub fn library(&self) -> PathBuf {
        self.root.join(deskmate_library::LIBRARY_FILE)
    }

    /// The app's own pins, apart from the user's `~/.ssh/known_hosts`.
    pub fn known_hosts(&self) -> PathBuf {
        self.root.join("known_hosts")
    }

    /// Where secrets go when there is no OS keychain (0600).
    pub fn secrets_file(&self) -> PathBuf {
        self.root.join("secrets.json")
    }

    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
}
