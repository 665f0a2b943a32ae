//! The app's own SQLite store: `library.sqlite` in the data folder.
//!
//! One database holds what DeskMate Studio remembers between runs. Today that is the
//! owner's server profiles and their health history. The persona library, expression
//! sprites and saved rooms will join it, each as a new migration.
//!
//! - **Versioned migrations** ([`migrations`]). SQLite's `user_version` records how far a
//!   database has come. Each step runs in its own transaction, so a crash leaves the
//!   database at one step or the next. A database from a newer app is refused, not guessed
//!   at.
//! - **WAL mode**, so reads never wait on a write. Foreign keys are enforced, and there is
//!   a busy timeout for a second process (the CLI beside the app).
//! - **No secrets.** Passwords and key passphrases belong in the OS keychain. A profile only
//!   says which kind of authentication it uses.

mod error;
mod health_runs;
pub mod migrations;
mod servers;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

pub use error::{LibraryError, Result};
pub use health_runs::{HealthRun, MAX_RUNS_PER_SERVER};
pub use servers::{Auth, DEFAULT_BACKEND_PORT, DEFAULT_STACK_DIR, Server, ServerProfile};

/// The file name inside the app's data folder.
pub const LIBRARY_FILE: &str = "library.sqlite";

pub struct Library {
    conn: Connection,
}

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
        conn.busy_timeout(Duration::from_secs(5))?;
        // `journal_mode` answers with the mode it ended up in; anything but WAL (a file
        // system without shared memory, say) still works, only with less concurrency.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
        let mut library = Library { conn };
        migrations::migrate(&mut library.conn)?;
        Ok(library)
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> Result<u32> {
        migrations::version(&self.conn)
    }

    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))?)
    }
}
