//! The pictures of what this computer last published to each server: the room as rendered
//! and the persona's portrait, kept in the data folder (`published/<server>/`) so the home
//! page can show the companion's room and face without asking the server for them.
//!
//! A picture is named by the kind and the published name, which the publish already checked
//! as plain (`publish::check_name`); a name that is not plain is never made into a path.

use std::path::PathBuf;

use deskmate_remote::publish::check_name;

use super::Servers;
use crate::files::write_atomic;

/// What a picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Room,
    Persona,
}

impl Servers {
    fn picture_path(&self, server: &str, shown: Shown, name: &str) -> Option<PathBuf> {
        check_name(server).ok()?;
        check_name(name).ok()?;
        let kind = match shown {
            Shown::Room => "room",
            Shown::Persona => "persona",
        };
        Some(
            self.published
                .join(server)
                .join(format!("{kind}-{name}.png")),
        )
    }

    /// Keeps `png` as the picture of `name`. A picture is a convenience: failing to keep one
    /// is logged, never an error of the publish it follows.
    pub(super) fn keep_picture(&self, server: &str, shown: Shown, name: &str, png: &[u8]) {
        let Some(path) = self.picture_path(server, shown, name) else {
            return;
        };
        let made = path
            .parent()
            .map(std::fs::create_dir_all)
            .transpose()
            .map_err(|e| e.to_string())
            .and_then(|_| write_atomic(&path, png).map_err(|e| e.message));
        if let Err(message) = made {
            tracing::warn!("could not keep the published picture: {message}");
        }
    }

    /// The picture kept for `name`, if this computer published it.
    pub fn published_picture(&self, server: &str, shown: Shown, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.picture_path(server, shown, name)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DataDir;

    #[test]
    fn a_kept_picture_is_read_back_and_a_name_that_is_not_plain_never_becomes_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let servers = Servers::open(&DataDir::new(dir.path())).unwrap();
        servers.keep_picture("home", Shown::Room, "cozy_cabin", b"png");
        assert_eq!(
            servers.published_picture("home", Shown::Room, "cozy_cabin"),
            Some(b"png".to_vec())
        );
        assert_eq!(
            servers.published_picture("home", Shown::Persona, "cozy_cabin"),
            None
        );
        for bad in ["../x", "a/b", "", ".hidden"] {
            servers.keep_picture("home", Shown::Room, bad, b"png");
            assert_eq!(servers.published_picture("home", Shown::Room, bad), None);
            servers.keep_picture(bad, Shown::Room, "x", b"png");
        }
        assert!(!dir.path().join("x").exists());
        assert_eq!(
            std::fs::read_dir(dir.path().join("published"))
                .unwrap()
                .count(),
            1,
            "only the plain server's folder was made"
        );
    }
}
