//! The schema, as the ordered steps that build it.
//!
//! Step N (1-based) takes a database from `user_version` N-1 to N. A published step never
//! changes; a new need is a new step at the end.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{LibraryError, Result};

/// Every step, oldest first.
pub const STEPS: &[&str] = &[
    // 1: server profiles. Secrets are not here: the keychain holds them.
    "CREATE TABLE servers (
        name        TEXT PRIMARY KEY NOT NULL,
        host        TEXT NOT NULL,
        port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        user        TEXT NOT NULL,
        auth        TEXT NOT NULL CHECK (auth IN ('agent', 'key', 'password')),
        key_path    TEXT,
        stack_dir   TEXT NOT NULL,
        domain      TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        CHECK ((auth = 'key') = (key_path IS NOT NULL))
    ) STRICT;",
    // 2: where the backend's /health answers on the server, and each health report run.
    "ALTER TABLE servers ADD COLUMN backend_port INTEGER NOT NULL DEFAULT 8001
        CHECK (backend_port BETWEEN 1 AND 65535);
    CREATE TABLE health_runs (
        id          INTEGER PRIMARY KEY,
        server      TEXT NOT NULL REFERENCES servers (name) ON DELETE CASCADE,
        checked_at  INTEGER NOT NULL,
        overall     TEXT NOT NULL CHECK (overall IN ('pass', 'warn', 'fail')),
        elapsed_ms  INTEGER NOT NULL,
        report      TEXT NOT NULL
    ) STRICT;
    CREATE INDEX health_runs_by_server ON health_runs (server, checked_at);",
    // 3: the persona library, expression sprites and saved rooms. The big values (the card
    // JSON, the imported file, pictures) sit in tables of their own, so listing and searching
    // thousands of personas reads only the small rows.
    "CREATE TABLE personas (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
        card_name     TEXT NOT NULL,
        creator       TEXT NOT NULL,
        spec          TEXT NOT NULL CHECK (spec IN ('v1', 'v2', 'v3')),
        source_format TEXT NOT NULL CHECK (source_format IN ('png', 'json', 'charx')),
        source_file   TEXT NOT NULL,
        source_sha256 TEXT NOT NULL UNIQUE,
        rating        INTEGER CHECK (rating BETWEEN 1 AND 5),
        notes         TEXT NOT NULL DEFAULT '',
        created_at    INTEGER NOT NULL,
        modified_at   INTEGER NOT NULL,
        trashed_at    INTEGER
    ) STRICT;
    CREATE INDEX personas_by_creator ON personas (creator COLLATE NOCASE);
    CREATE TABLE persona_cards (
        persona  INTEGER PRIMARY KEY REFERENCES personas (id) ON DELETE CASCADE,
        card     TEXT NOT NULL
    ) STRICT;
    CREATE TABLE persona_sources (
        persona  INTEGER PRIMARY KEY REFERENCES personas (id) ON DELETE CASCADE,
        bytes    BLOB NOT NULL
    ) STRICT;
    CREATE TABLE persona_pictures (
        persona    INTEGER PRIMARY KEY REFERENCES personas (id) ON DELETE CASCADE,
        avatar     BLOB,
        thumbnail  BLOB
    ) STRICT;
    CREATE TABLE persona_tags (
        persona  INTEGER NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
        tag      TEXT NOT NULL COLLATE NOCASE,
        PRIMARY KEY (persona, tag)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX persona_tags_by_tag ON persona_tags (tag, persona);
    CREATE TABLE sprites (
        persona    INTEGER NOT NULL REFERENCES personas (id) ON DELETE CASCADE,
        file_name  TEXT NOT NULL,
        label      TEXT NOT NULL,
        format     TEXT NOT NULL,
        width      INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        alpha      INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        image      BLOB NOT NULL,
        PRIMARY KEY (persona, file_name)
    ) STRICT;
    CREATE TABLE rooms (
        name         TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
        document     TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        modified_at  INTEGER NOT NULL
    ) STRICT;",
    // 4: the release installed on each server, per environment (production, staging).
    "CREATE TABLE installs (
        server        TEXT NOT NULL REFERENCES servers (name) ON DELETE CASCADE,
        environment   TEXT NOT NULL CHECK (environment IN ('production', 'staging')),
        version       TEXT NOT NULL,
        source        TEXT NOT NULL,
        installed_at  INTEGER NOT NULL,
        -- How the app reaches the backend's health through the proxy, from the server.
        proxy_port    INTEGER NOT NULL CHECK (proxy_port BETWEEN 1 AND 65535),
        proxy_https   INTEGER NOT NULL CHECK (proxy_https IN (0, 1)),
        proxy_host    TEXT NOT NULL,
        PRIMARY KEY (server, environment)
    ) STRICT;",
];

pub fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Applies the steps this database has not had yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let known = STEPS.len() as u32;
    loop {
        // IMMEDIATE takes the write lock before the version is read, so two processes that
        // open a new library at once never both run the same step: the second waits (up to
        // the busy timeout), then finds the step done.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = version(&tx)?;
        if found > known {
            return Err(LibraryError::NewerSchema { found, known });
        }
        let Some(step) = STEPS.get(found as usize) else {
            return Ok(());
        };
        tx.execute_batch(step)?;
        // `user_version` cannot take a bound parameter; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {}", found + 1))?;
        tx.commit()?;
    }
}
