//! `server config set|rotate` as an operation: one setting changed in the stack's env files,
//! the services that read it recreated and health-checked, and, for the database password,
//! the password changed in PostgreSQL first.
//!
//! It holds the deploy lock: it recreates services, so it must never run beside an update,
//! a restore or another change. A failure or a cancel at any step puts the old files (and
//! the old database password) back and brings the old setting up again, so the server is
//! as it was and serving.
//!
//! Secrets never leave the SSH channel's data: the env files are written over its input,
//! the database statement goes on psql's stdin, and every step's detail (and so the audit
//! log) names keys, never a secret's value. The env-file editing itself is the stack's
//! (`deskmate-stack::config::set_line`), given in the spec, since this crate does not
//! depend on that one.

use std::time::Duration;

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::error::{RemoteError, Result};
use crate::parts::commands::refuse;
use crate::parts::compose::{Compose, Start, apply, start_and_wait, stop_compose_up};
use crate::parts::database;
use crate::parts::proxy::wait_through_proxy_within;
use crate::parts::saved_files::{self, SavedFile};
use crate::parts::spec::InstallSpec;
use crate::parts::stack_files::{self, SpecFile};
use crate::secrets::Secret;

/// One `KEY=VALUE` line to set in one env file.
pub struct EnvEdit {
    /// The env file, relative to the stack folder (one of [`SettingsSpec::files`]).
    pub file: String,
    pub key: String,
    pub value: Secret,
    /// Audited as `KEY (a secret)`; else as `KEY=value`.
    pub secret: bool,
}

/// A new password for the database's user, set in PostgreSQL before the files change.
pub struct DatabasePassword {
    pub new: Secret,
    /// Where the password in use now is: an env file of [`SettingsSpec::files`], its key.
    pub file: String,
    pub key: String,
}

/// One settings change.
pub struct SettingsSpec {
    /// The subject is the setting's key.
    pub scope: Scope,
    /// `set` or `rotate`, for the audit.
    pub verb: &'static str,
    pub key: String,
    /// The env files the stack reads its settings from; each must be there.
    pub files: Vec<String>,
    pub edits: Vec<EnvEdit>,
    /// `text` with `key`'s line set to `value`: the stack's own env-file editing.
    pub set_line: fn(&str, &str, &str) -> String,
    pub database: Option<DatabasePassword>,
    /// The services that read the setting, for the plan's words.
    pub services: Vec<String>,
    /// What serves now: the project, its services and how its proxy is reached.
    pub running: InstallSpec,
    pub compose: Compose,
    /// How long DeskMate may take to answer through the proxy once its services are healthy.
    pub proxy_wait: Duration,
}

/// What the steps learn for the ones after them and for the undos.
#[derive(Default)]
pub struct Changing {
    /// The env files as they were.
    before: Vec<SavedFile>,
    /// The database password in use before (read from `before`).
    old_password: Option<Secret>,
    /// The database step began: its undo has work.
    password_set: bool,
    /// The old password is in the database again.
    password_back: bool,
    /// The files step began writing: its undo has work.
    writing: bool,
    /// The env files written (relative paths); empty when the setting was already so.
    pub written: Vec<String>,
    /// The restart step began: what serves may run the new setting.
    restarted: bool,
}

pub fn plan(spec: &SettingsSpec) -> Plan<'_, Changing> {
    let dir = &spec.scope.dir;
    let services = spec.services.join(", ");
    let recreated = services.clone();
    let mut plan = Plan::new("config", spec.scope.clone(), Guard::DeployLock).step(Step::new(
        "read",
        format!("Read the stack's settings files ({})", names(&spec.files)),
        move |cx: &mut Cx<'_, Changing>| read(cx, spec),
    ));
    if let Some(password) = &spec.database {
        plan = plan.step(
            Step::new(
                "database",
                "Set the new database password in PostgreSQL (sent on stdin, never on a command line)",
                move |cx: &mut Cx<'_, Changing>| {
                    let old = cx.state.old_password.clone().unwrap_or_else(|| Secret::new(""));
                    cx.state.password_set = true;
                    database::set_password(cx.remote, &spec.running.project, &password.new, &[&old])?;
                    Ok(Did::changed(format!("{} changed in the database", password.key)))
                },
            )
            .undo(move |cx| password_back(cx, spec)),
        );
    }
    plan.step(
        Step::new(
            "files",
            format!(
                "Write the changed settings files, each whole and readable only by the stack's account ({})",
                names(&spec.files)
            ),
            move |cx: &mut Cx<'_, Changing>| {
                let changed = edited(spec, &cx.state.before);
                cx.state.writing = true;
                let written = stack_files::put(cx.remote, dir, &changed, cx.cancel)?;
                let did = Did::either(
                    !written.is_empty(),
                    format!("{}; wrote {}", audit_words(spec), written.join(", ")),
                    format!("{}; already so", audit_words(spec)),
                );
                cx.state.written = written;
                Ok(did)
            },
        )
        .undo(move |cx| {
            if !cx.state.writing {
                return Ok(Did::unchanged("nothing was written"));
            }
            files_back(cx, spec)?;
            Ok(Did::changed("the old settings files are back"))
        }),
    )
    .step(
        Step::new(
            "restart",
            format!("Recreate the services that read {} ({}) and wait until each is healthy", spec.key, services),
            move |cx: &mut Cx<'_, Changing>| {
                if cx.state.written.is_empty() && !cx.state.password_set {
                    return Ok(Did::unchanged("nothing changed, so nothing was recreated"));
                }
                cx.state.restarted = true;
                start_and_wait(cx.remote, &spec.running, &spec.compose, Start::Apply, false, cx.cancel)
                    .map_err(|e| unhealthy(spec, e))?;
                Ok(Did::changed(format!("{recreated} recreated and healthy")))
            },
        )
        // The way back for what serves: the old files and the old password first (the
        // undos of the steps before then find nothing left to do), then the same recreate,
        // and the proxy answering again.
        .undo(move |cx| {
            if !cx.state.restarted {
                return Ok(Did::unchanged("nothing was recreated"));
            }
            // A recreate given up on (a cancel) must not go on under the way back.
            stop_compose_up(cx.remote, &spec.running);
            files_back(cx, spec)?;
            if spec.database.is_some() {
                password_back(cx, spec)?;
            }
            apply(cx.remote, &spec.running, &spec.compose, cx.cancel)?;
            Ok(Did::changed(format!("the old {} serves again; {services} healthy", spec.key)))
        }),
    )
    .step(Step::new(
        "proxy",
        format!("Check that DeskMate answers through the proxy on port {}", spec.running.proxy.port),
        move |cx: &mut Cx<'_, Changing>| {
            let (remote, proxy) = (cx.remote, &spec.running.proxy);
            if let Err(why) = wait_through_proxy_within(remote, proxy, spec.proxy_wait, cx.cancel)? {
                return Err(unhealthy(spec, refuse("install.proxy_unhealthy", why, "")));
            }
            Ok(Did::unchanged(format!("/api/health is healthy on port {}", spec.running.proxy.port)))
        },
    ))
}

/// The env files read, each required; the database password in use noted.
fn read(cx: &mut Cx<'_, Changing>, spec: &SettingsSpec) -> Result<Did> {
    let mut before = Vec::new();
    for file in &spec.files {
        let saved = saved_files::read(cx.remote, &spec.scope.dir, file, true)?;
        if saved.contents.as_ref().is_none_or(|c| c.is_empty()) {
            return Err(refuse(
                "config.not_installed",
                "The stack's settings files are not on the server.",
                "Install DeskMate first (or again: it keeps the data).",
            ));
        }
        before.push(saved);
    }
    if let Some(password) = &spec.database {
        let old = before
            .iter()
            .find(|f| f.path == password.file)
            .and_then(|f| value(&f.text(), &password.key));
        let Some(old) = old else {
            return Err(refuse(
                "config.not_installed",
                format!("{} has no {}.", password.file, password.key),
                "Install DeskMate again (it keeps the data), then rotate.",
            ));
        };
        cx.state.old_password = Some(Secret::new(old));
    }
    cx.state.before = before;
    Ok(Did::unchanged(format!("read {}", names(&spec.files))))
}

/// The files whose text the edits change, with their new text.
fn edited(spec: &SettingsSpec, before: &[SavedFile]) -> Vec<SpecFile> {
    before
        .iter()
        .filter_map(|file| {
            let old = file.text();
            let new = spec
                .edits
                .iter()
                .filter(|e| e.file == file.path)
                .fold(old.clone(), |text, e| {
                    (spec.set_line)(&text, &e.key, e.value.expose())
                });
            (new != old).then(|| SpecFile {
                path: file.path.clone(),
                contents: new.into_bytes(),
                secret: true,
            })
        })
        .collect()
}

fn files_back(cx: &mut Cx<'_, Changing>, spec: &SettingsSpec) -> Result<()> {
    saved_files::put_back(cx.remote, &spec.scope.dir, &cx.state.before, cx.cancel)?;
    Ok(())
}

/// The old password into the database again, once.
fn password_back(cx: &mut Cx<'_, Changing>, spec: &SettingsSpec) -> Result<Did> {
    let (Some(password), Some(old)) = (&spec.database, cx.state.old_password.clone()) else {
        return Ok(Did::unchanged("the database was not changed"));
    };
    if !cx.state.password_set {
        return Ok(Did::unchanged("the database was not changed"));
    }
    if !cx.state.password_back {
        database::set_password(cx.remote, &spec.running.project, &old, &[&password.new])?;
        cx.state.password_back = true;
    }
    Ok(Did::changed(format!(
        "the old {} is back in the database",
        password.key
    )))
}

/// What the change was, for the audit: a secret by its key alone.
fn audit_words(spec: &SettingsSpec) -> String {
    let edits: Vec<String> = spec
        .edits
        .iter()
        .map(|e| {
            if e.secret {
                format!("{} (a secret)", e.key)
            } else {
                format!("{}={}", e.key, e.value.expose())
            }
        })
        .collect();
    format!("config {} {}", spec.verb, edits.join(", "))
}

/// A stack that did not turn healthy with the new setting (a cancel stays a cancel).
fn unhealthy(spec: &SettingsSpec, err: RemoteError) -> RemoteError {
    if matches!(err, RemoteError::Cancelled) {
        return err;
    }
    refuse(
        "config.unhealthy",
        format!(
            "With the new {}, DeskMate did not turn healthy: {err}",
            spec.key
        ),
        "Read the backend's logs (server logs) to see why the new value was refused.",
    )
}

/// The value of `key`'s last line in an env file's text.
fn value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .rev()
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.to_string())
}

fn names(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
