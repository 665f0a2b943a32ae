//! Publishing from the app: the room open in the editor, or personas picked in the library,
//! to a server's production install (`Servers::room_publish` / `persona_publish`), each
//! checked through the backend there.

use deskmate_api::Environment;
use deskmate_api::servers::Shown;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, Name, Reply, args, data_url, reply};
use crate::studio::lock;
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("server_publish_room", room),
    ("server_publish_personas", personas),
    ("server_publications", publications),
    ("server_published_picture", published_picture),
];

#[derive(Deserialize)]
struct Room {
    /// The server profile.
    name: String,
    /// The editor's open room.
    session: u64,
}

fn room(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Room { name, session } = args(value)?;
    // A copy, so the editor stays usable while the server works.
    let room = lock(&studio.rooms).get(session)?.room().clone();
    reply(studio.app.servers.room_publish(
        &name,
        Environment::Production,
        &room,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

#[derive(Deserialize)]
struct Personas {
    name: String,
    ids: Vec<i64>,
}

fn personas(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Personas { name, ids } = args(value)?;
    reply(studio.app.servers.persona_publish(
        &name,
        Environment::Production,
        &studio.app.personas,
        &ids,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

fn publications(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(
        studio
            .app
            .servers
            .publications(&name, Environment::Production)?,
    )
}

#[derive(Deserialize)]
struct PictureOf {
    name: String,
    /// `room` or `persona`.
    kind: String,
    /// The published room's id or persona's folder.
    of: String,
}

/// The picture of what this computer last published as `of`, for the home page; null when
/// it was published from elsewhere (or not at all).
fn published_picture(studio: &Studio, value: Value, _: &Task) -> Reply {
    let PictureOf { name, kind, of } = args(value)?;
    let shown = if kind == "room" {
        Shown::Room
    } else {
        Shown::Persona
    };
    let png = studio.app.servers.published_picture(&name, shown, &of);
    Ok(json!({ "png": png.as_deref().map(|png| data_url("png", png)) }))
}
