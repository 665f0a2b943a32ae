//! A server's releases: the list (which serves), an update from a release file chosen in
//! the app's dialog (the plan, then each step, cancel), and a rollback. Production only, as
//! install is. And the deploy lock: who holds it, clearing one left behind (the window asks
//! first), and a change cut off midway: what it left and the ways forward
//! (`server_interrupted`), and acting on the one the owner chose (`server_recover`).

use std::path::PathBuf;

use deskmate_api::Environment;
use deskmate_api::servers::{DeployOptions, Recovery, WayKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, Name, Reply, args, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("server_release_list", list),
    ("server_release_deploy", deploy),
    ("server_release_rollback", rollback),
    ("release_known", known),
    ("release_add", add),
    ("server_lock_holder", lock_holder),
    ("server_lock_clear", lock_clear),
    ("server_interrupted", interrupted),
    ("server_recover", recover),
];

/// The release files this computer knows, newest first.
fn known(studio: &Studio, _: Value, _: &Task) -> Reply {
    reply(studio.app.releases.list())
}

#[derive(Deserialize)]
struct Add {
    /// A release file, chosen in the app's dialog.
    path: PathBuf,
}

fn add(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Add { path } = args(value)?;
    studio.grants().require(&path)?;
    reply(studio.app.releases.add(&path)?)
}

fn list(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    reply(
        studio
            .app
            .servers
            .release_list(&name, Environment::Production)?,
    )
}

#[derive(Deserialize)]
struct Deploy {
    name: String,
    /// The release file, chosen in the app's dialog.
    release: PathBuf,
    /// Only the plan; nothing changes.
    #[serde(default)]
    plan: bool,
}

/// Each event of the operation goes to the window as `{ "event": … }`. A cancel before the
/// switch leaves the old release serving; after it, the update rolls back.
fn deploy(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Deploy = args(value)?;
    studio.require_release(&a.release)?;
    let options = DeployOptions {
        plan_only: a.plan,
        ..DeployOptions::default()
    };
    let report = studio.app.servers.release_deploy(
        &a.name,
        &a.release,
        &options,
        &mut task.on_event(),
        &task.cancel(),
    )?;
    if !a.plan {
        studio.remember_release(&a.release);
    }
    reply(report)
}

#[derive(Deserialize)]
struct Rollback {
    name: String,
    /// A version kept on the server that served healthily; when absent, the newest such
    /// one before the current.
    to: Option<String>,
    #[serde(default)]
    plan: bool,
}

fn rollback(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Rollback = args(value)?;
    let options = DeployOptions {
        plan_only: a.plan,
        ..DeployOptions::default()
    };
    reply(studio.app.servers.release_rollback(
        &a.name,
        a.to.as_deref(),
        &options,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Env {
    Production,
    Staging,
}

#[derive(Deserialize)]
struct Lock {
    name: String,
    /// As a refused change's error names it; production when absent.
    environment: Option<Env>,
}

impl Lock {
    fn environment(&self) -> Environment {
        environment(self.environment.as_ref())
    }
}

fn environment(env: Option<&Env>) -> Environment {
    match env {
        Some(Env::Staging) => Environment::Staging,
        _ => Environment::Production,
    }
}

/// Who holds the deploy lock (null when free), with what the owner is told before clearing.
fn lock_holder(studio: &Studio, value: Value, _: &Task) -> Reply {
    let a: Lock = args(value)?;
    reply(studio.app.servers.deploy_lock(&a.name, a.environment())?)
}

/// Clears the deploy lock, whoever holds it: only after the window showed who and asked.
fn lock_clear(studio: &Studio, value: Value, _: &Task) -> Reply {
    let a: Lock = args(value)?;
    let cleared = studio
        .app
        .servers
        .release_unlock(&a.name, a.environment())?;
    Ok(json!({ "cleared": cleared }))
}

/// What a change cut off midway left on the server and the ways forward (null when the lock
/// is free). Reads only.
fn interrupted(studio: &Studio, value: Value, _: &Task) -> Reply {
    let a: Lock = args(value)?;
    reply(studio.app.servers.interrupted(&a.name, a.environment())?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recover {
    name: String,
    environment: Option<Env>,
    /// The way the owner chose, as `server_interrupted` offered it.
    way: WayKind,
    to: Option<String>,
    /// When the lock the owner was shown was taken: another one is never cleared.
    lock_taken: u64,
}

/// Clears the lock the owner was shown and runs the way they chose; each event goes to the
/// window as `{ "event": … }`, the clear first.
fn recover(studio: &Studio, value: Value, task: &Task) -> Reply {
    let a: Recover = args(value)?;
    let options = DeployOptions {
        environment: environment(a.environment.as_ref()),
        ..DeployOptions::default()
    };
    let recovery = Recovery {
        way: a.way,
        to: a.to,
        lock_taken: a.lock_taken,
    };
    reply(studio.app.servers.recover(
        &a.name,
        &recovery,
        &options,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}
