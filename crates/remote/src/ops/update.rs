//! `release deploy` (and rollback and promote, which deploy a kept or another environment's
//! release the same way): one release replaced by another while the proxy keeps answering.
//!
//! Inside the deploy lock, on one session:
//!
//! 1. `backup`: a verified backup first (or skipped on purpose, and audited as such).
//! 2. `images`, `files`: the new release's images and `releases/<new>/` files, as an install
//!    puts them (only what is missing or changed travels).
//! 3. `beside`: each stateless service whose image changed (backend, frontend) gets a second
//!    container from the new release, beside the old one, which keeps serving; the new one
//!    must turn healthy in time. Undo: the new containers go.
//! 4. `stateful`: a database, Qdrant or the proxy whose image changed is recreated from the
//!    new release and must turn healthy (the backup was taken first). Undo: recreated from
//!    the previous release again.
//! 5. `switch`: the old containers stop (they finish the requests in flight; the proxy looks
//!    the service up per connection and retries a refused one, so it reaches the new ones);
//!    `current` points at the new release. Undo: the previous release's containers started
//!    beside again, the new ones stopped, `current` pointed back: the automatic rollback.
//! 6. `watch`: for a while, the new containers must stay healthy and `/api/health` must
//!    answer through the proxy; when they do, the release is recorded as served (a
//!    rollback's way back). When not, the runner undoes 5, 4 and 3.
//! 7. `prune`: release folders beyond the last five go, never the current one, the previous
//!    one, or one a running container still uses. Images are never removed here: `server
//!    maintain` removes those only older releases name.

use std::time::Duration;

use super::{Cx, Did, Guard, LOCK_STEP, Plan, PlannedStep, Scope, Step, Stopped};
use crate::backup;
use crate::error::RemoteError;
use crate::ops::Remote;
use crate::parts::commands::refuse;
use crate::parts::compose::Compose;
use crate::parts::rollout::{self, KEEP_RELEASES, Outdated, WatchFailed};
use crate::parts::schema::{schema, schema_changes};
use crate::parts::spec::InstallSpec;
use crate::parts::stack_files::SpecFile;
use crate::parts::{current, images, stack_files};

/// One update.
pub struct UpdateSpec {
    /// The new release, as an install would put it.
    pub new: InstallSpec,
    /// The version serving now.
    pub previous: String,
    /// The image id each service of the new release runs.
    pub new_images: Vec<(String, String)>,
    /// How long the new release must stay healthy before the update counts as done.
    pub watch: Duration,
    /// Back up first, proven by a trial restore; false only when the owner said so.
    pub backup_first: bool,
    /// The backup scripts as this app has them, with the repository's password: put in
    /// place by the backup step before it runs them.
    pub backup_scripts: Vec<SpecFile>,
}

impl UpdateSpec {
    /// The previous release as it is installed: the same stack, its own folder.
    fn previous_spec(&self) -> InstallSpec {
        InstallSpec {
            version: self.previous.clone(),
            ..self.new.clone()
        }
    }

    pub fn titles(&self) -> Titles<'_> {
        Titles {
            version: &self.new.version,
            previous: &self.previous,
            watch: self.watch,
            backup_first: self.backup_first,
        }
    }

    fn scope(&self) -> Scope {
        Scope {
            dir: self.new.dir.clone(),
            environment: self.new.environment.clone(),
            subject: self.new.version.clone(),
        }
    }
}

/// What the steps learn for the ones after them, their undos, and the api's last words.
#[derive(Debug, Default)]
pub struct Updating {
    /// The verified backup taken first.
    pub backup: Option<String>,
    /// The database's tables before the new release's code first ran.
    schema_before: Option<Vec<String>>,
    outdated: Outdated,
    /// Stateful services recreated from the new release (the one that failed included).
    recreated: Vec<String>,
}

type C<'c> = Cx<'c, Updating>;

/// What the update will say it does, the same before it is planned in full (`--plan` of a
/// build that has not run) and in its plan.
pub struct Titles<'t> {
    pub version: &'t str,
    pub previous: &'t str,
    pub watch: Duration,
    pub backup_first: bool,
}

impl Titles<'_> {
    fn of(&self, id: &str) -> String {
        let (version, previous) = (self.version, self.previous);
        match id {
            "backup" if self.backup_first => {
                "Back up first, and prove the backup by a trial restore; if it fails, stop".into()
            }
            "backup" => "Skip the backup (--no-backup): recorded in the audit log".into(),
            "images" => format!("Bring DeskMate {version}'s images onto the server"),
            "files" => format!("Write releases/{version}/"),
            "beside" => format!(
                "Start {version}'s backend and frontend beside {previous}'s, which keeps serving; they must turn healthy"
            ),
            "stateful" => "Update the database, Qdrant or proxy only if their image changed".into(),
            "switch" => format!(
                "Switch to {version}; {previous}'s containers finish their requests and stop"
            ),
            "watch" => format!(
                "Watch {version} for {} s; if it turns unhealthy, bring {previous} back",
                self.watch.as_secs()
            ),
            "prune" => format!("Keep the last {KEEP_RELEASES} releases"),
            _ => String::new(),
        }
    }

    /// The whole plan in words, the lock's step first.
    pub fn planned(&self) -> Vec<PlannedStep> {
        std::iter::once(PlannedStep {
            id: LOCK_STEP,
            title: super::plan::LOCK_TITLE.to_string(),
        })
        .chain(STEPS.iter().map(|id| PlannedStep {
            id,
            title: self.of(id),
        }))
        .collect()
    }
}

const STEPS: [&str; 8] = [
    "backup", "images", "files", "beside", "stateful", "switch", "watch", "prune",
];

/// The update's plan. Every title says what will happen before anything does.
pub fn plan<'a>(spec: &'a UpdateSpec, compose: &'a Compose) -> Plan<'a, Updating> {
    let (version, previous) = (spec.new.version.as_str(), spec.previous.as_str());
    let new = &spec.new;
    let titles = spec.titles();
    Plan::new("update", spec.scope(), Guard::DeployLock)
        .step(backup_step(spec, titles.of("backup")))
        .step(Step::new(
            "images",
            titles.of("images"),
            move |cx: &mut C| {
                let loaded = images::images(cx.remote, new, cx.cancel)?;
                Ok(Did::either(
                    !loaded.is_empty(),
                    format!("loaded {}", loaded.join(", ")),
                    "all already on the server, with the right ids",
                ))
            },
        ))
        .step(Step::new("files", titles.of("files"), move |cx: &mut C| {
            let written = stack_files::put(cx.remote, &new.dir, &new.files, cx.cancel)?;
            Ok(Did::either(
                !written.is_empty(),
                format!("wrote {}", written.join(", ")),
                "all unchanged",
            ))
        }))
        .step(
            Step::new("beside", titles.of("beside"), move |cx: &mut C| {
                // From here the new release's code runs: it may migrate the database
                // before it fails, which the api then tells the owner.
                cx.state.schema_before = schema(cx.remote, &new.project);
                cx.state.outdated = rollout::outdated(cx.remote, new, &spec.new_images)?;
                let stateless = &cx.state.outdated.stateless;
                if stateless.is_empty() {
                    return Ok(Did::unchanged("no stateless service changed"));
                }
                rollout::start_beside(cx.remote, new, compose, stateless, cx.cancel)?;
                Ok(Did::changed(format!(
                    "{} healthy beside the old, which still serves",
                    stateless.join(" and ")
                )))
            })
            // "Changed" means the step's change is gone now (the switch's undo may have
            // removed the new containers already); "unchanged", that some of it stays.
            .undo(move |cx: &mut C| {
                // Only what this run started: a container of the new release that was there
                // before (an update cut short, a release settled again) stays as it was.
                let outdated = &cx.state.outdated;
                if outdated.stateless.is_empty() {
                    return Ok(Did::unchanged("no new container was started"));
                }
                let removed = rollout::remove_release(
                    cx.remote,
                    new,
                    &outdated.stateless,
                    &outdated.present,
                )?;
                Ok(if removed {
                    Did::changed(format!("{version}'s new containers removed"))
                } else if outdated.present.is_empty() {
                    // The switch's undo took them away already.
                    Did::changed(format!("{version}'s new containers are gone"))
                } else {
                    Did::unchanged(format!(
                        "{version}'s containers from before this update stay as they were"
                    ))
                })
            }),
        )
        .step(
            Step::new("stateful", titles.of("stateful"), move |cx: &mut C| {
                let stateful = cx.state.outdated.stateful.clone();
                for service in &stateful {
                    cx.state.recreated.push(service.clone());
                    rollout::recreate(cx.remote, new, compose, service, cx.cancel)?;
                }
                Ok(Did::either(
                    !stateful.is_empty(),
                    format!("{} recreated and healthy", stateful.join(", ")),
                    "unchanged: left running, untouched",
                ))
            })
            .undo(move |cx: &mut C| {
                let recreated = std::mem::take(&mut cx.state.recreated);
                if recreated.is_empty() {
                    return Ok(Did::unchanged("nothing was recreated"));
                }
                let back = spec.previous_spec();
                for service in &recreated {
                    rollout::recreate(cx.remote, &back, compose, service, cx.cancel)?;
                }
                Ok(Did::changed(format!(
                    "{previous}'s {} back and healthy",
                    recreated.join(", ")
                )))
            }),
        )
        .step(
            Step::new("switch", titles.of("switch"), move |cx: &mut C| {
                rollout::stop_containers(cx.remote, &cx.state.outdated.old_ids)?;
                current::switch(cx.remote, new)?;
                Ok(Did::changed(format!(
                    "the old containers drained and stopped; current is releases/{version}"
                )))
            })
            .undo(move |cx: &mut C| {
                let back = spec.previous_spec();
                let stateless = cx.state.outdated.stateless.clone();
                rollout::start_beside(cx.remote, &back, compose, &stateless, cx.cancel)?;
                rollout::remove_release(cx.remote, new, &stateless, &[])?;
                current::switch(cx.remote, &back)?;
                Ok(Did::changed(format!("{previous} serves again")))
            }),
        )
        .step(Step::new("watch", titles.of("watch"), move |cx: &mut C| {
            let (remote, cancel) = (cx.remote, cx.cancel);
            let stateless = cx.state.outdated.stateless.clone();
            let watched = rollout::watch(remote, new, &stateless, spec.watch, cancel, &mut || {
                cx.heartbeat()
            });
            match watched {
                Ok(()) => {}
                Err(WatchFailed::Cancelled) => return Err(RemoteError::Cancelled),
                Err(WatchFailed::Unhealthy(why)) => {
                    return Err(refuse(
                        "release.unhealthy_after_switch",
                        format!("DeskMate {version} turned unhealthy after the switch ({why})."),
                        format!("{previous} is brought back automatically."),
                    ));
                }
            }
            crate::releases::mark_served(remote, &new.dir, version, Some(previous));
            Ok(Did::unchanged(
                "healthy throughout, and /api/health answers through the proxy",
            ))
        }))
        .step(Step::new(
            "prune",
            titles.of("prune"),
            // The new release served healthily: a folder that cannot be removed now is
            // removed by the next update, never a reason to roll back.
            move |cx: &mut C| match rollout::prune(cx.remote, new, previous) {
                Ok(pruned) => Ok(Did::either(
                    !pruned.is_empty(),
                    format!("removed the folders of {}", pruned.join(", ")),
                    "nothing to remove",
                )),
                Err(e) => Ok(Did::unchanged(format!(
                    "old folders left for the next update ({})",
                    e.code()
                ))),
            },
        ))
}

fn backup_step(spec: &UpdateSpec, title: String) -> Step<'_, Updating> {
    if !spec.backup_first {
        return Step::new("backup", title, |_: &mut C| {
            Ok(Did::unchanged(
                "skipped on purpose (--no-backup); recorded in the audit log",
            ))
        });
    }
    let dir = spec.new.dir.as_str();
    Step::new("backup", title, move |cx: &mut C| {
        let (remote, cancel) = (cx.remote, cx.cancel);
        stack_files::put(remote, dir, &spec.backup_scripts, cancel)?;
        let why = format!("taken before the update to {}", spec.new.version);
        let (made, _) = backup::create(remote, dir, true, Some(&why), cancel, &mut |k, v| {
            cx.script_line(k, v, backup::TOLD)
        })?;
        cx.state.backup = Some(made.snapshot.clone());
        Ok(Did::changed(format!(
            "backup {} passed its trial restore",
            made.snapshot
        )))
    })
}

/// The update's last words once the runner has stopped it: a watch that failed is told by
/// whether the way back worked; anything else stays as it happened.
pub fn explain(mut stopped: Box<Stopped>, spec: &UpdateSpec) -> Box<Stopped> {
    let (version, previous) = (&spec.new.version, &spec.previous);
    let RemoteError::Refused {
        code: "release.unhealthy_after_switch",
        message,
        ..
    } = &stopped.error
    else {
        return stopped;
    };
    let why = message
        .strip_prefix(&format!(
            "DeskMate {version} turned unhealthy after the switch ("
        ))
        .and_then(|m| m.strip_suffix(")."))
        .unwrap_or(message)
        .to_string();
    stopped.error = match stopped
        .not_undone
        .iter()
        .find(|(step, _)| *step == "switch")
    {
        None => refuse(
            "release.rolled_back",
            format!(
                "DeskMate {version} turned unhealthy after the switch ({why}), so {previous} was brought back automatically."
            ),
            format!(
                "{previous} serves, with the data as it was. The verified backup taken before the update holds the data from just before it."
            ),
        ),
        Some((_, e)) => refuse(
            "release.rollback_failed",
            format!(
                "DeskMate {version} turned unhealthy after the switch ({why}), and rolling back to {previous} failed too: {e}"
            ),
            "Check the server's health, then roll back to the previous release. The verified backup taken before the update holds the data.",
        ),
    };
    stopped
}

/// What the new release changed in the database's tables before the update stopped ("added
/// the column public.memories.mood (text)"); empty when nothing did or it cannot be read.
pub fn database_changes(remote: &dyn Remote, spec: &UpdateSpec, state: &Updating) -> Vec<String> {
    match (&state.schema_before, schema(remote, &spec.new.project)) {
        (Some(before), Some(after)) => schema_changes(before, &after),
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
