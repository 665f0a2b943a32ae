//! A server's backups: list, back up now (progress, cancel), prove one by a trial restore,
//! restore one side by side (or, for disaster recovery, from another server's offsite copy),
//! the daily schedule, the offsite target, and a checked copy on this computer. Production
//! only, as install is.

use std::path::PathBuf;

use deskmate_api::servers::{Part, RestoreOptions, Retention, TargetRequest};
use deskmate_api::{Environment, Secret};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, Name, Reply, args, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("server_backup_list", list),
    ("server_backup_create", create),
    ("server_backup_verify", verify),
    ("server_backup_restore", restore),
    ("server_backup_schedule", schedule),
    ("server_backup_target", target),
    ("server_backup_download", download),
    ("server_backup_heal", heal),
];

fn list(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(
        studio
            .app
            .servers
            .backup_list(&name, Environment::Production)?,
    )
}

#[derive(Deserialize)]
struct Create {
    name: String,
    /// The trial restore after it (the app always asks for it; scripts may skip it).
    #[serde(default = "yes")]
    verify: bool,
}

fn yes() -> bool {
    true
}

/// The operation's events go to the window as `{ "event": … }`; each part the server
/// finishes is a note.
fn create(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Create = args(value)?;
    reply(studio.app.servers.backup_create(
        &a.name,
        Environment::Production,
        a.verify,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

#[derive(Deserialize)]
struct Id {
    name: String,
    id: String,
}

fn verify(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Id = args(value)?;
    reply(studio.app.servers.backup_verify(
        &a.name,
        Environment::Production,
        &a.id,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

#[derive(Deserialize)]
struct Restore {
    name: String,
    id: String,
    /// Empty or absent: everything.
    #[serde(default)]
    parts: Vec<Part>,
    /// Disaster recovery: the lost server whose offsite copy to restore from.
    #[serde(default)]
    from: Option<String>,
}

/// The operation's events go to the window as `{ "event": … }`.
fn restore(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Restore = args(value)?;
    let options = RestoreOptions {
        parts: a.parts,
        from: a.from.filter(|f| !f.is_empty()),
        ..Default::default()
    };
    reply(studio.app.servers.backup_restore(
        &a.name,
        Environment::Production,
        &a.id,
        &options,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Schedule {
    name: String,
    /// HH:MM.
    at: String,
    keep_daily: Option<u32>,
    keep_weekly: Option<u32>,
    keep_monthly: Option<u32>,
}

fn schedule(studio: &Studio, value: Value, _: &Task) -> Reply {
    let a: Schedule = args(value)?;
    let default = Retention::default();
    let retention = Retention {
        daily: a.keep_daily.unwrap_or(default.daily),
        weekly: a.keep_weekly.unwrap_or(default.weekly),
        monthly: a.keep_monthly.unwrap_or(default.monthly),
    };
    reply(studio.app.servers.backup_schedule(
        &a.name,
        Environment::Production,
        &a.at,
        retention,
        studio.host_root(),
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    name: String,
    /// `sftp://…` or `s3:…`; absent with `remove`.
    #[serde(default)]
    target: String,
    fingerprint: Option<String>,
    /// For S3: the store's access key pair.
    access_key: Option<String>,
    secret_key: Option<String>,
    #[serde(default)]
    remove: bool,
}

fn target(studio: &Studio, value: Value, _: &Task) -> Reply {
    let a: Target = args(value)?;
    let request = if a.remove {
        TargetRequest::Remove
    } else if a.target.starts_with("sftp://") {
        TargetRequest::Sftp {
            url: a.target,
            fingerprint: a.fingerprint.filter(|f| !f.trim().is_empty()),
        }
    } else {
        TargetRequest::S3 {
            url: a.target,
            access_key: Secret::new(a.access_key.unwrap_or_default()),
            secret_key: Secret::new(a.secret_key.unwrap_or_default()),
        }
    };
    reply(
        studio
            .app
            .servers
            .backup_target(&a.name, Environment::Production, &request)?,
    )
}

#[derive(Deserialize)]
struct Download {
    name: String,
    /// A folder chosen in the app's dialog.
    folder: PathBuf,
}

/// Progress goes to the window as `{ "done", "of" }` (files).
fn download(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Download = args(value)?;
    studio.grants().require(&a.folder)?;
    let mut on_file = |done: usize, of: usize| task.report(json!({ "done": done, "of": of }));
    reply(studio.app.servers.backup_download(
        &a.name,
        Environment::Production,
        &a.folder,
        &mut on_file,
        &task.cancel(),
    )?)
}

/// A damaged repository set aside and a fresh one begun with a verified backup; the
/// operation's events go to the window as for a backup.
fn heal(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(studio.app.servers.backup_heal(
        &name,
        Environment::Production,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}
