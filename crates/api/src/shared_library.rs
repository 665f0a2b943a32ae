//! One open library for the whole process, shared by every part of the app layer.
//!
//! The app once opened the same SQLite file three times and held each connection behind a
//! lock for whole tasks, so a health check over SSH kept the servers page waiting. Now there
//! is one connection, and each caller locks it for one database call at a time: never across
//! SSH, an import's card reading or an export's encoding.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use deskmate_library::Library;

use crate::error::library_error;
use crate::{ApiError, DataDir};

#[derive(Clone)]
pub struct SharedLibrary(Arc<Mutex<Library>>);

impl SharedLibrary {
    pub fn open(data: &DataDir) -> Result<SharedLibrary, ApiError> {
        let library = Library::open(&data.library()).map_err(library_error)?;
        Ok(SharedLibrary(Arc::new(Mutex::new(library))))
    }

    /// The library, for one call. Hold the guard no longer than the statement that uses it.
    /// A caller that panicked left it consistent (each write is one transaction), so a
    /// poisoned lock is still used.
    pub fn lock(&self) -> MutexGuard<'_, Library> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
