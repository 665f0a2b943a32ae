//! Which files the window may name.
//!
//! The window is a web page; if anything in it were ever subverted, it could ask the app to
//! read or write any file by path. So a command accepts a path only when the owner chose it:
//! in a file dialog the app itself showed (`dialog_pick`), or by dropping it on the window.
//! Everything else is refused with `ipc.path_not_chosen`. (A folder the owner chose is read
//! by the api layer from there; the window still names only the folder.)

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use deskmate_api::ApiError;

#[derive(Default)]
pub struct PathGrants {
    chosen: Mutex<HashSet<PathBuf>>,
}

impl PathGrants {
    /// The owner chose `path` (in a dialog, or by dropping it).
    pub fn grant(&self, path: &Path) {
        self.lock().insert(path.to_path_buf());
    }

    /// Ok when the owner chose `path`; the error says so plainly otherwise.
    pub fn require(&self, path: &Path) -> Result<(), ApiError> {
        if self.lock().contains(path) {
            return Ok(());
        }
        Err(ApiError::new(
            "ipc.path_not_chosen",
            format!(
                "{} was not chosen in a file dialog or dropped on the window",
                path.display()
            ),
            "choose the file again with the app's file dialog, or drop it on the window",
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<PathBuf>> {
        self.chosen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chosen_paths_pass() {
        let grants = PathGrants::default();
        let chosen = Path::new("/home/owner/cards/aria.png");
        assert_eq!(
            grants.require(chosen).unwrap_err().code,
            "ipc.path_not_chosen"
        );
        grants.grant(chosen);
        grants.require(chosen).unwrap();
        for other in [
            "/home/owner/cards/../.ssh/id_ed25519",
            "/etc/passwd",
            "/home/owner/cards",
        ] {
            assert!(grants.require(Path::new(other)).is_err(), "{other}");
        }
    }
}
