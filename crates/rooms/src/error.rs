//! The ways reading a room, loading a template or unpacking a package can fail outright.
//!
//! Problems inside a room that can be shown and fixed (an overlap, a bad colour) are not
//! errors: they are diagnostics from [`validate`](crate::validate). An error means there is
//! no room to give back.

/// Every variant has a stable [`code`](RoomError::code) of the form `domain.reason`.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error("the file is {size} bytes; the limit for a room is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("the room file is not UTF-8 text")]
    NotUtf8,
    #[error("the room file cannot be read at line {line}, column {column}: {message}")]
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}", unsupported_message(found))]
    UnsupportedFormat { found: Option<String> },
    #[error("the grid is {width}x{height} cells; the limit is {limit} on each side")]
    GridTooLarge { width: u32, height: u32, limit: u32 },
    #[error("the room has {count} objects; the limit is {limit}")]
    TooManyObjects { count: usize, limit: usize },
    #[error("there is no room template called `{name}` (there are: {known})")]
    UnknownTemplate { name: String, known: String },
    #[error("the package is not a readable zip archive: {reason}")]
    PackageBadZip { reason: String },
    #[error("the package has no room.json")]
    PackageNoRoom,
    #[error("the package entry `{name}` points outside the package")]
    PackagePathTraversal { name: String },
    #[error("the package has more than {limit} entries")]
    PackageTooManyEntries { limit: usize },
    #[error("the package unpacks to more than {limit} bytes")]
    PackageTooLarge { limit: u64 },
    #[error("the package entry `{name}` expands more than {limit} times")]
    PackageRatio { name: String, limit: u64 },
    #[error("the package entry `{name}` is encrypted")]
    PackageEncrypted { name: String },
    #[error("the sprite `{name}` is not usable: {reason}")]
    PackageBadSprite { name: String, reason: String },
    /// An SVG sprite that is not plain drawing; `code` is the `svg.*` reason.
    #[error("the SVG sprite `{name}` was refused: {reason}")]
    BadSvg {
        name: String,
        code: &'static str,
        reason: String,
    },
    /// An owner picture that cannot be used; `code` is the `picture.*` reason.
    #[error("the picture `{name}` was refused: {reason}")]
    BadPicture {
        name: String,
        code: &'static str,
        reason: String,
    },
    #[error("the preview could not be encoded: {reason}")]
    RenderFailed { reason: String },
}

fn unsupported_message(found: &Option<String>) -> String {
    match found {
        Some(f) => format!("this is a `{f}` file, not a `{}` room", crate::FORMAT),
        None => format!(
            "the file has no `format` field, so it is not a `{}` room",
            crate::FORMAT
        ),
    }
}

impl RoomError {
    pub fn code(&self) -> &'static str {
        use RoomError::*;
        match self {
            TooLarge { .. } => "room.too_large",
            NotUtf8 => "room.not_utf8",
            Malformed { .. } => "room.malformed",
            UnsupportedFormat { .. } => "room.unsupported_format",
            GridTooLarge { .. } => "room.grid_too_large",
            TooManyObjects { .. } => "room.too_many_objects",
            UnknownTemplate { .. } => "room.unknown_template",
            PackageBadZip { .. } => "package.bad_zip",
            PackageNoRoom => "package.no_room",
            PackagePathTraversal { .. } => "package.path_traversal",
            PackageTooManyEntries { .. } => "package.too_many_entries",
            PackageTooLarge { .. } => "package.too_large",
            PackageRatio { .. } => "package.ratio",
            PackageEncrypted { .. } => "package.encrypted",
            PackageBadSprite { .. } => "package.bad_sprite",
            BadSvg { code, .. } | BadPicture { code, .. } => code,
            RenderFailed { .. } => "room.render_failed",
        }
    }
}
