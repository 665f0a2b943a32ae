//! The owner's saved rooms, kept in the library beside the personas, so the app's room page
//! lists them by name without the owner handling files.

use deskmate_rooms::{self as rooms, Limits, Room};

use crate::documents::room_document;
use serde::Serialize;

use crate::error::library_error;
use crate::shared_library::SharedLibrary;
use crate::{ApiError, DataDir};

pub struct SavedRooms {
    library: SharedLibrary,
}

/// One row of the saved-room list.
#[derive(Debug, Clone, Serialize)]
pub struct SavedRoomSummary {
    pub name: String,
    pub modified_at: i64,
}

impl SavedRooms {
    pub fn open(data: &DataDir) -> Result<SavedRooms, ApiError> {
        Ok(SavedRooms::on(SharedLibrary::open(data)?))
    }

    /// Saved rooms in a library the rest of the app shares.
    pub fn on(library: SharedLibrary) -> SavedRooms {
        SavedRooms { library }
    }

    /// Saves `room` under `name`, replacing a saved room of that name.
    pub fn save(&self, name: &str, room: &Room) -> Result<(), ApiError> {
        self.library
            .lock()
            .save_room(name, &room_document(room))
            .map_err(library_error)
    }

    pub fn list(&self) -> Result<Vec<SavedRoomSummary>, ApiError> {
        // One lock for the whole listing: a second `lock()` inside the loop would wait on
        // this statement's own guard.
        let library = self.library.lock();
        let names = library.room_names().map_err(library_error)?;
        names
            .into_iter()
            .map(|name| {
                let saved = library.room(&name).map_err(library_error)?;
                Ok(SavedRoomSummary {
                    name: saved.name,
                    modified_at: saved.times.modified_at,
                })
            })
            .collect()
    }

    pub fn rename(&self, name: &str, new_name: &str) -> Result<(), ApiError> {
        self.library
            .lock()
            .rename_room(name, new_name)
            .map_err(library_error)
    }

    pub fn duplicate(&self, name: &str, new_name: &str) -> Result<(), ApiError> {
        self.library
            .lock()
            .duplicate_room(name, new_name)
            .map_err(library_error)
    }

    pub fn delete(&self, name: &str) -> Result<(), ApiError> {
        self.library.lock().delete_room(name).map_err(library_error)
    }

    /// A small picture of a saved room for the room list (PNG, no labels).
    pub fn thumbnail(&self, name: &str) -> Result<Vec<u8>, ApiError> {
        crate::room::thumbnail(&self.load(name)?)
    }

    /// Reads a saved room back, with the same limits as a room file.
    pub fn load(&self, name: &str) -> Result<Room, ApiError> {
        let saved = self.library.lock().room(name).map_err(library_error)?;
        Ok(rooms::read_room(
            saved.document.as_bytes(),
            &Limits::default(),
        )?)
    }
}
