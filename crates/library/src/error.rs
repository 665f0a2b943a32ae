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
        }
    }
}
