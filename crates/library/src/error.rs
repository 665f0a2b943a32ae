use std::path::PathBuf;

pub type Result<T, E = LibraryError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("could not use {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the library database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error(
        "the library was written by a newer DeskMate Studio (schema {found}; this version knows up to {known})"
    )]
    NewerSchema { found: u32, known: u32 },

    #[error("a server named `{name}` already exists")]
    ServerExists { name: String },

    #[error("no server is named `{name}`")]
    ServerNotFound { name: String },

    #[error("the server profile is not valid: {0}")]
    InvalidServer(String),

    #[error("no persona has the id {id}")]
    PersonaNotFound { id: i64 },

    #[error("a rating is 1 to 5 stars, not {stars}")]
    InvalidRating { stars: u8 },

    #[error(
        "the tag `{tag}` is empty, too long (64 characters at most) or has a control character"
    )]
    InvalidTag { tag: String },

    #[error("a persona can have at most {limit} tags")]
    TooManyTags { limit: usize },

    #[error("no saved room is named `{name}`")]
    RoomNotFound { name: String },

    #[error("`{name}` cannot name a room: use 1 to 200 characters")]
    InvalidRoomName { name: String },

    #[error("a saved room is already named `{name}`")]
    RoomExists { name: String },
}

impl LibraryError {
    /// The stable code, `library.reason` or `server.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            LibraryError::Io { .. } => "library.io",
            LibraryError::Sqlite(_) => "library.database",
            LibraryError::NewerSchema { .. } => "library.newer_schema",
            LibraryError::ServerExists { .. } => "server.exists",
            LibraryError::ServerNotFound { .. } => "server.not_found",
            LibraryError::InvalidServer(_) => "server.invalid",
            LibraryError::PersonaNotFound { .. } => "persona.not_found",
            LibraryError::InvalidRating { .. } => "persona.invalid_rating",
            LibraryError::InvalidTag { .. } => "persona.invalid_tag",
            LibraryError::TooManyTags { .. } => "persona.too_many_tags",
            LibraryError::RoomNotFound { .. } => "room.not_found",
            LibraryError::InvalidRoomName { .. } => "room.invalid_name",
            LibraryError::RoomExists { .. } => "room.exists",
        }
    }
}
