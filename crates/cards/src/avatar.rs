//! Turning any picture an owner has (JPEG, WebP, GIF, PNG) into the PNG a card is written
//! into: cropped to the 2:3 portrait every card app shows, and resized (400x600 by default,
//! the size SillyTavern and chub use).

use image::DynamicImage;
use image::imageops::FilterType;

use crate::error::{CardError, Result};
use crate::limits::Limits;
use crate::picture;

/// The size of a new card picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvatarSize {
    pub width: u32,
    pub height: u32,
}

impl Default for AvatarSize {
    fn default() -> Self {
        AvatarSize {
            width: 400,
            height: 600,
        }
    }
}

/// Decodes `bytes` (after checking its pixel count from the header alone), centre-crops it to
/// the aspect ratio of `size`, resizes it, and encodes a PNG with no text chunks.
pub fn card_picture(bytes: &[u8], size: AvatarSize, limits: &Limits) -> Result<Vec<u8>> {
    if size.width == 0
        || size.height == 0
        || u64::from(size.width) * u64::from(size.height) > limits.max_image_pixels
    {
        return Err(CardError::CannotWrite {
            reason: format!(
                "{}x{} is not a usable picture size",
                size.width, size.height
            ),
        });
    }
    let picture = picture::decode(bytes, limits)?;
    let (width, height) = (picture.width(), picture.height());
    let (x, y, w, h) = centre_crop(width, height, size);
    let resized =
        picture
            .crop_imm(x, y, w, h)
            .resize_exact(size.width, size.height, FilterType::Lanczos3);
    picture::encode_png(&DynamicImage::ImageRgba8(resized.to_rgba8()))
}

/// The largest centred rectangle of the target's aspect ratio.
fn centre_crop(width: u32, height: u32, target: AvatarSize) -> (u32, u32, u32, u32) {
    let (w, h) = (u64::from(width), u64::from(height));
    let (tw, th) = (u64::from(target.width), u64::from(target.height));
    if w * th > h * tw {
        let crop_w = ((h * tw) / th).max(1);
        (((w - crop_w) / 2) as u32, 0, crop_w as u32, height)
    } else {
        let crop_h = ((w * th) / tw).max(1);
        (0, ((h - crop_h) / 2) as u32, width, crop_h as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;
    use image::{Rgb, RgbImage};
    use std::io::Cursor;

    fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img)
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn crops_to_two_by_three_and_resizes() {
        assert_eq!(
            centre_crop(1000, 600, AvatarSize::default()),
            (300, 0, 400, 600)
        );
        assert_eq!(
            centre_crop(400, 1000, AvatarSize::default()),
            (0, 200, 400, 600)
        );
        for format in [
            ImageFormat::Jpeg,
            ImageFormat::Gif,
            ImageFormat::Png,
            ImageFormat::WebP,
        ] {
            let png = card_picture(
                &encoded(300, 200, format),
                AvatarSize::default(),
                &Limits::default(),
            )
            .unwrap();
            let out = image::load_from_memory(&png).unwrap();
            assert_eq!((out.width(), out.height()), (400, 600), "{format:?}");
        }
    }

    #[test]
    fn refuses_too_many_pixels_before_decoding() {
        let limits = Limits {
            max_image_pixels: 100,
            ..Limits::default()
        };
        let err = card_picture(
            &encoded(20, 20, ImageFormat::Png),
            AvatarSize {
                width: 2,
                height: 3,
            },
            &limits,
        )
        .unwrap_err();
        assert_eq!(err.code(), "image.too_many_pixels");
    }

    #[test]
    fn garbage_is_unreadable() {
        let err =
            card_picture(b"not a picture", AvatarSize::default(), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "image.unreadable");
    }
}
