//! The one error type that crosses into the CLI and the app: `{code, message, hint}`.
//!
//! `code` is the domain crate's stable code (or `io.*`/`usage.*` for what happens here);
//! `hint` is written for an owner who is not a developer and says what to do next.

use std::collections::BTreeMap;
use std::path::Path;

use deskmate_cards::CardError;
use deskmate_rooms::RoomError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub hint: String,
    /// Values the app shows or acts on, by name (a host key's `fingerprint`, say).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            hint: hint.into(),
            details: BTreeMap::new(),
        }
    }

    pub fn with_detail(mut self, name: &str, value: impl Into<String>) -> Self {
        self.details.insert(name.to_string(), value.into());
        self
    }

    /// True when the input itself is at fault (exit code 1), false for usage and I/O
    /// problems and for anything that went wrong reaching a server (exit code 2).
    pub fn is_invalid_input(&self) -> bool {
        !["io.", "usage.", "ssh.", "secret."]
            .iter()
            .any(|prefix| self.code.starts_with(prefix))
    }

    pub(crate) fn io(code: &str, path: &Path, err: &std::io::Error) -> Self {
        let hint = match err.kind() {
            std::io::ErrorKind::NotFound => "check the file name and folder",
            std::io::ErrorKind::PermissionDenied => "check that you may read and write this folder",
            _ => "check the disk and the file, then try again",
        };
        ApiError::new(code, format!("{}: {err}", path.display()), hint)
    }

    pub(crate) fn usage(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        ApiError::new(code, message, hint)
    }
}

impl From<CardError> for ApiError {
    fn from(err: CardError) -> Self {
        let hint = card_hint(&err);
        ApiError::new(err.code(), err.to_string(), hint)
    }
}

fn card_hint(err: &CardError) -> &'static str {
    use CardError::*;
    match err {
        TooLarge { .. } => {
            "this is far larger than any character card; check that you picked the right file"
        }
        UnknownFormat => {
            "pick a .png, .json or .charx character card; to make a card from a picture, use `card convert CARD.json OUT.png --image PICTURE`"
        }
        NotPng => {
            "the file is not a PNG even if its name says so; open it in an image viewer to check"
        }
        PngTruncated { .. } | PngNoIend => {
            "the picture is damaged, so it cannot be kept; save the card as .json, or give a new picture with --image"
        }
        PngChunkTooLarge { .. } | PngTooManyChunks { .. } => {
            "the PNG is malformed or hostile; do not use it"
        }
        PngNoCard => {
            "this is a plain picture with no character in it; to make one, use `card convert CARD.json OUT.png --image PICTURE`"
        }
        PngEncryptedCard => "open it in RisuAI with its password and export it again without one",
        PngBadCard { .. } | InflateFailed { .. } | InflateLimit { .. } => {
            "the character data inside the picture is damaged; ask whoever shared it for a fresh copy"
        }
        BadJson { .. } | NotAnObject { .. } => {
            "the file is not a character card; open it in a text editor to check"
        }
        CharxBadZip { .. } | CharxNoCard => {
            "the .charx file is damaged or not a character card; ask whoever shared it for a fresh copy"
        }
        CharxPathTraversal { .. } => {
            "the archive tries to write outside its folder, which is how attacks work; do not use this file"
        }
        CharxTooManyEntries { .. } | CharxTooLarge { .. } | CharxRatio { .. } => {
            "the archive is far bigger than a character card should be, and may be an attack; do not use it"
        }
        CharxEncrypted { .. } => {
            "password-protected cards are not supported; ask for an unprotected copy"
        }
        ImageTooManyPixels { .. } => {
            "the picture is too large; scale it down in an image editor first"
        }
        ImageUnreadable { .. } => "use a PNG, JPEG, WebP or GIF picture",
        CannotWrite { .. } => "the card is too large for this format; try .charx",
        SpriteNoLabel { .. } => "name each picture after its expression, like joy.png or joy-2.png",
        SpriteTooLarge { .. } => "scale the picture down in an image editor first",
        TooManySprites { .. } => {
            "that is far more pictures than an expression set has; check that you picked the right folder"
        }
        UnsafeName { .. } => {
            "give the character (or the picture's label) a plain name without slashes, colons or a leading dot, then try again"
        }
    }
}

/// Library errors with a hint for the owner.
pub(crate) fn library_error(err: deskmate_library::LibraryError) -> ApiError {
    use deskmate_library::LibraryError::*;
    let hint = match &err {
        ServerExists { .. } => {
            "pick another name, or remove the old one with `deskmate server remove NAME`"
        }
        ServerNotFound { .. } => "see your servers with `deskmate server list`",
        InvalidServer(_) => "fix that value and try again",
        NewerSchema { .. } => "update DeskMate Studio; this version cannot read the newer library",
        Io { .. } | Sqlite(_) => "check that the data folder is writable and the disk is not full",
        PersonaNotFound { .. } => {
            "see the ids with `deskmate persona list` (or `--trash` for deleted ones)"
        }
        InvalidRating { .. } => "give 1 to 5 stars, or `--clear` to remove the rating",
        InvalidTag { .. } | TooManyTags { .. } => "use short tags, like `fantasy` or `cozy`",
        RoomNotFound { .. } => "see the saved rooms in the app's Rooms page",
        InvalidRoomName { .. } => "give the room a short name",
    };
    ApiError::new(err.code(), err.to_string(), hint)
}

impl From<RoomError> for ApiError {
    fn from(err: RoomError) -> Self {
        let hint = room_hint(&err);
        ApiError::new(err.code(), err.to_string(), hint)
    }
}

fn room_hint(err: &RoomError) -> &'static str {
    use RoomError::*;
    match err {
        TooLarge { .. } => "this is far larger than any room; check that you picked the right file",
        NotUtf8 => "save the file as UTF-8 text in your editor",
        Malformed { .. } => {
            "fix the file at that line (a typo, a missing comma or quote); data for other tools goes under `extensions`"
        }
        UnsupportedFormat { found: Some(_) } => {
            "this room was made for another version or another tool; update DeskMate Studio, or start from `deskmate room new`"
        }
        UnsupportedFormat { found: None } => {
            "a DeskMate room starts with \"format\": \"deskmate.room/1\"; start from `deskmate room new --template modern`"
        }
        GridTooLarge { .. } | TooManyObjects { .. } => {
            "a DeskMate room is 64x16 cells with tens of objects; check the file"
        }
        UnknownTemplate { .. } => "run `deskmate room templates` to see the templates",
        PackageBadZip { .. } | PackageNoRoom => {
            "the package is damaged or not a room package; ask whoever shared it for a fresh copy"
        }
        PackagePathTraversal { .. } => {
            "the package tries to write outside its folder, which is how attacks work; do not use it"
        }
        PackageTooManyEntries { .. } | PackageTooLarge { .. } | PackageRatio { .. } => {
            "the package is far bigger than a room should be, and may be an attack; do not use it"
        }
        PackageEncrypted { .. } => "ask for a copy without a password",
        PackageBadSprite { .. } => "use PNG, WebP, GIF or JPEG pictures with plain file names",
        RenderFailed { .. } => "try again; if it keeps failing, report it",
    }
}
