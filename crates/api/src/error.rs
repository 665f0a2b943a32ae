//! The one error type that crosses into the CLI and the app: `{code, message, hint}`.
//!
//! `code` is the domain crate's stable code (or `io.*`/`usage.*` for what happens here);
//! `hint` is written for an owner who is not a developer and says what to do next, in words
//! that fit every front end: it never names a CLI flag or command. Where the next step is
//! something a front end offers (trust a key, remove a server, give a picture), the error
//! names it as `details.action` (an [`Action`]) with its values beside it, and each front end
//! phrases it its own way: the CLI as the command to run, the app as a button or a dialog.

use std::collections::BTreeMap;
use std::path::Path;

use deskmate_cards::CardError;
use deskmate_rooms::RoomError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub hint: String,
    /// Values the app shows or acts on, by name (a host key's `fingerprint`, say).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<String, String>>", optional)]
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

    /// The step the owner can take next, for the front end to offer.
    pub fn with_action(self, action: Action) -> Self {
        self.with_detail("action", action.as_str())
    }

    /// The next step, if the error names one.
    pub fn action(&self) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|a| self.details.get("action").map(String::as_str) == Some(a.as_str()))
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
}

/// Next steps a front end can offer; the values each needs are in `details` beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Give a picture for a PNG card.
    GivePicture,
    /// Make a PNG card from a .json card and a picture.
    CardFromPicture,
    /// Trust the server's key (`fingerprint`) on a first contact, after comparing it.
    TrustNewKey,
    /// Trust the changed key (`actual`) of the saved server `server`.
    TrustChangedKey,
    /// Add the server again, replacing its changed key (`actual`).
    ReplaceKeyWhileAdding,
    /// Remove the server `server` (to add it again).
    RemoveServer,
    /// Show the list of servers.
    ListServers,
    /// Show the persona list (and its trash).
    ListPersonas,
    /// Show the room templates.
    ListTemplates,
    /// Start a room from a template.
    NewRoom,
    /// Validate the room to see its errors.
    ValidateRoom,
    /// Show the installed plugins.
    ListPlugins,
    /// Give the key's passphrase.
    GivePassphrase,
    /// Restore the backup `backup` of `server`'s `environment` (the one taken before an
    /// update that changed the database and failed).
    RestoreBackup,
    /// Clear the deploy lock of `server`'s `environment`, left by a change that was cut off:
    /// only after showing who holds it and since when, and asking.
    ClearDeployLock,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::GivePicture,
        Action::CardFromPicture,
        Action::TrustNewKey,
        Action::TrustChangedKey,
        Action::ReplaceKeyWhileAdding,
        Action::RemoveServer,
        Action::ListServers,
        Action::ListPersonas,
        Action::ListTemplates,
        Action::NewRoom,
        Action::ValidateRoom,
        Action::ListPlugins,
        Action::GivePassphrase,
        Action::RestoreBackup,
        Action::ClearDeployLock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::GivePicture => "give_picture",
            Action::CardFromPicture => "card_from_picture",
            Action::TrustNewKey => "trust_new_key",
            Action::TrustChangedKey => "trust_changed_key",
            Action::ReplaceKeyWhileAdding => "replace_key_while_adding",
            Action::RemoveServer => "remove_server",
            Action::ListServers => "list_servers",
            Action::ListPersonas => "list_personas",
            Action::ListTemplates => "list_templates",
            Action::NewRoom => "new_room",
            Action::ValidateRoom => "validate_room",
            Action::ListPlugins => "list_plugins",
            Action::GivePassphrase => "give_passphrase",
            Action::RestoreBackup => "restore_backup",
            Action::ClearDeployLock => "clear_deploy_lock",
        }
    }
}

impl From<CardError> for ApiError {
    fn from(err: CardError) -> Self {
        let hint = card_hint(&err);
        let api = ApiError::new(err.code(), err.to_string(), hint);
        match err {
            CardError::UnknownFormat | CardError::PngNoCard => {
                api.with_action(Action::CardFromPicture)
            }
            CardError::PngTruncated { .. } | CardError::PngNoIend | CardError::NoPicture => {
                api.with_action(Action::GivePicture)
            }
            _ => api,
        }
    }
}

fn card_hint(err: &CardError) -> &'static str {
    use CardError::*;
    match err {
        TooLarge { .. } => {
            "this is far larger than any character card; check that you picked the right file"
        }
        UnknownFormat => {
            "pick a .png, .json or .charx character card; to make a card from a picture, convert a .json card and give it the picture"
        }
        NotPng => {
            "the file is not a PNG even if its name says so; open it in an image viewer to check"
        }
        PngTruncated { .. } | PngNoIend => {
            "the picture is damaged, so it cannot be kept; save the card as .json, or give it a new picture"
        }
        PngChunkTooLarge { .. } | PngTooManyChunks { .. } => {
            "the PNG is malformed or hostile; do not use it"
        }
        PngNoCard => {
            "this is a plain picture with no character in it; to make one, convert a .json card and give it this picture"
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
        CharxIsV3 => "save it as V3, or as .json or .png for a V2 card",
        NoPicture => {
            "give it a picture (PNG, JPEG, WebP or GIF); it is cropped to 2:3 and sized 400x600"
        }
    }
}

/// Library errors with a hint for the owner.
pub(crate) fn library_error(err: deskmate_library::LibraryError) -> ApiError {
    use deskmate_library::LibraryError::*;
    let (hint, action) = match &err {
        ServerExists { .. } => (
            "pick another name, or remove the server of that name first",
            Some(Action::RemoveServer),
        ),
        ServerNotFound { .. } => ("see the list of your servers", Some(Action::ListServers)),
        InvalidServer(_) => ("fix that value and try again", None),
        NewerSchema { .. } => (
            "update DeskMate Studio; this version cannot read the newer library",
            None,
        ),
        Io { .. } | Sqlite(_) => (
            "check that the data folder is writable and the disk is not full",
            None,
        ),
        PersonaNotFound { .. } => (
            "see the persona list for the ids; deleted personas are in its trash",
            Some(Action::ListPersonas),
        ),
        InvalidRating { .. } => ("give 1 to 5 stars, or clear the rating", None),
        InvalidTag { .. } | TooManyTags { .. } => {
            ("use short tags, like `fantasy` or `cozy`", None)
        }
        RoomNotFound { .. } => ("see the saved rooms in the room list", None),
        InvalidRoomName { .. } => ("give the room a short name", None),
        RoomExists { .. } => ("pick another name, or rename the other room first", None),
    };
    let server = match &err {
        ServerExists { name } | ServerNotFound { name } => Some(name.clone()),
        _ => None,
    };
    let mut api = ApiError::new(err.code(), err.to_string(), hint);
    if let Some(action) = action {
        api = api.with_action(action);
    }
    if let Some(name) = server {
        api = api.with_detail("server", name);
    }
    api
}

impl From<RoomError> for ApiError {
    fn from(err: RoomError) -> Self {
        let hint = room_hint(&err);
        let api = ApiError::new(err.code(), err.to_string(), hint);
        match err {
            RoomError::UnsupportedFormat { .. } => api.with_action(Action::NewRoom),
            RoomError::UnknownTemplate { .. } => api.with_action(Action::ListTemplates),
            _ => api,
        }
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
            "this room was made for another version or another tool; update DeskMate Studio, or start a new room from a template"
        }
        UnsupportedFormat { found: None } => {
            "a DeskMate room starts with \"format\": \"deskmate.room/1\"; start a new room from a template"
        }
        GridTooLarge { .. } | TooManyObjects { .. } => {
            "a DeskMate room is 64x16 cells with tens of objects; check the file"
        }
        UnknownTemplate { .. } => "pick one of the templates: modern, cozy, office or futuristic",
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
        PackageBadSprite { .. } => "use PNG, WebP, GIF, JPEG or SVG pictures with plain file names",
        BadSvg { .. } => {
            "save the drawing as plain SVG (shapes, paths, gradients and text only), with no scripts, links or embedded pictures"
        }
        BadPicture { .. } => {
            "use a PNG (at most 2048 pixels a side) or a plain SVG, under 512 KiB, with a plain file name"
        }
        RenderFailed { .. } => "try again; if it keeps failing, report it",
    }
}
