//! The ways reading or writing a card can fail outright.
//!
//! Problems a card can live with (a bad checksum, a loose type) are not errors: they are
//! [`Diagnostic`](deskmate_diagnostics::Diagnostic)s returned beside the card. An error means
//! there is no card to give back, or nothing safe to write.

/// Every variant has a stable [`code`](CardError::code) of the form `domain.reason`.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the file is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("this is not a PNG, JSON or CHARX card (the first bytes match none of them)")]
    UnknownFormat,
    #[error("not a PNG file: the 8-byte PNG signature is missing")]
    NotPng,
    #[error("the PNG ends in the middle of chunk {index} at byte {offset}")]
    PngTruncated { index: usize, offset: usize },
    #[error("the PNG has no IEND chunk, so it may be cut short")]
    PngNoIend,
    #[error("PNG chunk {index} declares {declared} bytes; the limit is {limit}")]
    PngChunkTooLarge {
        index: usize,
        declared: u64,
        limit: u64,
    },
    #[error("the PNG has more than {limit} chunks")]
    PngTooManyChunks { limit: usize },
    #[error("the PNG has no character data (no `chara` or `ccv3` text chunk)")]
    PngNoCard,
    #[error("the card is password-protected (RisuAI's encrypted card format)")]
    PngEncryptedCard,
    #[error("no character card could be decoded from the PNG text chunks: {reason}")]
    PngBadCard { reason: String },
    #[error("a compressed text chunk inflates past the {limit}-byte limit")]
    InflateLimit { limit: u64 },
    #[error("a compressed text chunk is corrupt: {reason}")]
    InflateFailed { reason: String },
    #[error("the card is not valid JSON: {reason}")]
    BadJson { reason: String },
    #[error("the card JSON is a {found}, not an object")]
    NotAnObject { found: &'static str },
    #[error("the archive is not a readable ZIP: {reason}")]
    CharxBadZip { reason: String },
    #[error("the CHARX archive has no card.json at its root")]
    CharxNoCard,
    #[error("the archive entry `{name}` points outside the archive")]
    CharxPathTraversal { name: String },
    #[error("the archive has {count} entries; the limit is {limit}")]
    CharxTooManyEntries { count: usize, limit: usize },
    #[error("the archive unpacks to more than {limit} bytes")]
    CharxTooLarge { limit: u64 },
    #[error("the archive entry `{name}` compresses {ratio}:1, past the {limit}:1 limit")]
    CharxRatio {
        name: String,
        ratio: u64,
        limit: u64,
    },
    #[error("the archive entry `{name}` is encrypted")]
    CharxEncrypted { name: String },
    #[error("the image is {width}x{height}; the limit is {limit} pixels")]
    ImageTooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the image could not be read: {reason}")]
    ImageUnreadable { reason: String },
    #[error("the card cannot be written: {reason}")]
    CannotWrite { reason: String },
    #[error("`{name}` gives no expression label (its name must start with one, like `joy.png`)")]
    SpriteNoLabel { name: String },
    #[error("the sprite `{name}` is {width}x{height}; the longest side may be {limit} pixels")]
    SpriteTooLarge {
        name: String,
        width: u32,
        height: u32,
        limit: u32,
    },
    #[error("the set has more than {limit} sprites")]
    TooManySprites { limit: usize },
    #[error("a .charx always holds a V3 card")]
    CharxIsV3,
    #[error("a PNG card needs a picture, and this card has none")]
    NoPicture,
    /// A name from a card or sprite that would become a file name but could point elsewhere
    /// (`../x`, `/etc/x`, `a/b`) or is not a plain name.
    #[error("`{name}` cannot be used as a file name: {reason}")]
    UnsafeName { name: String, reason: &'static str },
}

impl CardError {
    /// The stable machine-readable code, `domain.reason`.
    pub fn code(&self) -> &'static str {
        use CardError::*;
        match self {
            TooLarge { .. } => "card.too_large",
            UnknownFormat => "card.unknown_format",
            NotPng => "png.not_png",
            PngTruncated { .. } => "png.truncated",
            PngNoIend => "png.no_iend",
            PngChunkTooLarge { .. } => "png.chunk_too_large",
            PngTooManyChunks { .. } => "png.too_many_chunks",
            PngNoCard => "png.no_card",
            PngEncryptedCard => "png.encrypted_card",
            PngBadCard { .. } => "png.bad_card",
            InflateLimit { .. } => "png.inflate_limit",
            InflateFailed { .. } => "png.inflate_failed",
            BadJson { .. } => "card.bad_json",
            NotAnObject { .. } => "card.not_an_object",
            CharxBadZip { .. } => "charx.bad_zip",
            CharxNoCard => "charx.no_card",
            CharxPathTraversal { .. } => "charx.path_traversal",
            CharxTooManyEntries { .. } => "charx.too_many_entries",
            CharxTooLarge { .. } => "charx.too_large",
            CharxRatio { .. } => "charx.ratio_limit",
            CharxEncrypted { .. } => "charx.encrypted",
            ImageTooManyPixels { .. } => "image.too_many_pixels",
            ImageUnreadable { .. } => "image.unreadable",
            CannotWrite { .. } => "card.cannot_write",
            SpriteNoLabel { .. } => "expression.no_label",
            SpriteTooLarge { .. } => "expression.too_large",
            TooManySprites { .. } => "expression.too_many",
            UnsafeName { .. } => "expression.unsafe_name",
            // Stable codes from when the app layer raised these.
            CharxIsV3 => "usage.charx_is_v3",
            NoPicture => "usage.no_picture",
        }
    }
}

pub type Result<T, E = CardError> = std::result::Result<T, E>;
