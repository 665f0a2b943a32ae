//! `backup restore`: a backup's data put back side by side, never deleting first.
//!
//! Inside the deploy lock: check the room for it; back up the data as it is now (so the
//! restore itself can be undone); restore the backup into new volumes and a new data folder
//! beside the running stack and prove them there; point the stack at them; start it and
//! check its health. A stack that does not turn healthy on the restored data is pointed
//! back at the data it had (untouched all along) and started again; only then are the new
//! volumes removed. The data from before stays until the owner removes it.

use std::time::Duration;

use super::{Cx, Did, Guard, Plan, Scope, Step, Unit};
use crate::backup::{self, Part, Repository, Restored};
use crate::error::Result;
use crate::ops::Remote;
use crate::parts::commands::refuse;
use crate::parts::compose::{Compose, restart};
use crate::parts::spec::InstallSpec;
use crate::parts::stack_files::{BACKUP_SCRIPTS_TITLE, SpecFile, backup_scripts_step, put};

/// The data volumes a stack uses now: (postgres, qdrant).
pub type ReadVolumes<'a> = Box<dyn Fn(&dyn Remote) -> Result<(String, String)> + 'a>;

/// Everything one restore needs.
pub struct RestoreSpec<'a> {
    pub scope: Scope,
    /// The backup scripts as this app has them, with the repository's password.
    pub scripts: Vec<SpecFile>,
    pub repository: Repository,
    /// The backup's full id and its size in bytes, when the list knew it.
    pub snapshot: String,
    pub size: Option<u64>,
    pub parts: Vec<Part>,
    /// New volumes and folder are named with it, so each restore makes new ones.
    pub suffix: String,
    /// The stack as it runs, with the health wait for the restored data.
    pub running: InstallSpec,
    /// The health wait when switching back to the data it had.
    pub back_timeout: Duration,
    pub compose: Compose,
    pub volumes_now: ReadVolumes<'a>,
}

/// What the steps learn.
#[derive(Debug, Default)]
pub struct Restoring {
    /// The backup of the data as it was, taken first.
    pub safety: Option<String>,
    pub restored: Option<Restored>,
    /// The data it had: (postgres, qdrant, files folder it is moved to).
    pub before: Option<(String, String, String)>,
    /// The stack points at the restored data now.
    pub switched: bool,
}

impl Restoring {
    /// The data from before, kept: what the owner may remove once content.
    pub fn kept(&self) -> Vec<String> {
        let (Some(restored), Some((pg, qd, files))) = (&self.restored, &self.before) else {
            return Vec::new();
        };
        [
            (restored.postgres_volume.is_some(), pg),
            (restored.qdrant_volume.is_some(), qd),
            (restored.files_dir.is_some(), files),
        ]
        .into_iter()
        .filter(|(made, _)| *made)
        .map(|(_, what)| what.clone())
        .collect()
    }
}

type C<'x> = Cx<'x, Restoring>;

/// The restore's steps and titles, the same for every restore: what `--plan`, the CLI's
/// question and the app show before anything runs.
const STEPS: [(&str, &str); 6] = [
    ("space", "Check the room beside the running stack"),
    ("scripts", BACKUP_SCRIPTS_TITLE),
    (
        "safety",
        "Back up the data as it is now, so the restore itself can be undone",
    ),
    (
        "restore",
        "Restore the backup beside the running stack and check it",
    ),
    ("switch", "Point DeskMate at the restored data"),
    (
        "start",
        "Start DeskMate on the restored data and check its health through the proxy",
    ),
];

fn title(id: &str) -> &'static str {
    STEPS
        .iter()
        .find(|(step, _)| *step == id)
        .map_or("", |(_, title)| title)
}

/// A restore's plan in words, before anything is known about the server.
pub fn planned() -> Vec<super::PlannedStep> {
    std::iter::once(super::PlannedStep {
        id: super::LOCK_STEP,
        title: super::plan::LOCK_TITLE.to_string(),
    })
    .chain(STEPS.iter().map(|(id, title)| super::PlannedStep {
        id,
        title: title.to_string(),
    }))
    .collect()
}

pub fn plan<'a>(spec: &'a RestoreSpec<'a>) -> Plan<'a, Restoring> {
    let dir = spec.scope.dir.as_str();
    Plan::new("restore", spec.scope.clone(), Guard::DeployLock)
        .step(Step::new(
            "space",
            title("space"),
            move |cx: &mut C| {
                let needed = spec.size.unwrap_or(0) * 2 + 256 * 1024 * 1024;
                let free = crate::parts::disk::free_space(cx.remote, dir)?;
                if free < needed {
                    return Err(refuse(
                        "backup.no_space",
                        format!(
                            "The server has {} MiB free; the restore needs about {} MiB beside the running stack.",
                            free >> 20,
                            needed >> 20
                        ),
                        "Nothing was changed. Free some space on the server (old Docker images: docker image prune), then restore again.",
                    ));
                }
                Ok(Did::unchanged(format!(
                    "{} MiB free, about {} MiB needed",
                    free >> 20,
                    needed >> 20
                )))
            },
        ))
        .step(backup_scripts_step(dir, spec.scripts.clone()))
        .step(Step::new(
            "safety",
            title("safety"),
            move |cx: &mut C| {
                let (remote, cancel) = (cx.remote, cx.cancel);
                let restored: String = spec.snapshot.chars().take(8).collect();
                let why = format!("taken by the restore of {restored}, just before it");
                let (safety, _) = backup::create(remote, dir, false, Some(&why), cancel, &mut |_, _| {
                    cx.heartbeat()
                })?;
                let detail = format!("backup {}", safety.snapshot);
                cx.state.safety = Some(safety.snapshot);
                Ok(Did::changed(detail))
            },
        ))
        .step(
            Step::new(
                "restore",
                title("restore"),
                move |cx: &mut C| {
                    let (remote, cancel) = (cx.remote, cx.cancel);
                    let mut lines = 0u64;
                    let wanted = backup::Beside {
                        repository: spec.repository,
                        snapshot: &spec.snapshot,
                        suffix: &spec.suffix,
                        parts: &spec.parts,
                    };
                    let restored = backup::restore_beside(
                        remote,
                        dir,
                        &wanted,
                        cancel,
                        &mut |key, value| {
                            if backup::TOLD.contains(&key) {
                                // Today's images in place of the backup's, for one.
                                cx.note(format!("{key}: {value}"));
                            } else {
                                lines += 1;
                                cx.progress(lines, None, Unit::Items);
                            }
                        },
                    )?;
                    cx.state.restored = Some(restored);
                    let names: Vec<&str> = spec.parts.iter().map(|p| p.name()).collect();
                    Ok(Did::changed(format!(
                        "{} restored; row counts, point counts and file hashes equal the backup's",
                        names.join(", ")
                    )))
                },
            )
            // New volumes nothing uses: removed, unless the stack could not be pointed back
            // off them (then they are what serves).
            .undo(|cx: &mut C| {
                if cx.state.switched {
                    return Ok(Did::unchanged("kept: the stack still uses them"));
                }
                let made = made_volumes(cx.state.restored.as_ref());
                let made: Vec<&str> = made.iter().map(String::as_str).collect();
                backup::remove_volumes(cx.remote, &made);
                Ok(Did::either(
                    !made.is_empty(),
                    "the restored volumes, never used, are removed",
                    "nothing was made beside the stack",
                ))
            }),
        )
        .step(
            Step::new(
                "switch",
                title("switch"),
                move |cx: &mut C| {
                    let (old_pg, old_qd) = (spec.volumes_now)(cx.remote)?;
                    let old_files = format!("{dir}/shared/data.before-{}", spec.suffix);
                    let restored = cx.state.restored.clone().unwrap_or_default();
                    let new_pg = restored.postgres_volume.unwrap_or(old_pg.clone());
                    let new_qd = restored.qdrant_volume.unwrap_or(old_qd.clone());
                    let files = restored
                        .files_dir
                        .as_deref()
                        .map(|incoming| (incoming, old_files.as_str()));
                    cx.state.before = Some((old_pg, old_qd, old_files.clone()));
                    // Counted as pointed before it starts: a switch that fails half-way may
                    // already name the new volumes, which must then never be removed.
                    cx.state.switched = true;
                    backup::point_at(cx.remote, dir, &new_pg, &new_qd, files)?;
                    Ok(Did::changed(format!("now {new_pg} and {new_qd}")))
                },
            )
            // Back to the data it had, untouched all along, with the usual time to start.
            .undo(move |cx: &mut C| {
                let Some((old_pg, old_qd, old_files)) = cx.state.before.clone() else {
                    return Ok(Did::unchanged("it was never pointed elsewhere"));
                };
                let restored = cx.state.restored.clone().unwrap_or_default();
                let back = restored
                    .files_dir
                    .as_deref()
                    .map(|restored_dir| (old_files.as_str(), restored_dir));
                backup::point_at(cx.remote, dir, &old_pg, &old_qd, back)?;
                let previous = InstallSpec {
                    health_timeout: spec.back_timeout,
                    ..spec.running.clone()
                };
                restart(cx.remote, &previous, &spec.compose, cx.cancel)?;
                cx.state.switched = false;
                Ok(Did::changed(format!(
                    "back on {old_pg} and {old_qd}, healthy"
                )))
            }),
        )
        .step(Step::new(
            "start",
            title("start"),
            move |cx: &mut C| {
                restart(cx.remote, &spec.running, &spec.compose, cx.cancel)?;
                Ok(Did::changed(
                    "every service is healthy; /api/health answers through the proxy",
                ))
            },
        ))
}

/// Another server's offsite description (and its repository's password) in `folder` of
/// this server, while a restore from that server's copy reads it; removed when dropped,
/// however the restore ends. Put only under the deploy lock, so a restore refused by the
/// lock never touches what a running one reads.
pub struct BorrowedCopy<'r> {
    remote: &'r dyn Remote,
    path: String,
}

impl<'r> BorrowedCopy<'r> {
    pub fn put(
        remote: &'r dyn Remote,
        dir: &str,
        folder: &str,
        files: &[SpecFile],
        cancel: &crate::Cancel,
    ) -> Result<Self> {
        let borrowed = BorrowedCopy {
            remote,
            path: format!("{dir}/{folder}"),
        };
        put(remote, dir, files, cancel)?;
        Ok(borrowed)
    }
}

impl Drop for BorrowedCopy<'_> {
    fn drop(&mut self) {
        let _ = crate::parts::commands::run_script(
            self.remote,
            "removing the other server's repository description",
            r#"rm -rf -- "$1""#,
            &[&self.path],
        );
    }
}

fn made_volumes(restored: Option<&Restored>) -> Vec<String> {
    restored
        .map(|r| {
            [&r.postgres_volume, &r.qdrant_volume]
                .into_iter()
                .flatten()
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "restore_tests.rs"]
mod tests;
