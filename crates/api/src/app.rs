//! The application object: everything a front end keeps open, made once per process.
//!
//! The Tauri app holds one `App` as its state; the CLI opens the part each command needs.
//! Every method of its parts takes `&self` and locks the one shared library only around a
//! database call, so any number of front-end calls run at once: a health check over SSH
//! never keeps the persona list waiting, and tasks on two servers run side by side, while
//! two on the same server are refused (`server.busy`) rather than interleaved.

use std::sync::Arc;

use crate::known_releases::KnownReleases;
use crate::shared_library::SharedLibrary;
use crate::{ApiError, DataDir, Personas, Plugins, SavedRooms, Servers};

pub struct App {
    pub data: DataDir,
    pub personas: Personas,
    pub saved_rooms: SavedRooms,
    pub servers: Servers,
    /// The release files this computer knows (see [`KnownReleases`]).
    pub releases: KnownReleases,
    /// Shared with validation calls that outlive a borrow of the app.
    pub plugins: Arc<Plugins>,
}

impl App {
    /// Opens the library (once), the plugins and the server profiles in `data`.
    pub fn open(data: DataDir) -> Result<App, ApiError> {
        let library = SharedLibrary::open(&data)?;
        Ok(App {
            personas: Personas::on(library.clone()),
            saved_rooms: SavedRooms::on(library.clone()),
            servers: Servers::on(library, &data),
            releases: KnownReleases::open(&data),
            plugins: Arc::new(Plugins::open(&data)?),
            data,
        })
    }
}
