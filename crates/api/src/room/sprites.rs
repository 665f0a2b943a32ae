//! The `sprites/` folder beside a room file: where a package's sprites are unpacked and
//! where export looks for them.

use std::path::{Path, PathBuf};

use deskmate_diagnostics::Diagnostic;
use deskmate_rooms::{self as rooms, Limits, Room, package::Sprite};

use super::too_large;
use crate::ApiError;
use crate::files::read_limited;

pub(super) fn sprite_dir(room_path: &Path) -> PathBuf {
    match room_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("sprites"),
        _ => PathBuf::from("sprites"),
    }
}

/// The sprites the room names, read from `sprites/` beside it, and a warning for each one
/// that is not there.
pub(super) fn gather_sprites(
    origin: Option<&Path>,
    room: &Room,
) -> Result<(Vec<Sprite>, Vec<Diagnostic>), ApiError> {
    let limits = Limits::default();
    let mut names: Vec<&str> = room
        .objects
        .iter()
        .filter_map(|o| o.sprite_name.as_deref())
        .filter(|n| rooms::is_valid_sprite_name(n))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut sprites = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        let file = match origin {
            Some(path) => sprite_dir(path).join(name),
            None => PathBuf::from("sprites").join(name),
        };
        if origin.is_none() || !file.is_file() {
            missing.push(
                Diagnostic::warning("package.sprite_not_found", format!("{} does not exist, so it is not in the package", file.display()))
                    .hint("put the picture in the sprites folder beside the room, or clear the object's sprite"),
            );
            continue;
        }
        let bytes = read_limited(&file, limits.max_sprite_bytes, too_large)?;
        let sprite = Sprite {
            name: name.to_string(),
            bytes,
        };
        rooms::package::check_sprite(&sprite, limits.max_sprite_bytes)?;
        sprites.push(sprite);
    }
    Ok((sprites, missing))
}
