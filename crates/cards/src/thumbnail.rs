//! Small pictures for the library grid, made once at import and cached by the library.

use crate::error::Result;
use crate::limits::Limits;
use crate::picture;

/// The box a thumbnail fits in: the 2:3 portrait of a card, at twice a 64x96 grid cell for
/// sharp high-DPI screens.
pub const THUMBNAIL_WIDTH: u32 = 128;
pub const THUMBNAIL_HEIGHT: u32 = 192;

/// How many pixels the picture has, read from its header without decoding it; a picture
/// past the pixel limit is an error here already.
pub fn picture_pixels(bytes: &[u8], limits: &Limits) -> Result<u64> {
    let (_, width, height) = picture::probe(bytes, limits)?;
    Ok(u64::from(width) * u64::from(height))
}

/// A PNG of the picture shrunk to fit [`THUMBNAIL_WIDTH`] x [`THUMBNAIL_HEIGHT`], keeping
/// its proportions. Pictures already that small are only re-encoded.
pub fn thumbnail(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>> {
    let decoded = picture::decode(bytes, limits)?;
    // `thumbnail` is image's fast box-filter downscale: a grid picture needs speed more
    // than Lanczos quality, and it runs for every card of a bulk import.
    let small = if decoded.width() > THUMBNAIL_WIDTH || decoded.height() > THUMBNAIL_HEIGHT {
        decoded.thumbnail(THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT)
    } else {
        decoded
    };
    picture::encode_png(&small)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, ImageFormat, RgbaImage};

    #[test]
    fn fits_the_box_and_keeps_proportions() {
        let big = DynamicImage::ImageRgba8(RgbaImage::new(400, 600));
        let mut png = std::io::Cursor::new(Vec::new());
        big.write_to(&mut png, ImageFormat::Png).unwrap();
        let small = image::load_from_memory(&thumbnail(png.get_ref(), &Limits::default()).unwrap())
            .unwrap();
        assert_eq!((small.width(), small.height()), (128, 192));

        let wide = DynamicImage::ImageRgba8(RgbaImage::new(1000, 100));
        let mut png = std::io::Cursor::new(Vec::new());
        wide.write_to(&mut png, ImageFormat::Png).unwrap();
        let small = image::load_from_memory(&thumbnail(png.get_ref(), &Limits::default()).unwrap())
            .unwrap();
        assert_eq!((small.width(), small.height()), (128, 13));
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(
            thumbnail(b"nope", &Limits::default()).unwrap_err().code(),
            "image.unreadable"
        );
    }
}
