//! One expression sprite: its label, and what its picture really is.

use image::{DynamicImage, ImageFormat};

use crate::error::{CardError, Result};
use crate::expressions::file_name::check_plain_name;
use crate::expressions::labels::label_from_file_name;
use crate::limits::Limits;
use crate::picture;

/// Limits for sprites, on top of the crate's [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpriteLimits {
    /// Largest sprite file.
    pub max_bytes: u64,
    /// Longest side in pixels. DeskMate and SillyTavern show sprites at a few hundred
    /// pixels; past this a sprite only slows the companion's page.
    pub max_side: u32,
    /// Most sprites in one set.
    pub max_sprites: usize,
}

impl Default for SpriteLimits {
    fn default() -> Self {
        SpriteLimits {
            max_bytes: 32 * 1024 * 1024,
            max_side: 4096,
            max_sprites: 1000,
        }
    }
}

/// The picture formats SillyTavern and browsers show as sprites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpriteFormat {
    Png,
    WebP,
    Gif,
    Jpeg,
}

impl SpriteFormat {
    pub fn name(self) -> &'static str {
        match self {
            SpriteFormat::Png => "png",
            SpriteFormat::WebP => "webp",
            SpriteFormat::Gif => "gif",
            SpriteFormat::Jpeg => "jpeg",
        }
    }

    /// The format [`SpriteFormat::name`] names.
    pub fn from_name(name: &str) -> Option<SpriteFormat> {
        [
            SpriteFormat::Png,
            SpriteFormat::WebP,
            SpriteFormat::Gif,
            SpriteFormat::Jpeg,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }

    /// The file extension a sprite of this format is written with.
    pub fn extension(self) -> &'static str {
        match self {
            SpriteFormat::Jpeg => "jpg",
            other => other.name(),
        }
    }

    fn from_image(format: ImageFormat) -> Option<SpriteFormat> {
        match format {
            ImageFormat::Png => Some(SpriteFormat::Png),
            ImageFormat::WebP => Some(SpriteFormat::WebP),
            ImageFormat::Gif => Some(SpriteFormat::Gif),
            ImageFormat::Jpeg => Some(SpriteFormat::Jpeg),
            _ => None,
        }
    }
}

/// A checked sprite, with its bytes exactly as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sprite {
    pub file_name: String,
    pub label: String,
    pub format: SpriteFormat,
    pub width: u32,
    pub height: u32,
    /// True when some pixel is not fully opaque.
    pub alpha: bool,
    pub bytes: Vec<u8>,
}

impl Sprite {
    /// Checks a sprite file: it has a label, is not too big, decodes completely, and is a
    /// PNG, WebP, GIF or JPEG within the size limit. The label comes from the file name
    /// unless one is given.
    pub fn read(
        file_name: &str,
        label: Option<&str>,
        bytes: Vec<u8>,
        limits: &Limits,
        sprite_limits: &SpriteLimits,
    ) -> Result<Sprite> {
        let label = match label {
            Some(label) => Some(label.trim().to_lowercase()).filter(|l| !l.is_empty()),
            None => label_from_file_name(file_name),
        }
        .ok_or_else(|| CardError::SpriteNoLabel {
            name: file_name.into(),
        })?;
        // Labels name files in every layout we write (`joy.png`, `assets/emotion/images/…`).
        check_plain_name(&label)?;
        if bytes.len() as u64 > sprite_limits.max_bytes {
            return Err(CardError::TooLarge {
                size: bytes.len() as u64,
                limit: sprite_limits.max_bytes,
            });
        }
        let (format, width, height) = picture::probe(&bytes, limits)?;
        let format =
            SpriteFormat::from_image(format).ok_or_else(|| CardError::ImageUnreadable {
                reason: format!("{format:?} is not a sprite format (PNG, WebP, GIF or JPEG)"),
            })?;
        if width.max(height) > sprite_limits.max_side {
            return Err(CardError::SpriteTooLarge {
                name: file_name.into(),
                width,
                height,
                limit: sprite_limits.max_side,
            });
        }
        // Every pixel is decoded, so a picture that is cut short or corrupt is caught here
        // and not on the owner's screen.
        let decoded = picture::decode(&bytes, limits)?;
        Ok(Sprite {
            file_name: file_name.into(),
            label,
            format,
            width,
            height,
            alpha: uses_transparency(&decoded),
            bytes,
        })
    }
}

fn uses_transparency(image: &DynamicImage) -> bool {
    if !image.color().has_alpha() {
        return false;
    }
    match image {
        DynamicImage::ImageRgba8(pixels) => pixels.pixels().any(|p| p[3] < u8::MAX),
        DynamicImage::ImageLumaA8(pixels) => pixels.pixels().any(|p| p[1] < u8::MAX),
        other => other.to_rgba8().pixels().any(|p| p[3] < u8::MAX),
    }
}
