//! `.dmroom` packages: a zip with `room.json` and the sprites it names under `sprites/`.
//!
//! Import is defensive: names that climb out of the package (`..`, absolute, drive letters),
//! encrypted entries, too many entries, too many bytes or a suspicious compression ratio
//! refuse the whole package; sprites must be real PNG, WebP, GIF or JPEG images, or plain SVG
//! drawings (checked by [`crate::svg`]), with plain file names. Entries the format does not
//! define are skipped with a warning.

use std::io::{Cursor, Read, Write};

use deskmate_diagnostics::Diagnostic;
use zip::write::SimpleFileOptions;

use crate::model::is_valid_sprite_name;
use crate::{Limits, Room, RoomError, read_room, write_room};

const ROOM_ENTRY: &str = "room.json";
const SPRITE_DIR: &str = "sprites/";
/// The catalogue drawings the room uses, so it looks the same where the catalogue differs.
const ART_DIR: &str = "art/";

/// A sprite image carried in a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sprite {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a package holds once unpacked.
#[derive(Debug)]
pub struct Package {
    pub room: Room,
    pub sprites: Vec<Sprite>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds a package from a room and the sprites it uses.
pub fn pack(room: &Room, sprites: &[Sprite]) -> Result<Vec<u8>, RoomError> {
    let fail = |e: &dyn std::fmt::Display| RoomError::PackageBadZip {
        reason: e.to_string(),
    };
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(ROOM_ENTRY, deflated).map_err(|e| fail(&e))?;
    zip.write_all(&write_room(room)).map_err(|e| fail(&e))?;
    // Images are already compressed; store them as they are.
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for sprite in sprites {
        check_sprite(sprite, u64::MAX)?;
        zip.start_file(format!("{SPRITE_DIR}{}", sprite.name), stored)
            .map_err(|e| fail(&e))?;
        zip.write_all(&sprite.bytes).map_err(|e| fail(&e))?;
    }
    for (name, svg) in drawings_used(room) {
        zip.start_file(format!("{ART_DIR}{name}.svg"), deflated)
            .map_err(|e| fail(&e))?;
        zip.write_all(svg.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// Reads a package within `limits`.
pub fn unpack(bytes: &[u8], limits: &Limits) -> Result<Package, RoomError> {
    if bytes.len() as u64 > limits.max_package_bytes {
        return Err(RoomError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_package_bytes,
        });
    }
    let bad_zip = |e: zip::result::ZipError| RoomError::PackageBadZip {
        reason: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad_zip)?;
    if archive.len() > limits.max_package_entries {
        return Err(RoomError::PackageTooManyEntries {
            limit: limits.max_package_entries,
        });
    }
    let mut room_bytes = None;
    let mut sprites = Vec::new();
    let mut carried = Vec::new();
    let mut diagnostics = Vec::new();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).map_err(bad_zip)?;
        let name = file.name().map_err(bad_zip)?.into_owned();
        check_entry_name(&name)?;
        if file.encrypted() {
            return Err(RoomError::PackageEncrypted { name });
        }
        if file.is_dir() {
            continue;
        }
        let wanted =
            name == ROOM_ENTRY || name.starts_with(SPRITE_DIR) || name.starts_with(ART_DIR);
        if !wanted {
            diagnostics.push(
                Diagnostic::warning(
                    "package.unknown_entry",
                    format!("`{name}` is not part of a room package and was skipped"),
                )
                .at(name)
                .hint("nothing to do; a package holds room.json, sprites/ and art/"),
            );
            continue;
        }
        let room_left = limits.max_unpacked_bytes.saturating_sub(total);
        // The entry's compressed bytes cannot be more than the whole package.
        let compressed = file.compressed_size().min(bytes.len() as u64);
        let data = inflate(&mut file, &name, compressed, room_left, limits)?;
        total += data.len() as u64;
        if let Some(file_name) = name.strip_prefix(ART_DIR) {
            carried.push(carried_drawing(file_name, data)?);
            continue;
        }
        match name.strip_prefix(SPRITE_DIR) {
            Some(sprite_name) => {
                let sprite = Sprite {
                    name: sprite_name.to_string(),
                    bytes: data,
                };
                check_sprite(&sprite, limits.max_sprite_bytes)?;
                sprites.push(sprite);
            }
            None => room_bytes = Some(data),
        }
    }
    let mut room = read_room(&room_bytes.ok_or(RoomError::PackageNoRoom)?, limits)?;
    // A carried drawing this machine lacks, or has in another version, stays with the room.
    for (file_name, svg) in carried {
        let built_in = crate::catalogue::drawing(file_name.trim_end_matches(".svg"));
        if built_in != Some(svg.as_str()) && !room.pictures.contains_key(&file_name) {
            room.pictures.insert(file_name, crate::Picture::Svg(svg));
        }
    }
    crate::picture::check_pictures(&room)?;
    for object in &room.objects {
        if let Some(sprite) = &object.sprite_name
            && !sprites.iter().any(|s| &s.name == sprite)
            && !room.pictures.contains_key(sprite)
        {
            diagnostics.push(
                Diagnostic::warning(
                    "package.missing_sprite",
                    format!("the sprite `{sprite}` is not in the package"),
                )
                .at(format!("objects[id={}].sprite_name", object.id))
                .hint("the room works, and the server draws its default shape for this object"),
            );
        }
    }
    Ok(Package {
        room,
        sprites,
        diagnostics,
    })
}

/// Every built-in drawing that can draw the room's objects in its theme (each state's too, so
/// switching a lamp off looks the same on the other machine), by name.
fn drawings_used(room: &Room) -> Vec<(&'static str, &'static str)> {
    let arts: std::collections::BTreeSet<&str> =
        room.objects.iter().map(crate::art::art_name).collect();
    crate::catalogue::drawings()
        .iter()
        .filter(|(name, _)| {
            let (base, variant) = name.split_once(['~', '.']).unwrap_or((name, ""));
            let theme = variant.split('.').next().unwrap_or("");
            arts.contains(base)
                && (!name.contains('~') || theme == room.theme.name)
                && !room.pictures.contains_key(&format!("{name}.svg"))
        })
        .copied()
        .collect()
}

/// An `art/` entry: a plain file name ending in `.svg`, holding plain SVG.
fn carried_drawing(file_name: &str, data: Vec<u8>) -> Result<(String, String), RoomError> {
    let picture = crate::picture::picture_from_file(file_name, &data)?;
    match picture {
        crate::Picture::Svg(svg) if file_name.ends_with(".svg") => Ok((file_name.to_owned(), svg)),
        _ => Err(RoomError::BadPicture {
            name: file_name.to_owned(),
            code: "picture.bad_name",
            reason: "a carried drawing is an `.svg` file".into(),
        }),
    }
}

/// Inflates one entry a chunk at a time, counting what really comes out (declared sizes can
/// lie), and stops at the first chunk past the bytes left or past the ratio limit, so a bomb
/// never sits whole in memory. (The same guard as the card crate's archive reader; the two
/// crates share no code but `diagnostics`.)
fn inflate(
    file: &mut impl Read,
    name: &str,
    compressed: u64,
    remaining: u64,
    limits: &Limits,
) -> Result<Vec<u8>, RoomError> {
    const CHUNK: usize = 64 * 1024;
    const CHECK_RATIO_ABOVE: u64 = 1024 * 1024;
    let mut data = Vec::new();
    loop {
        let start = data.len();
        data.resize(start + CHUNK, 0);
        let n = file
            .read(&mut data[start..])
            .map_err(|e| RoomError::PackageBadZip {
                reason: format!("{name}: {e}"),
            })?;
        data.truncate(start + n);
        let size = data.len() as u64;
        if n == 0 {
            return Ok(data);
        }
        if size > remaining {
            return Err(RoomError::PackageTooLarge {
                limit: limits.max_unpacked_bytes,
            });
        }
        if size > CHECK_RATIO_ABOVE && size / compressed.max(1) > limits.max_ratio {
            return Err(RoomError::PackageRatio {
                name: name.to_string(),
                limit: limits.max_ratio,
            });
        }
    }
}

/// Refuses absolute names, drive letters, NULs and any `..` component, with either slash.
fn check_entry_name(name: &str) -> Result<(), RoomError> {
    let absolute = name.starts_with(['/', '\\']) || name.as_bytes().get(1) == Some(&b':');
    if absolute || name.contains('\0') || name.split(['/', '\\']).any(|part| part == "..") {
        return Err(RoomError::PackagePathTraversal {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// A sprite must be a flat file name and a real image of a format browsers show.
pub fn check_sprite(sprite: &Sprite, max_bytes: u64) -> Result<(), RoomError> {
    let bad = |reason: &str| RoomError::PackageBadSprite {
        name: sprite.name.clone(),
        reason: reason.to_string(),
    };
    if !is_valid_sprite_name(&sprite.name) {
        return Err(bad("sprites are plain file names, without folders"));
    }
    if sprite.bytes.len() as u64 > max_bytes {
        return Err(bad(&format!("it is larger than {max_bytes} bytes")));
    }
    if crate::svg::looks_like_svg(&sprite.bytes) {
        // Owner art: plain drawing only (no script, no outside reference, no entities).
        return crate::svg::check_svg(&sprite.bytes).map_err(|refusal| RoomError::BadSvg {
            name: sprite.name.clone(),
            code: refusal.code,
            reason: refusal.reason,
        });
    }
    match image::guess_format(&sprite.bytes) {
        Ok(
            image::ImageFormat::Png
            | image::ImageFormat::WebP
            | image::ImageFormat::Gif
            | image::ImageFormat::Jpeg,
        ) => Ok(()),
        _ => Err(bad("it is not a PNG, WebP, GIF, JPEG or SVG image")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_svg_sprite_travels_and_a_scripted_one_is_refused_with_its_code() {
        let room = crate::template("cozy").unwrap();
        let lamp = Sprite {
            name: "lamp.svg".into(),
            bytes: br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 30"><circle cx="10" cy="10" r="8" fill="#fd4"/></svg>"##.to_vec(),
        };
        let unpacked = unpack(
            &pack(&room, std::slice::from_ref(&lamp)).unwrap(),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(unpacked.sprites, vec![lamp]);
        let hostile = Sprite {
            name: "lamp.svg".into(),
            bytes: br#"<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('https://evil.example')"/>"#.to_vec(),
        };
        let err = pack(&room, &[hostile]).unwrap_err();
        assert_eq!(err.code(), "svg.script", "{err}");
    }

    /// An endless stream of zeros, as a bomb's inflater gives, counting what was pulled.
    struct Endless(u64);

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(0);
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
    }

    #[test]
    fn a_bomb_is_stopped_one_chunk_past_the_limits() {
        let limits = Limits::default();
        let mut bomb = Endless(0);
        let err = inflate(&mut bomb, "sprites/a.png", 1024, u64::MAX, &limits).unwrap_err();
        assert!(matches!(err, RoomError::PackageRatio { .. }), "{err}");
        assert!(bomb.0 <= 1024 * 1024 + 64 * 1024, "{}", bomb.0);
        let mut bomb = Endless(0);
        let err = inflate(&mut bomb, "room.json", u64::MAX, 100_000, &limits).unwrap_err();
        assert!(matches!(err, RoomError::PackageTooLarge { .. }), "{err}");
        assert!(bomb.0 <= 100_000 + 64 * 1024, "{}", bomb.0);
    }
}
