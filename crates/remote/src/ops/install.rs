//! `server install`: takes a checked server to a running, health-green DeskMate stack. Each
//! step looks before it acts, so a second run changes nothing and says so; each writes whole
//! files or none; each says in plain words what it did, or what failed and what to do.
//!
//! What goes where on the server (under the stack folder, `/opt/deskmate` by default):
//!
//! ```text
//! releases/<version>/   compose.yaml, .env (the project name), proxy/Caddyfile
//! current -> releases/<version>   switched with one rename
//! shared/env/           the env files with the secrets (folder 0700, files 0600)
//! shared/data/          personas and room templates, read-only in the backend
//! log/audit.log         one line per step of every operation
//! ```
//!
//! The files themselves come from `deskmate-stack` (through the api); this operation only
//! puts them on the server and drives Docker. A first install that fails is taken down again
//! (its data volumes kept) and `current` removed, so the server is as it was; a re-run that
//! fails leaves what was serving serving.

use super::{Cx, Did, Guard, Plan, Scope, Step, StepReport};
use crate::error::Result;
use crate::ops::Remote;
use crate::parts::commands::{refuse, run_script};
use crate::parts::compose::{Compose, Start, start_and_wait, stop_failed};
use crate::parts::{current, host, images, proxy, stack_files};

pub use crate::parts::spec::{InstallSpec, LocalArchive, ProxyProbe, WantedImage};
pub use crate::parts::stack_files::SpecFile;

/// What the steps learn for the ones after them and for their undos.
#[derive(Debug, Default)]
pub struct Installing {
    /// What `current` named before the switch (None: nothing, a first install).
    pub previous: Option<String>,
    /// The switch made this release current and it has not served yet: a failure takes it
    /// down again, so the server is as it was. False once the proxy check passed.
    pub first: bool,
    /// Files the `files` step wrote (empty: all were as wanted).
    pub written: Vec<String>,
}

/// The install's plan. `earlier` are steps done before it in another session (putting
/// Docker and restic on the server): they head the report and the audit.
pub fn plan<'a>(
    spec: &'a InstallSpec,
    compose: &'a Compose,
    earlier: Vec<StepReport>,
) -> Plan<'a, Installing> {
    let scope = Scope {
        dir: spec.dir.clone(),
        environment: spec.environment.clone(),
        subject: spec.version.clone(),
    };
    Plan::new("install", scope, Guard::DeployLock)
        .already_done(earlier)
        .step(Step::new(
            "check",
            "Check that no other version of DeskMate is installed in this folder, and that no other stack on this Docker engine goes by its name",
            |cx: &mut Cx<'_, Installing>| {
                refuse_other_release(cx.remote, spec)?;
                refuse_shared_project(cx.remote, spec)?;
                refuse_orphaned_database(cx.remote, spec)?;
                Ok(Did::unchanged("no other version here, and the name is this stack's"))
            },
        ))
        .step(Step::new(
            "folders",
            format!("Create the folders of the stack in {} (if missing)", spec.dir),
            |cx: &mut Cx<'_, Installing>| Ok(Did::either(folders(cx.remote, spec)?, "created", "already there")),
        ))
        .step(Step::new(
            "images",
            format!(
                "Bring DeskMate {}'s {} images onto the server (uploaded from the release's archives or pulled from its registry, each checked; only those missing)",
                spec.version,
                spec.images.len()
            ),
            |cx: &mut Cx<'_, Installing>| {
                let loaded = images::images(cx.remote, spec, cx.cancel)?;
                Ok(Did::either(
                    !loaded.is_empty(),
                    format!("loaded {}", loaded.join(", ")),
                    "all already on the server, with the right ids",
                ))
            },
        ))
        .step(Step::new(
            "files",
            "Write the stack's files (compose, proxy, and the env files with generated passwords, readable only by the account you sign in with)",
            |cx: &mut Cx<'_, Installing>| {
                let written = stack_files::put(cx.remote, &spec.dir, &spec.files, cx.cancel)?;
                let did = Did::either(
                    !written.is_empty(),
                    format!("wrote {}", written.join(", ")),
                    "all unchanged",
                );
                cx.state.written = written;
                Ok(did)
            },
        ))
        .step(
            Step::new(
                "switch",
                format!("Point {}/current at release {}", spec.dir, spec.version),
                |cx: &mut Cx<'_, Installing>| {
                    cx.state.previous = current::read(cx.remote, &spec.dir)?;
                    let switched = current::switch(cx.remote, spec)?;
                    cx.state.first = switched && cx.state.previous.is_none();
                    Ok(Did::either(
                        switched,
                        format!("now {}", spec.version),
                        "already there",
                    ))
                },
            )
            // Only a first install switches (another version is refused by `check`), so
            // putting back means: no `current`, as before.
            .undo(|cx: &mut Cx<'_, Installing>| {
                if !cx.state.first {
                    return Ok(Did::unchanged("left as it was"));
                }
                current::remove(cx.remote, &spec.dir)?;
                Ok(Did::changed("no current release, as before"))
            }),
        )
        .step(
            Step::new(
                "start",
                format!(
                    "Start the {} services and wait until each is healthy",
                    spec.services.len()
                ),
                |cx: &mut Cx<'_, Installing>| {
                    let mode = if cx.state.written.is_empty() {
                        Start::IfNeeded
                    } else {
                        Start::Apply
                    };
                    let first = cx.state.first;
                    let started = start_and_wait(cx.remote, spec, compose, mode, first, cx.cancel)?;
                    Ok(Did::either(
                        started,
                        "started; every service is healthy",
                        "already running and healthy",
                    ))
                },
            )
            // A first install that never turned healthy leaves nothing running; the files
            // and the data volumes stay for the next run. A re-run leaves what serves.
            .undo(|cx: &mut Cx<'_, Installing>| {
                if !cx.state.first {
                    return Ok(Did::unchanged("what was serving is left serving"));
                }
                stop_failed(cx.remote, spec, compose);
                Ok(Did::changed("stopped; the data volumes are kept"))
            }),
        )
        .step(Step::new(
            "proxy",
            format!(
                "Check that DeskMate answers through the proxy on port {}",
                spec.proxy.port
            ),
            |cx: &mut Cx<'_, Installing>| {
                if let Err(err) = proxy::wait_through_proxy(cx.remote, &spec.proxy, cx.cancel)? {
                    return Err(refuse(
                        "install.proxy_unhealthy",
                        "Every service is healthy, but DeskMate does not answer through the proxy.",
                        format!("{err}. Look at the proxy service's log on the server."),
                    ));
                }
                // Served healthily: from now on a rollback may come back to it, and a later
                // failure (the host step) leaves it serving rather than taking it down.
                crate::releases::mark_served(cx.remote, &spec.dir, &spec.version, None);
                cx.state.first = false;
                Ok(Did::unchanged(format!(
                    "/api/health is healthy on port {}",
                    spec.proxy.port
                )))
            },
        ))
        .step(Step::new(
            "host",
            format!(
                "Start DeskMate at boot ({}), watch it every five minutes, ban repeated failed SSH sign-ins (fail2ban), rotate the logs, and turn the firewall on: SSH (rate-limited), HTTP and HTTPS only. Needs root; skipped otherwise",
                spec.unit
            ),
            |cx: &mut Cx<'_, Installing>| {
                let (changed, detail) = host::host(cx.remote, spec)?;
                Ok(Did { changed, detail })
            },
        ))
}

/// An install never replaces another version that is serving: that is an update's job.
fn refuse_other_release(remote: &dyn Remote, spec: &InstallSpec) -> Result<()> {
    let Some(version) = current::read(remote, &spec.dir)? else {
        return Ok(());
    };
    if version != spec.version {
        return Err(refuse(
            "install.other_release",
            format!("DeskMate {version} is already installed here."),
            "Nothing was changed. Update it instead: an update backs up first and keeps the old release serving until the new one is healthy.",
        ));
    }
    Ok(())
}

/// Docker knows a stack by its compose project, named after its folder: two stacks in
/// folders of the same name (two accounts' `~/stack`) would share volumes, and a failed
/// install's clean-up would reach the other's containers. A container of the project that
/// compose started anywhere but under this folder is another stack's.
fn refuse_shared_project(remote: &dyn Remote, spec: &InstallSpec) -> Result<()> {
    let out = run_script(
        remote,
        "looking for another stack of the same name",
        r#"docker ps -a --filter "label=com.docker.compose.project=$1" --format '{{.Label "com.docker.compose.project.working_dir"}}' | sort -u"#,
        &[&spec.project],
    )?;
    let inside = format!("{}/", spec.dir.trim_end_matches('/'));
    let other = out
        .lines()
        .map(str::trim)
        .find(|dir| !dir.is_empty() && !format!("{dir}/").starts_with(&inside));
    let Some(other) = other else {
        return Ok(());
    };
    let other = other
        .strip_suffix("/current")
        .or_else(|| other.rsplit_once("/releases/").map(|(stack, _)| stack))
        .unwrap_or(other);
    Err(refuse(
        "install.project_taken",
        format!(
            "Another DeskMate stack on this server, in {other}, already goes by the name `{}`, which Docker would share with this one (its volumes included).",
            spec.project
        ),
        "Nothing was changed. Install this one in a folder of another name (the folder's name is the stack's name).",
    ))
}

/// A first install here that finds the database volume of an earlier stack of this name
/// whose folder is gone: that database answers only to the password that was in the
/// folder, so the install would fail later with PostgreSQL's own words. (A re-run after a
/// failed first install keeps the folder's passwords, and goes on.)
fn refuse_orphaned_database(remote: &dyn Remote, spec: &InstallSpec) -> Result<()> {
    let found = run_script(
        remote,
        "looking for an earlier stack's database",
        r#"[ -e "$1/current" ] || [ -s "$1/shared/env/postgres.env" ] && exit 0
docker volume ls -q --filter "name=^$2_postgres_data\$""#,
        &[&spec.dir, &spec.project],
    )?;
    let Some(volume) = found.lines().map(str::trim).find(|v| !v.is_empty()) else {
        return Ok(());
    };
    Err(refuse(
        "install.old_database",
        format!(
            "Docker on this server still holds the database of an earlier DeskMate stack named `{}` (the volume {volume}), whose folder was removed: it answers only to the password that folder held, so this install could not use it.",
            spec.project
        ),
        format!(
            "Nothing was changed, and that database is untouched. To keep it, install into a folder of another name and restore a backup of it there; to start over, remove the old volumes on the server first (docker volume rm {volume} {}_qdrant_data), which cannot be undone.",
            spec.project
        ),
    ))
}

fn folders(remote: &dyn Remote, spec: &InstallSpec) -> Result<bool> {
    let out = run_script(
        remote,
        "creating the stack's folders",
        r#"made=no
for d in "$1" "$1/releases/$2" "$1/shared" "$1/shared/data" "$1/log"; do
  [ -d "$d" ] || { mkdir -p -- "$d" && made=yes; } || exit 1
done
[ -d "$1/shared/env" ] || { (umask 077; mkdir -p -- "$1/shared/env") && made=yes; } || exit 1
chmod 700 "$1/shared/env"
echo "$made""#,
        &[&spec.dir, &spec.version],
    )?;
    Ok(out.trim() == "yes")
}

#[cfg(test)]
#[path = "install_tests.rs"]
mod tests;
