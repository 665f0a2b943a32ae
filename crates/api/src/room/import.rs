//! Unpacking a `.dmroom` package into a room file and the sprites beside it.

use std::path::{Path, PathBuf};

use deskmate_rooms::{self as rooms, Limits};
use serde::Serialize;

use super::sprites::sprite_dir;
use super::{RoomReport, too_large};
use crate::ApiError;
use crate::files::{join_inside, read_limited, write_atomic};

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    #[serde(flatten)]
    pub room: RoomReport,
    /// Sprite files written beside the room.
    pub sprites: Vec<PathBuf>,
}

/// Unpacks a `.dmroom` package: its sprites into `sprites/` beside `out`, then the room to
/// `out`, last, so a room file never points at sprites that are not there yet.
pub fn import_room_package(package: &Path, out: &Path) -> Result<ImportReport, ApiError> {
    let limits = Limits::default();
    let bytes = read_limited(package, limits.max_package_bytes, too_large)?;
    let unpacked = rooms::package::unpack(&bytes, &limits)?;
    if let Some(folder) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| ApiError::io("io.write_failed", folder, &e))?;
    }
    let sprite_dir = sprite_dir(out);
    let mut written = Vec::new();
    if !unpacked.sprites.is_empty() {
        std::fs::create_dir_all(&sprite_dir)
            .map_err(|e| ApiError::io("io.write_failed", &sprite_dir, &e))?;
    }
    for sprite in &unpacked.sprites {
        let target = join_inside(&sprite_dir, &sprite.name)?;
        match std::fs::read(&target) {
            Ok(existing) if existing == sprite.bytes => {}
            Ok(_) => {
                return Err(ApiError::new(
                    "io.would_overwrite",
                    format!("{} already exists with different content", target.display()),
                    "import into another folder, or move that sprite away first",
                ));
            }
            Err(_) => write_atomic(&target, &sprite.bytes)?,
        }
        written.push(target);
    }
    write_atomic(out, &rooms::write_room(&unpacked.room))?;
    let mut diagnostics = unpacked.diagnostics;
    diagnostics.extend(rooms::validate(&unpacked.room));
    Ok(ImportReport {
        room: RoomReport::new(out, &unpacked.room, diagnostics),
        sprites: written,
    })
}
