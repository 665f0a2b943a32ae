//! The plugins page: what is installed, with its limits and problems; install, toggle, remove.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use super::{Handler, Reply, args, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("plugin_list", list),
    ("plugin_install", install),
    ("plugin_set_enabled", set_enabled),
    ("plugin_remove", remove),
];

fn list(studio: &Studio, _: Value, _: &Task) -> Reply {
    reply(studio.app.plugins.list()?)
}

#[derive(Deserialize)]
struct Install {
    /// A plugin folder (with `plugin.toml`) or its manifest.
    path: PathBuf,
    #[serde(default)]
    replace: bool,
}

fn install(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Install { path, replace } = args(value)?;
    studio.grants().require(&path)?;
    reply(studio.app.plugins.install(&path, replace)?)
}

#[derive(Deserialize)]
struct Toggle {
    id: String,
    enabled: bool,
}

fn set_enabled(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Toggle { id, enabled } = args(value)?;
    reply(studio.app.plugins.set_enabled(&id, enabled)?)
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

fn remove(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Id { id } = args(value)?;
    reply(studio.app.plugins.remove(&id)?)
}
