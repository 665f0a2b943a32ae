//! The pictures of a room: the PNG preview, gallery thumbnails, the art book the editor
//! draws with, and the owner's own pictures.

use std::path::{Path, PathBuf};

use deskmate_rooms::{self as rooms, RenderOptions, Room};
use serde::Serialize;

use super::load;
use crate::ApiError;
use crate::files::write_atomic;

#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    pub output: PathBuf,
    pub width: u32,
    pub height: u32,
}

/// Draws a PNG preview of the room.
pub fn render_room(path: &Path, out: &Path, labels: bool) -> Result<RenderReport, ApiError> {
    let room = load(path)?;
    let options = RenderOptions {
        labels,
        ..RenderOptions::default()
    };
    let preview = rooms::render_png(&room, &options)?;
    write_atomic(out, &preview.png)?;
    Ok(RenderReport {
        output: out.to_path_buf(),
        width: preview.width,
        height: preview.height,
    })
}

/// Draws a template's gallery picture (PNG, without labels).
pub fn template_preview(template: &str) -> Result<Vec<u8>, ApiError> {
    thumbnail(&rooms::template(template)?)
}

/// A room's picture for a gallery or list: the whole room at half size, without labels.
pub fn thumbnail(room: &Room) -> Result<Vec<u8>, ApiError> {
    let options = RenderOptions {
        labels: false,
        max_pixels: 640 * 240,
    };
    Ok(rooms::render_png(room, &options)?.png)
}

/// Everything the editor draws objects with: the catalogue, its drawings and the floor and
/// wall textures (all unpainted; the editor paints them in the room's colours).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ArtBook {
    pub catalogue: rooms::catalogue::Catalogue,
    pub drawings: std::collections::BTreeMap<String, String>,
    pub textures: std::collections::BTreeMap<String, String>,
}

pub fn art_book() -> ArtBook {
    let owned = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(name, svg)| ((*name).to_owned(), (*svg).to_owned()))
            .collect()
    };
    ArtBook {
        catalogue: rooms::catalogue::catalogue().clone(),
        drawings: owned(rooms::catalogue::drawings()),
        textures: owned(rooms::textures()),
    }
}

/// An owner's picture file (PNG or SVG) checked and ready for `set_picture`.
pub fn read_picture(path: &Path) -> Result<(String, rooms::Picture), ApiError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("picture")
        .to_owned();
    let limit = rooms::picture::MAX_PICTURE_BYTES as u64;
    let bytes = crate::files::read_limited(path, limit, |size, limit| {
        rooms::RoomError::BadPicture {
            name: name.clone(),
            code: "picture.too_large",
            reason: format!("it is {size} bytes; the limit is {limit}"),
        }
        .into()
    })?;
    Ok((
        name.clone(),
        rooms::picture::picture_from_file(&name, &bytes)?,
    ))
}
