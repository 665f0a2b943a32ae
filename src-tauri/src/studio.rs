//! The app's state: what stays open while the window is. The api layer's [`App`] (one
//! library, plugins, servers), the rooms open in editors, and the long tasks running.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use deskmate_api::{ApiError, App, DataDir, RoomSession};

use crate::dialogs::{Dialogs, NoDialogs};
use crate::grants::PathGrants;
use crate::notifications::{NoNotifier, Notifier};
use crate::tasks::{LONG_TASK_WORKERS, Pool, Running};

pub struct Studio {
    pub(crate) app: App,
    pub(crate) rooms: Mutex<OpenRooms>,
    pub(crate) running: Running,
    pub(crate) long_tasks: Pool,
    grants: PathGrants,
    /// Set once the app has a window to show dialogs on (or by the test bridge).
    dialogs: OnceLock<Box<dyn Dialogs>>,
    /// Likewise for desktop notifications.
    notifier: OnceLock<Box<dyn Notifier>>,
    /// Where the installed app keeps the files it ships with (Tauri's resource folder), set
    /// once at start-up.
    resources: OnceLock<PathBuf>,
    /// Where system files (boot unit, timers, firewall rules) go on a server: empty, so
    /// `/etc`, except under `DESKMATE_HOST_ROOT`, which the app's own tests set so that an
    /// install as root on the test machine never writes its `/etc`.
    host_root: String,
}

/// See [`Studio::host_root`].
pub const HOST_ROOT_ENV: &str = "DESKMATE_HOST_ROOT";

/// Rooms open in editors, by the id the window holds.
#[derive(Default)]
pub(crate) struct OpenRooms {
    next: u64,
    sessions: HashMap<u64, RoomSession>,
}

impl OpenRooms {
    pub(crate) fn insert(&mut self, session: RoomSession) -> u64 {
        self.next += 1;
        self.sessions.insert(self.next, session);
        self.next
    }

    pub(crate) fn get(&mut self, id: u64) -> Result<&mut RoomSession, ApiError> {
        self.sessions.get_mut(&id).ok_or_else(|| {
            ApiError::new(
                "room.not_open",
                "this room is no longer open in the editor",
                "open the room again from the room list",
            )
        })
    }

    pub(crate) fn close(&mut self, id: u64) {
        self.sessions.remove(&id);
    }
}

impl Studio {
    /// Opens the library, plugins and server profiles in `data`.
    pub fn open(data: DataDir) -> Result<Studio, ApiError> {
        Ok(Studio {
            app: App::open(data)?,
            rooms: Mutex::default(),
            running: Running::default(),
            long_tasks: Pool::new(LONG_TASK_WORKERS),
            grants: PathGrants::default(),
            dialogs: OnceLock::new(),
            notifier: OnceLock::new(),
            resources: OnceLock::new(),
            host_root: std::env::var(HOST_ROOT_ENV).unwrap_or_default(),
        })
    }

    /// The paths the owner chose, which commands check before they touch a file.
    pub fn grants(&self) -> &PathGrants {
        &self.grants
    }

    /// A release file may be used when the owner chose it now, or chose (or added) it
    /// before: the app remembers those (`KnownReleases`).
    pub fn require_release(&self, path: &Path) -> Result<(), ApiError> {
        if self.app.releases.contains(path) {
            return Ok(());
        }
        self.grants.require(path)
    }

    /// Remembers a release file a server now runs, so the home page can tell when a newer
    /// one is known. The server's work is done by then; only the shortcut can be missing.
    pub fn remember_release(&self, path: &Path) {
        if let Err(err) = self.app.releases.add(path) {
            tracing::warn!(
                code = err.code,
                "could not remember the release file: {}",
                err.message
            );
        }
    }

    /// The prefix for system files on servers; see the field.
    pub fn host_root(&self) -> &str {
        &self.host_root
    }

    /// How dialogs are shown; the first call wins.
    pub fn set_dialogs(&self, dialogs: Box<dyn Dialogs>) {
        let _ = self.dialogs.set(dialogs);
    }

    /// How desktop notifications are shown; the first call wins.
    pub fn set_notifier(&self, notifier: Box<dyn Notifier>) {
        let _ = self.notifier.set(notifier);
    }

    pub(crate) fn notifier(&self) -> &dyn Notifier {
        self.notifier.get().map_or(&NoNotifier, |n| n.as_ref())
    }

    /// Where the files the app ships with are; the first call wins.
    pub fn set_resources(&self, folder: PathBuf) {
        let _ = self.resources.set(folder);
    }

    pub(crate) fn resources(&self) -> Option<&Path> {
        self.resources.get().map(PathBuf::as_path)
    }

    pub(crate) fn dialogs(&self) -> &dyn Dialogs {
        self.dialogs.get().map_or(&NoDialogs, |d| d.as_ref())
    }
}

/// A lock whose holder panicked is still usable: each value behind one is left consistent by
/// the api layer (a failed call changes nothing), so the app carries on.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
