//! The persona page: the library grid, import, the card editor, export, trash, expressions.

use std::path::PathBuf;

use deskmate_api::{Continue, PersonaQuery, PersonaSort, Progress};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, Reply, args, data_url, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("persona_list", list),
    ("persona_thumbnail", thumbnail),
    ("persona_sprite", sprite),
    ("persona_show", show),
    ("persona_import", import),
    ("persona_update_card", update_card),
    ("persona_repair", repair),
    ("persona_export", export),
    ("persona_delete", delete),
    ("persona_restore", restore),
    ("persona_empty_trash", empty_trash),
    ("persona_tag", tag),
    ("persona_rate", rate),
    ("persona_note", note),
    ("persona_expressions_import", expressions_import),
    ("persona_sprite_add", sprite_add),
    ("persona_sprite_remove", sprite_remove),
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct List {
    search: Option<String>,
    tag: Option<String>,
    creator: Option<String>,
    /// `name` (default), `newest`, `modified` or `rating`.
    sort: Option<String>,
    trash: bool,
}

fn list(studio: &Studio, value: Value, _: &Task) -> Reply {
    let List {
        search,
        tag,
        creator,
        sort,
        trash,
    } = args(value)?;
    let sort = match sort.as_deref() {
        Some("newest") => PersonaSort::Newest,
        Some("modified") => PersonaSort::Modified,
        Some("rating") => PersonaSort::Rating,
        _ => PersonaSort::Name,
    };
    let query = PersonaQuery {
        search: search.filter(|s| !s.trim().is_empty()),
        tag,
        creator,
        sort,
        trash,
    };
    reply(studio.app.personas.list(&query)?)
}

#[derive(Deserialize)]
struct One {
    id: i64,
}

#[derive(Deserialize)]
struct Many {
    ids: Vec<i64>,
}

fn thumbnail(studio: &Studio, value: Value, _: &Task) -> Reply {
    let One { id } = args(value)?;
    let png = studio.app.personas.thumbnail(id)?;
    Ok(json!({ "png": png.as_deref().map(|png| data_url("png", png)) }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpriteOf {
    id: i64,
    file_name: String,
}

#[derive(Deserialize)]
struct SpriteFile {
    id: i64,
    path: PathBuf,
}

/// Adds one picture the owner chose to the persona's set.
fn sprite_add(studio: &Studio, value: Value, _: &Task) -> Reply {
    let SpriteFile { id, path } = args(value)?;
    studio.grants().require(&path)?;
    reply(studio.app.personas.add_sprite(id, &path)?)
}

fn sprite_remove(studio: &Studio, value: Value, _: &Task) -> Reply {
    let SpriteOf { id, file_name } = args(value)?;
    reply(studio.app.personas.remove_sprite(id, &file_name)?)
}

/// One expression picture, to show in the expressions tab.
fn sprite(studio: &Studio, value: Value, _: &Task) -> Reply {
    let SpriteOf { id, file_name } = args(value)?;
    let (format, bytes) = studio.app.personas.sprite_image(id, &file_name)?;
    Ok(json!({ "url": data_url(&format, &bytes) }))
}

fn show(studio: &Studio, value: Value, _: &Task) -> Reply {
    let One { id } = args(value)?;
    reply(studio.app.personas.show(id)?)
}

#[derive(Deserialize)]
struct Import {
    paths: Vec<PathBuf>,
}

/// A long task: progress goes to the window after each file, and a cancel stops it between
/// files with every imported persona whole.
fn import(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Import { paths } = args(value)?;
    for path in &paths {
        studio.grants().require(path)?;
    }
    let report = studio
        .app
        .personas
        .import(&paths, &mut |p| progress(task, p))?;
    reply(report)
}

/// Reports to the window and answers whether to go on.
fn progress(task: &Task, p: Progress) -> Continue {
    task.report(json!({ "done": p.done, "total": p.total }));
    if task.is_cancelled() {
        Continue::Stop
    } else {
        Continue::Go
    }
}

#[derive(Deserialize)]
struct UpdateCard {
    id: i64,
    card: Value,
}

fn update_card(studio: &Studio, value: Value, _: &Task) -> Reply {
    let UpdateCard { id, card } = args(value)?;
    let diagnostics = studio.app.personas.update_card(id, card)?;
    reply(json!({ "diagnostics": diagnostics }))
}

/// The app's Repair button: what `card repair` does, on the stored card, with each change.
fn repair(studio: &Studio, value: Value, _: &Task) -> Reply {
    let One { id } = args(value)?;
    reply(studio.app.personas.repair(id)?)
}

#[derive(Deserialize)]
struct Export {
    ids: Vec<i64>,
    /// `.png`, `.json` or `.charx` for one persona, `.zip` for several.
    path: PathBuf,
}

/// A long task when it is a zip of many: progress after each persona; a cancel leaves no file.
fn export(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Export { ids, path } = args(value)?;
    studio.grants().require(&path)?;
    let report = studio
        .app
        .personas
        .export(&ids, &path, None, &mut |p| progress(task, p))?;
    reply(report)
}

fn delete(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Many { ids } = args(value)?;
    studio.app.personas.delete(&ids)?;
    Ok(json!({ "trashed": ids }))
}

fn restore(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Many { ids } = args(value)?;
    studio.app.personas.restore(&ids)?;
    Ok(json!({ "restored": ids }))
}

fn empty_trash(studio: &Studio, _: Value, _: &Task) -> Reply {
    let gone = studio.app.personas.empty_trash()?;
    Ok(json!({ "deleted": gone }))
}

#[derive(Deserialize)]
struct Tag {
    ids: Vec<i64>,
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

fn tag(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Tag { ids, add, remove } = args(value)?;
    studio.app.personas.tag(&ids, &add, &remove)?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
struct Rate {
    ids: Vec<i64>,
    stars: Option<u8>,
}

fn rate(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Rate { ids, stars } = args(value)?;
    studio.app.personas.rate(&ids, stars)?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
struct Note {
    id: i64,
    text: String,
}

fn note(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Note { id, text } = args(value)?;
    studio.app.personas.note(id, &text)?;
    Ok(Value::Null)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpressionsImport {
    id: i64,
    /// A folder or a zip of sprites.
    path: PathBuf,
    #[serde(default)]
    replace: bool,
}

fn expressions_import(studio: &Studio, value: Value, _: &Task) -> Reply {
    let ExpressionsImport { id, path, replace } = args(value)?;
    studio.grants().require(&path)?;
    reply(studio.app.personas.import_expressions(id, &path, replace)?)
}
