//! Saved rooms: the owner's room documents, by name.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{LibraryError, Result};
use crate::servers::now;
use crate::{Library, Timestamps};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedRoom {
    pub name: String,
    /// The room document as JSON text.
    pub document: String,
    #[serde(flatten)]
    pub times: Timestamps,
}

impl Library {
    /// Saves a room under `name`, replacing the saved room of that name (ignoring case).
    pub fn save_room(&mut self, name: &str, document: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(LibraryError::InvalidRoomName { name: name.into() });
        }
        let now = now();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO rooms (name, document, created_at, modified_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (name) DO UPDATE SET document = excluded.document,
                                              modified_at = excluded.modified_at",
            params![name, document, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn room(&self, name: &str) -> Result<SavedRoom> {
        self.conn
            .query_row(
                "SELECT name, document, created_at, modified_at FROM rooms WHERE name = ?1",
                [name.trim()],
                |r| {
                    Ok(SavedRoom {
                        name: r.get(0)?,
                        document: r.get(1)?,
                        times: Timestamps {
                            created_at: r.get(2)?,
                            modified_at: r.get(3)?,
                        },
                    })
                },
            )
            .optional()?
            .ok_or_else(|| LibraryError::RoomNotFound { name: name.into() })
    }

    /// Saved room names, A to Z.
    pub fn room_names(&self) -> Result<Vec<String>> {
        let mut statement = self
            .conn
            .prepare("SELECT name FROM rooms ORDER BY name COLLATE NOCASE")?;
        let rows = statement.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
