//! The app's own SQLite store: `library.sqlite` in the data folder.
//!
//! One database holds what DeskMate Studio remembers between runs: the persona library
//! with its expression sprites and thumbnails, saved rooms, and the owner's server profiles
//! with their health history. This crate stores and finds; reading cards and pictures is
//! `deskmate-cards`' job, and `deskmate-api` joins the two.
//!
//! - **Versioned migrations** ([`migrations`]). SQLite's `user_version` records how far a
//!   database has come. Each step runs in its own transaction, so a crash leaves the
//!   database at one step or the next. A database from a newer app is refused, not guessed
//!   at.
//! - **WAL mode**, so reads never wait on a write. Foreign keys are enforced, and there is
//!   a busy timeout for a second process (the CLI beside the app).
//! - **One transaction per user action.** Importing a persona writes its card, file,
//!   pictures, tags and sprites together, so a crash (even `kill -9`) leaves all or none.
//! - **No secrets.** Passwords and key passphrases belong in the OS keychain. A profile only
//!   says which kind of authentication it uses.

mod error;
mod health_runs;
mod installs;
pub mod migrations;
mod personas;
mod rooms;
mod servers;
mod sprites;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

pub use error::{LibraryError, Result};
pub use health_runs::{HealthRun, MAX_RUNS_PER_SERVER};
pub use installs::Install;
pub use personas::{
    Added, MAX_TAG_CHARS, MAX_TAGS, NewPersona, Persona, PersonaSource, PersonaSummary, Query, Sort,
};
pub use rooms::SavedRoom;
pub use servers::{
    Auth, DEFAULT_BACKEND_PORT, DEFAULT_STACK_DIR, Server, ServerProfile, check_server,
};
pub use sprites::{NewSprite, SpriteInfo};

/// The file name inside the app's data folder.
pub const LIBRARY_FILE: &str = "library.sqlite";

/// When a record was made and last changed, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct Timestamps {
    pub created_at: i64,
    pub modified_at: i64,
}

pub struct Library {
    conn: Connection,
}

/// Turns on write-ahead logging. Switching needs the exclusive lock while the switch holds a
/// shared one, so when two processes open a new library at once SQLite answers one of them
/// "busy" at once instead of waiting (waiting would deadlock). That opener tries again,
/// within the same five seconds the busy timeout allows.
///
/// `journal_mode` answers with the mode it ended up in; anything but WAL (a file system
/// without shared memory, say) still works, only with less concurrency.
fn switch_to_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        }) {
            Ok(_mode) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// How long an opener waits for another process holding the library's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Library {
    /// Opens (creating if needed) the database at `path` and brings it up to date.
    pub fn open(path: &Path) -> Result<Library> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| LibraryError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        switch_to_wal(&conn)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
        let mut library = Library { conn };
        migrations::migrate(&mut library.conn)?;
        Ok(library)
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> Result<u32> {
        migrations::version(&self.conn)
    }

    /// SQLite's own check of the file: `ok`, or what is damaged.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }

    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))?)
    }
}
