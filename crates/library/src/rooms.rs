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
        let name = checked_name(name)?;
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

    /// Renames a saved room; refuses a name another room has (ignoring case).
    pub fn rename_room(&mut self, name: &str, new_name: &str) -> Result<()> {
        let new_name = checked_name(new_name)?;
        let tx = self.conn.transaction()?;
        let taken: Option<String> = tx
            .query_row("SELECT name FROM rooms WHERE name = ?1", [new_name], |r| {
                r.get(0)
            })
            .optional()?;
        // Changing only the case of a name is a rename too.
        if taken.is_some_and(|t| !t.eq_ignore_ascii_case(name.trim())) {
            return Err(LibraryError::RoomExists {
                name: new_name.into(),
            });
        }
        let changed = tx.execute(
            "UPDATE rooms SET name = ?2, modified_at = ?3 WHERE name = ?1",
            params![name.trim(), new_name, now()],
        )?;
        if changed == 0 {
            return Err(LibraryError::RoomNotFound { name: name.into() });
        }
        tx.commit()?;
        Ok(())
    }

    /// Copies a saved room under a new name.
    pub fn duplicate_room(&mut self, name: &str, new_name: &str) -> Result<()> {
        let new_name = checked_name(new_name)?;
        let document = self.room(name)?.document;
        let now = now();
        let inserted = self.conn.execute(
            "INSERT INTO rooms (name, document, created_at, modified_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (name) DO NOTHING",
            params![new_name, document, now],
        )?;
        if inserted == 0 {
            return Err(LibraryError::RoomExists {
                name: new_name.into(),
            });
        }
        Ok(())
    }

    pub fn delete_room(&mut self, name: &str) -> Result<()> {
        let deleted = self
            .conn
            .execute("DELETE FROM rooms WHERE name = ?1", [name.trim()])?;
        if deleted == 0 {
            return Err(LibraryError::RoomNotFound { name: name.into() });
        }
        Ok(())
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

fn checked_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(LibraryError::InvalidRoomName { name: name.into() });
    }
    Ok(name)
}
