//! Decoding pictures from outside safely: the pixel count is checked from the header before
//! any pixel buffer is made, and the decoder's allocations are capped to match.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use crate::error::{CardError, Result};
use crate::limits::Limits;

/// The format and size from the header alone, or an error for a file that is not a
/// picture or has more pixels than the limit.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<(ImageFormat, u32, u32)> {
    let reader = reader(bytes)?;
    let format = reader.format().ok_or_else(|| CardError::ImageUnreadable {
        reason: "not a PNG, JPEG, WebP or GIF picture".into(),
    })?;
    let (width, height) = reader.into_dimensions().map_err(|e| unreadable(&e))?;
    if u64::from(width) * u64::from(height) > limits.max_image_pixels {
        return Err(CardError::ImageTooManyPixels {
            width,
            height,
            limit: limits.max_image_pixels,
        });
    }
    Ok((format, width, height))
}

/// Decodes every pixel, after [`probe`].
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<DynamicImage> {
    probe(bytes, limits)?;
    let mut decoder = reader(bytes)?;
    let mut image_limits = image::Limits::default();
    // RGBA16 is the widest buffer a decoder makes: 8 bytes a pixel.
    image_limits.max_alloc = Some(limits.max_image_pixels.saturating_mul(8));
    decoder.limits(image_limits);
    decoder.decode().map_err(|e| unreadable(&e))
}

/// Encodes a PNG with no text chunks.
pub fn encode_png(image: &DynamicImage) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| CardError::CannotWrite {
            reason: e.to_string(),
        })?;
    Ok(out.into_inner())
}

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>> {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| unreadable(&e))
}

fn unreadable(e: &dyn std::fmt::Display) -> CardError {
    CardError::ImageUnreadable {
        reason: e.to_string(),
    }
}
