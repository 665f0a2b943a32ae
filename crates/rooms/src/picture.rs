//! Owner pictures carried inside a room (`Room::pictures`): checked on every read, so nothing
//! unchecked is ever drawn, saved or packed.
//!
//! - a name is a plain file name ending in `.png` or `.svg` (`picture.bad_name`);
//! - at most [`MAX_PICTURES`] pictures (`picture.too_many`), each at most
//!   [`MAX_PICTURE_BYTES`] once decoded (`picture.too_large`);
//! - a PNG must decode, within [`MAX_PICTURE_SIDE`] pixels a side (`picture.not_png`,
//!   `picture.too_many_pixels`); its base64 must be valid (`picture.bad_base64`);
//! - an SVG must be plain drawing ([`crate::svg::check_svg`], `svg.*` codes).

use std::io::Cursor;

use base64::Engine;

use crate::RoomError;
use crate::model::{Picture, Room, is_valid_sprite_name};
use crate::svg::{check_svg, looks_like_svg};

/// The most pictures one room carries.
pub const MAX_PICTURES: usize = 64;
/// The largest picture, in bytes (a sprite for a few cells needs far less).
pub const MAX_PICTURE_BYTES: usize = 512 * 1024;
/// The widest and tallest PNG, in pixels.
pub const MAX_PICTURE_SIDE: u32 = 2048;

/// Checks every picture in `room`.
pub fn check_pictures(room: &Room) -> Result<(), RoomError> {
    if room.pictures.len() > MAX_PICTURES {
        return Err(bad(
            &format!("{} pictures", room.pictures.len()),
            "picture.too_many",
            format!("a room carries at most {MAX_PICTURES} pictures"),
        ));
    }
    for (name, picture) in &room.pictures {
        check_picture(name, picture)?;
    }
    Ok(())
}

/// Checks one picture and its name.
pub fn check_picture(name: &str, picture: &Picture) -> Result<(), RoomError> {
    let extension = match picture {
        Picture::Svg(_) => ".svg",
        Picture::Png(_) => ".png",
    };
    if !is_valid_sprite_name(name) || !name.to_ascii_lowercase().ends_with(extension) {
        return Err(bad(
            name,
            "picture.bad_name",
            format!("a picture's name is a plain file name ending in `{extension}`"),
        ));
    }
    match picture {
        Picture::Svg(svg) => check_svg_picture(name, svg.as_bytes()),
        Picture::Png(data) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|e| bad(name, "picture.bad_base64", e.to_string()))?;
            check_png(name, &bytes)
        }
    }
}

/// Reads a file an owner picked as a picture: PNG or SVG, by its content.
pub fn picture_from_file(name: &str, bytes: &[u8]) -> Result<Picture, RoomError> {
    let picture = if bytes.starts_with(PNG_MAGIC) {
        Picture::Png(base64::engine::general_purpose::STANDARD.encode(bytes))
    } else if looks_like_svg(bytes) || bytes.trim_ascii_start().starts_with(b"<") {
        // Anything XML-like is judged by the SVG check, which says what is wrong with it.
        Picture::Svg(
            String::from_utf8(bytes.to_vec())
                .map_err(|_| bad(name, "svg.not_svg", "the SVG is not UTF-8 text".into()))?,
        )
    } else {
        return Err(bad(
            name,
            "picture.not_png",
            "a picture is a PNG or an SVG file".into(),
        ));
    };
    check_picture(name, &picture)?;
    Ok(picture)
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Width and height from a PNG's header, without decoding it.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.starts_with(PNG_MAGIC) || bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    Some((word(16), word(20)))
}

fn check_svg_picture(name: &str, bytes: &[u8]) -> Result<(), RoomError> {
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(too_large(name, bytes.len()));
    }
    check_svg(bytes).map_err(|refusal| RoomError::BadSvg {
        name: name.to_owned(),
        code: refusal.code,
        reason: refusal.reason,
    })
}

fn check_png(name: &str, bytes: &[u8]) -> Result<(), RoomError> {
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(too_large(name, bytes.len()));
    }
    let (width, height) = png_size(bytes)
        .ok_or_else(|| bad(name, "picture.not_png", "it has no PNG header".into()))?;
    if width == 0 || height == 0 || width > MAX_PICTURE_SIDE || height > MAX_PICTURE_SIDE {
        return Err(bad(
            name,
            "picture.too_many_pixels",
            format!("it is {width}x{height} pixels; the limit is {MAX_PICTURE_SIDE} a side"),
        ));
    }
    // Decoding it proves it is a whole PNG (a header alone is not a picture).
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| bad(name, "picture.not_png", e.to_string()))?;
    Ok(())
}

fn too_large(name: &str, size: usize) -> RoomError {
    bad(
        name,
        "picture.too_large",
        format!("it is {size} bytes; the limit is {MAX_PICTURE_BYTES}"),
    )
}

fn bad(name: &str, code: &'static str, reason: String) -> RoomError {
    RoomError::BadPicture {
        name: name.to_owned(),
        code,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        image::RgbaImage::new(width, height)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn pngs_and_plain_svgs_are_taken() {
        let picture = picture_from_file("sofa.png", &png(40, 60)).unwrap();
        assert!(matches!(picture, Picture::Png(_)));
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 30"><rect width="20" height="30"/></svg>"#;
        assert!(matches!(
            picture_from_file("lamp.svg", svg).unwrap(),
            Picture::Svg(_)
        ));
    }

    #[test]
    fn bad_pictures_are_refused_with_a_code() {
        let code = |name: &str, bytes: &[u8]| picture_from_file(name, bytes).unwrap_err().code();
        assert_eq!(code("big.png", &png(4096, 8)), "picture.too_many_pixels");
        assert_eq!(code("x.gif", b"GIF89a"), "picture.not_png");
        assert_eq!(code("../x.png", &png(4, 4)), "picture.bad_name");
        assert_eq!(code("x.svg", &png(4, 4)), "picture.bad_name");
        let mut cut = png(40, 40);
        cut.truncate(40);
        assert_eq!(code("cut.png", &cut), "picture.not_png");
        let script = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(code("x.svg", script), "svg.script");
        let outside =
            br#"<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(http://x/y)"/></svg>"#;
        assert_eq!(code("x.svg", outside), "svg.external_reference");
        let entity = br#"<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>"#;
        assert_eq!(code("x.svg", entity), "svg.dtd");
        let bad64 = check_picture("x.png", &Picture::Png("!!!".into())).unwrap_err();
        assert_eq!(bad64.code(), "picture.bad_base64");
    }
}
