//! File dialogs, shown by the app (not by the page), so what the owner picks is granted to
//! the window ([`crate::grants`]) and nothing else is.

use std::path::PathBuf;

use serde::Deserialize;

/// What the window asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialogRequest {
    pub title: String,
    #[serde(default)]
    pub kind: DialogKind,
    #[serde(default)]
    pub filters: Vec<FileFilter>,
    /// For a save dialog: the file name offered.
    pub default_name: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DialogKind {
    #[default]
    File,
    Files,
    Folder,
    Save,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FileFilter {
    pub name: String,
    pub extensions: Vec<String>,
}

/// Shows a dialog and returns what the owner picked: nothing (cancelled), one path, or
/// several for [`DialogKind::Files`]. The app shows Tauri's native dialogs; the browser
/// tests' bridge answers from a queue the test fills.
pub trait Dialogs: Send + Sync {
    fn pick(&self, request: &DialogRequest) -> Vec<PathBuf>;
}

/// Until the app has a window there is nothing to show a dialog on.
pub struct NoDialogs;

impl Dialogs for NoDialogs {
    fn pick(&self, _: &DialogRequest) -> Vec<PathBuf> {
        Vec::new()
    }
}
