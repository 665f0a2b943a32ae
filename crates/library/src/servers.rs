//! Server profiles: how to reach the owner's DeskMate server. Never a secret.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::Library;
use crate::error::{LibraryError, Result};

/// Where DeskMate's Compose stack lives on the server unless the owner says otherwise.
pub const DEFAULT_STACK_DIR: &str = "/opt/deskmate";
/// Where DeskMate's compose file publishes the backend on the server (8001 -> 8000).
pub const DEFAULT_BACKEND_PORT: u16 = 8001;

/// How the app signs in. A password or a key's passphrase is kept in the keychain, under
/// the profile's name; the profile only records which way it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Auth {
    /// Keys held by the running ssh-agent.
    Agent,
    /// A private key file (its passphrase, if any, is in the keychain).
    Key { path: String },
    /// A password (in the keychain).
    Password,
}

/// How to reach a server: what the owner enters to add one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Server {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: Auth,
    pub stack_dir: String,
    pub domain: Option<String>,
    /// The backend's port on the server's loopback, for its `/health`.
    pub backend_port: u16,
}

/// A saved server: the server and when it was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ServerProfile {
    #[serde(flatten)]
    pub server: Server,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
}

impl Library {
    /// Saves a new profile; a name already in use is refused.
    pub fn add_server(&mut self, server: &Server) -> Result<ServerProfile> {
        check_server(server)?;
        let now = now();
        let (auth, key_path) = match &server.auth {
            Auth::Agent => ("agent", None),
            Auth::Key { path } => ("key", Some(path.as_str())),
            Auth::Password => ("password", None),
        };
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM servers WHERE name = ?1)",
            [&server.name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(LibraryError::ServerExists {
                name: server.name.clone(),
            });
        }
        tx.execute(
            "INSERT INTO servers (name, host, port, user, auth, key_path, stack_dir, domain, backend_port, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            params![server.name, server.host, server.port, server.user, auth, key_path, server.stack_dir, server.domain, server.backend_port, now],
        )?;
        tx.commit()?;
        self.server(&server.name)
    }

    pub fn servers(&self) -> Result<Vec<ServerProfile>> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM servers ORDER BY name"))?;
        let rows = statement.query_map([], profile)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn server(&self, name: &str) -> Result<ServerProfile> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM servers WHERE name = ?1"),
                [name],
                profile,
            )
            .optional()?
            .ok_or_else(|| LibraryError::ServerNotFound {
                name: name.to_string(),
            })
    }

    /// Removes a profile and returns what it was.
    pub fn remove_server(&mut self, name: &str) -> Result<ServerProfile> {
        let removed = self.server(name)?;
        self.conn
            .execute("DELETE FROM servers WHERE name = ?1", [name])?;
        Ok(removed)
    }
}

const COLUMNS: &str = "name, host, port, user, auth, key_path, stack_dir, domain, created_at, updated_at, backend_port";

fn profile(row: &Row<'_>) -> rusqlite::Result<ServerProfile> {
    let auth: String = row.get(4)?;
    let key_path: Option<String> = row.get(5)?;
    let auth = match (auth.as_str(), key_path) {
        ("key", Some(path)) => Auth::Key { path },
        ("password", _) => Auth::Password,
        _ => Auth::Agent,
    };
    Ok(ServerProfile {
        server: Server {
            name: row.get(0)?,
            host: row.get(1)?,
            port: row.get(2)?,
            user: row.get(3)?,
            auth,
            stack_dir: row.get(6)?,
            domain: row.get(7)?,
            backend_port: row.get(10)?,
        },
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

/// Checks a profile's fields, with the same rules `add_server` applies. Callers check before
/// they connect, so a bad host name or folder is refused before any key is pinned.
pub fn check_server(server: &Server) -> Result<()> {
    let invalid = |message: String| Err(LibraryError::InvalidServer(message));
    let name_ok = (1..=64).contains(&server.name.len())
        && server
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !name_ok {
        return invalid(format!(
            "the name \"{}\" must be 1–64 letters, digits, `.`, `_` or `-`",
            server.name.escape_debug()
        ));
    }
    if !plain(&server.host, 253) || server.host.starts_with('-') {
        return invalid(format!(
            "the host \"{}\" is not a host name or address",
            server.host.escape_debug()
        ));
    }
    if !plain(&server.user, 64) || server.user.starts_with('-') {
        return invalid(format!(
            "the user \"{}\" is not a user name",
            server.user.escape_debug()
        ));
    }
    if server.port == 0 {
        return invalid("the port must be between 1 and 65535".into());
    }
    if server.backend_port == 0 {
        return invalid("the backend port must be between 1 and 65535".into());
    }
    if !server.stack_dir.starts_with('/') || server.stack_dir.chars().any(char::is_control) {
        return invalid(format!(
            "the stack folder \"{}\" must be an absolute path on the server, like {DEFAULT_STACK_DIR}",
            server.stack_dir.escape_debug()
        ));
    }
    if let Some(domain) = &server.domain
        && !plain(domain, 253)
    {
        return invalid(format!(
            "the domain \"{}\" is not a domain name",
            domain.escape_debug()
        ));
    }
    if let Auth::Key { path } = &server.auth
        && (path.is_empty() || path.chars().any(char::is_control))
    {
        return invalid("the key file path is empty or contains control characters".into());
    }
    Ok(())
}

/// Non-empty, at most `max` bytes, no whitespace or control characters.
fn plain(value: &str, max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
