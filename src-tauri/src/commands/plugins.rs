//! The plugins page: what is installed, with its limits and problems; install, toggle,
//! remove; and the examples that ship with the app, installed in one click.

use std::path::PathBuf;

use deskmate_api::ApiError;
use serde::Deserialize;
use serde_json::Value;

use super::{Handler, Reply, args, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("plugin_list", list),
    ("plugin_install", install),
    ("plugin_set_enabled", set_enabled),
    ("plugin_remove", remove),
    ("plugin_examples", examples),
    ("plugin_install_example", install_example),
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

/// Where the example plugins that ship with the app are: `DESKMATE_EXAMPLE_PLUGINS`, else
/// the installed app's resource folder (the `.deb` puts them there), else a `plugins` folder
/// beside the app's binary, else the one a source build makes (`target/plugins`, beside
/// `target/debug`).
fn examples_folder(studio: &Studio) -> Option<PathBuf> {
    if let Some(folder) = std::env::var_os("DESKMATE_EXAMPLE_PLUGINS") {
        return Some(PathBuf::from(folder));
    }
    let exe = std::env::current_exe().ok()?;
    let beside = exe.parent()?;
    let bundled = studio.resources().map(|r| r.join("plugins"));
    bundled
        .into_iter()
        .chain([beside.join("plugins"), beside.parent()?.join("plugins")])
        .find(|f| f.is_dir())
}

/// The examples to try, each with whether it is installed; none when this build has none.
fn examples(studio: &Studio, _: Value, _: &Task) -> Reply {
    match examples_folder(studio) {
        Some(folder) => reply(studio.app.plugins.examples(&folder)?),
        None => reply(Vec::<()>::new()),
    }
}

#[derive(Deserialize)]
struct ExampleId {
    id: String,
}

/// Installs an example in one click: the folder is the app's own, not the window's.
fn install_example(studio: &Studio, value: Value, _: &Task) -> Reply {
    let ExampleId { id } = args(value)?;
    let folder = examples_folder(studio).ok_or_else(|| {
        ApiError::new(
            "plugin.no_examples",
            "this build of DeskMate Studio carries no example plugins",
            "install a plugin folder with Install a plugin…",
        )
    })?;
    reply(studio.app.plugins.install_example(&folder, &id)?)
}
