//! `backup create|list|verify`: the stack's backup scripts put on the server (by SHA-256,
//! like every stack file) and run there, over SSH (`deskmate-remote`'s `backup`).
//!
//! The repository's password is made once with a CSPRNG and then kept: on the server in a
//! 0600 file (the scripts, and so scheduled runs, read it with `RESTIC_PASSWORD_FILE`), and in
//! the owner's keychain as their copy, which is what restores a backup onto a new server. It
//! travels only inside the SSH channel, never on a command line.

use deskmate_remote::Remote;
use deskmate_remote::backup::{self, Backup, BackupReport, Part, Repository, VerifyReport};
use deskmate_remote::ops::StepReport;
use deskmate_remote::ops::backup::{self as backup_op, BackedUp};
use deskmate_remote::ops::install::SpecFile;
use deskmate_remote::ops::restore::BorrowedCopy;
use deskmate_remote::ops::restore::{self as operation, RestoreSpec, Restoring};
use deskmate_remote::ops::schedule::{self, ScheduleSpec};
use deskmate_remote::ops::{Event, Runner, Scope, Stopped};
use deskmate_remote::{Cancel, Secret, Session, script, secrets};
use deskmate_stack::{Environment, backup as scripts, project_name};
use serde::Serialize;

use super::install::{read_data_volumes, running_spec};
use super::opened::Opened;
use super::{Servers, holder, now, remote_error, stopped_error};
use crate::error::ApiError;

/// The length of a new repository password.
const PASSWORD_LEN: usize = 40;

/// What `backup create` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BackupOutcome {
    /// The new backup's id (restic's snapshot id).
    pub id: String,
    pub server: String,
    pub environment: &'static str,
    pub backup: BackupReport,
    /// The trial restore, when it ran and passed. A failed one is an error instead.
    pub verification: Option<VerifyReport>,
    /// True only after a trial restore passed.
    pub verified: bool,
}

impl Servers {
    /// Backs the installed stack up into its repository; with `verify`, proves the new
    /// backup by a trial restore right after. `on_event` hears the operation as it goes, each
    /// part (`database`, `vectors`, `files`) as a note when it is done. A cancel stops the
    /// scripts on the server, which keep nothing half-made.
    pub fn backup_create(
        &self,
        name: &str,
        environment: Environment,
        verify: bool,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<BackupOutcome, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("a backup"))?;
        let scripts = self.backup_scripts(name, &session, &dir, environment)?;
        let scope = Scope {
            dir,
            environment: environment.name().into(),
            subject: "-".into(),
        };
        let mut made = BackedUp::default();
        Runner::new(&session, cancel, holder(), on_event)
            .run(backup_op::create(scope, scripts, verify), &mut made)
            .map_err(|stopped| remote_error(stopped.error, name))?;
        let backup = made.backup.expect("a backup that ran reports its snapshot");
        Ok(BackupOutcome {
            id: backup.snapshot.clone(),
            server: name.to_string(),
            environment: environment.name(),
            verified: made.verification.is_some(),
            backup,
            verification: made.verification,
        })
    }

    /// Every backup of the stack, newest first, with its trial restore's outcome.
    pub fn backup_list(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Vec<Backup>, ApiError> {
        let Opened { session, dir, .. } = self.open_for(name, environment, None)?;
        backup::list(&session, &dir).map_err(|e| remote_error(e, name))
    }

    /// A trial restore of one backup, beside the running stack.
    pub fn backup_verify(
        &self,
        name: &str,
        environment: Environment,
        snapshot: &str,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<VerifyReport, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("a backup check"))?;
        let scripts = self.backup_scripts(name, &session, &dir, environment)?;
        let scope = Scope {
            dir,
            environment: environment.name().into(),
            subject: snapshot.chars().take(12).collect(),
        };
        let mut report = None;
        Runner::new(&session, cancel, holder(), on_event)
            .run(backup_op::verify(scope, scripts, snapshot), &mut report)
            .map_err(|stopped| remote_error(stopped.error, name))?;
        Ok(report.expect("a trial restore that ran reports"))
    }

    /// The backup scripts as this version of the app has them, and the repository's
    /// password: what an operation that runs them puts on the server as its own step.
    pub(super) fn backup_scripts(
        &self,
        name: &str,
        session: &Session,
        dir: &str,
        environment: Environment,
    ) -> Result<Vec<SpecFile>, ApiError> {
        let password = self.repository_password(name, session, dir, environment)?;
        let mut files: Vec<SpecFile> = scripts::scripts()
            .into_iter()
            .map(|f| SpecFile {
                path: f.path,
                contents: f.contents.into_bytes(),
                secret: false,
            })
            .collect();
        files.push(SpecFile {
            path: scripts::RESTIC_PASSWORD.to_string(),
            contents: password.expose().as_bytes().to_vec(),
            secret: true,
        });
        Ok(files)
    }

    /// The server's password when it has one (it is what encrypts the repository there),
    /// else the keychain's, else a new one; the keychain keeps a copy.
    pub(super) fn repository_password(
        &self,
        name: &str,
        session: &Session,
        dir: &str,
        environment: Environment,
    ) -> Result<Secret, ApiError> {
        let fail = |e| remote_error(e, name);
        let key = format!("server/{name}/stack/{}/restic_password", environment.name());
        let out = session
            .capture(
                &script(
                    "cat \"$1/$2\" 2>/dev/null || true",
                    &[dir, scripts::RESTIC_PASSWORD],
                )
                .map_err(fail)?,
                4096,
            )
            .map_err(fail)?;
        let on_server = out.stdout_text().trim().to_string();
        let password = if !on_server.is_empty() {
            Secret::new(on_server)
        } else {
            match self.secrets.get(&key).map_err(fail)? {
                Some(kept) => kept,
                None => secrets::generate(PASSWORD_LEN),
            }
        };
        self.secrets.set(&key, &password).map_err(fail)?;
        Ok(password)
    }
}

/// What `backup restore` brings back, and how long the restored stack gets to turn healthy.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Empty: everything (database, vectors, files).
    pub parts: Vec<Part>,
    pub health_timeout: std::time::Duration,
    /// Disaster recovery: restore from this other server's offsite copy (as this computer's
    /// keychain keeps it), not from this server's own backups.
    pub from: Option<String>,
}

impl Default for RestoreOptions {
    fn default() -> RestoreOptions {
        RestoreOptions {
            parts: Vec::new(),
            health_timeout: std::time::Duration::from_secs(180),
            from: None,
        }
    }
}

/// What `backup restore` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RestoreReport {
    pub server: String,
    pub environment: &'static str,
    /// The backup restored (its full id).
    pub id: String,
    /// The server whose offsite copy it came from (disaster recovery), if not this one's.
    pub from: Option<String>,
    /// The backup of the state before the restore, taken first.
    pub safety_backup: String,
    pub restored: Vec<Part>,
    /// The data from before, kept (volumes and folder); remove them once content.
    pub kept: Vec<String>,
    pub steps: Vec<StepReport>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

impl Servers {
    /// What a restore will do, step by step, before anything runs.
    pub fn backup_restore_plan(&self) -> Vec<deskmate_remote::ops::PlannedStep> {
        operation::planned()
    }

    /// Restores a backup side by side, under the deploy lock: a safety backup of the state
    /// now, the backup's data into new volumes beside the running stack (proven there by row
    /// and point counts and file hashes), then the stack switched to them and health-checked.
    /// If the restored stack is not healthy it is switched back to the data it had, which was
    /// never touched.
    pub fn backup_restore(
        &self,
        name: &str,
        environment: Environment,
        id: &str,
        options: &RestoreOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<RestoreReport, ApiError> {
        let started = std::time::Instant::now();
        let Opened {
            server,
            session,
            dir,
            _claim,
        } = self.open_for(name, environment, Some("a restore"))?;
        let fail = |e| remote_error(e, name);
        let installed =
            self.installed(name, environment, "backup.not_installed", "to restore into")?;
        let compose = self.compose_on(name, &server, &session)?;
        let scripts = self.backup_scripts(name, &session, &dir, environment)?;
        // From another server's copy: the lock first, before that copy's description is put
        // in place below (one folder), so a restore refused by the lock never touches what a
        // running one reads; the operation then runs inside it. Otherwise the operation takes
        // the lock itself, as every change does.
        let lock = match options.from {
            Some(_) => Some(super::lock::DeployLock::take(
                &session,
                name,
                environment,
                &dir,
                &holder(),
                "restore",
            )?),
            None => None,
        };
        let parts = if options.parts.is_empty() {
            Part::ALL.to_vec()
        } else {
            options.parts.clone()
        };

        // Which repository: this server's, or another's offsite copy, whose description
        // (from the keychain) is on this server only while the restore reads it.
        let _from = match &options.from {
            None => None,
            Some(old) => {
                let (kept, password) = self.kept_target(old, environment)?;
                let mut files = kept.files(scripts::FROM_DIR);
                files.push(SpecFile {
                    path: format!("{}/restic.password", scripts::FROM_DIR),
                    contents: password.expose().as_bytes().to_vec(),
                    secret: true,
                });
                // The list of that copy, read before the plan is built, runs the scripts
                // too: they go with it (they stay, as the plan's own step would leave them).
                files.extend(scripts.iter().cloned());
                let borrowed = BorrowedCopy::put(&session, &dir, scripts::FROM_DIR, &files, cancel)
                    .map_err(fail)?;
                Some(borrowed)
            }
        };
        let repository = if options.from.is_some() {
            Repository::From
        } else {
            Repository::Local
        };
        let wanted = pick(&session, &dir, repository, id, name)?;

        let project = project_name(&dir);
        let spec = RestoreSpec {
            scripts,
            scope: Scope {
                dir: dir.clone(),
                environment: environment.name().into(),
                subject: short(&wanted.id).into(),
            },
            repository,
            snapshot: wanted.id.clone(),
            size: wanted.size,
            parts: parts.clone(),
            // Named by the time (seconds since 1970), so each restore's volumes are new ones.
            suffix: format!("r{}", now()),
            running: running_spec(
                &dir,
                project.clone(),
                environment,
                &installed,
                options.health_timeout,
            ),
            back_timeout: RestoreOptions::default().health_timeout,
            compose,
            volumes_now: Box::new(|remote| {
                let before = read_data_volumes(remote, &dir)?;
                Ok((
                    before
                        .postgres
                        .unwrap_or_else(|| format!("{project}_postgres_data")),
                    before
                        .qdrant
                        .unwrap_or_else(|| format!("{project}_qdrant_data")),
                ))
            }),
        };
        let mut state = Restoring::default();
        let mut runner = Runner::new(&session, cancel, holder(), on_event);
        if let Some(lock) = &lock {
            runner = runner.holding(lock.token());
        }
        let ran = runner
            .run(operation::plan(&spec), &mut state)
            .map_err(|stopped| restore_failed(stopped, &state, name, environment))?;

        let elapsed_ms = started.elapsed().as_millis() as u64;
        // The recovery time an owner can expect, measured: the health report shows the last.
        let _ = session.capture(
            &script(
                r#"printf '%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" "$3" "$4" >> "$1/backups/recoveries.tsv""#,
                &[
                    &dir,
                    &wanted.id,
                    options.from.as_deref().unwrap_or("-"),
                    &(elapsed_ms / 1000).to_string(),
                ],
            )
            .map_err(fail)?,
            4096,
        );
        Ok(RestoreReport {
            server: name.to_string(),
            environment: environment.name(),
            id: wanted.id.clone(),
            from: options.from.clone(),
            safety_backup: state.safety.clone().unwrap_or_default(),
            restored: parts,
            kept: state.kept(),
            steps: ran.steps,
            elapsed_ms,
        })
    }
}

/// The one backup `id` names: by its id, by the id of the backup it is a copy of, or the
/// newest (`latest`).
fn pick(
    session: &Session,
    dir: &str,
    repository: Repository,
    id: &str,
    name: &str,
) -> Result<Backup, ApiError> {
    let list = match repository {
        Repository::Local => backup::list(session, dir),
        Repository::From => backup::list_from(session, dir),
    }
    .map_err(|e| remote_error(e, name))?;
    let matching: Vec<&Backup> = if id == "latest" {
        list.iter().take(1).collect()
    } else {
        list.iter()
            .filter(|b| {
                !id.is_empty()
                    && (b.id.starts_with(id)
                        || b.original.as_deref().is_some_and(|o| o.starts_with(id)))
            })
            .collect()
    };
    match matching.as_slice() {
        [wanted] => Ok((*wanted).clone()),
        _ => Err(ApiError::new(
            "backup.unknown_id",
            format!(
                "no single backup of {name} has the id `{}`",
                id.escape_debug()
            ),
            "use the id of one of the server's backups, as its list of backups shows them",
        )),
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// A restore that stopped, in the owner's words: a restored stack that did not turn healthy
/// was switched back (nothing lost, the safety backup named), or switching back failed too
/// (where the data from before is).
fn restore_failed(
    stopped: Box<Stopped>,
    state: &Restoring,
    name: &str,
    environment: Environment,
) -> ApiError {
    let safety = state.safety.clone().unwrap_or_default();
    let switch_failed = stopped.not_undone.iter().any(|(step, _)| *step == "switch");
    let judged = stopped.step == "start" && !stopped.cancelled();
    if !judged && !switch_failed {
        return stopped_error(stopped, name, environment);
    }
    let what = if stopped.step == "start" {
        "The restored stack did not pass its health check"
    } else {
        "DeskMate could not be pointed at the restored data"
    };
    let err = remote_error(stopped.error, name);
    if switch_failed {
        let (pg, qd, files) = state.before.clone().unwrap_or_default();
        let why: Vec<&str> = stopped.not_undone.iter().map(|(_, w)| w.as_str()).collect();
        return ApiError::new(
            "backup.switch_back_failed",
            format!(
                "{what} ({}), and switching back failed too: {}",
                err.message,
                why.join("; ")
            ),
            format!(
                "the data from before is untouched in the volumes {pg} and {qd}, the folder {files}, and safety backup {safety}; check the server's health"
            ),
        );
    }
    ApiError::new(
        "backup.restore_unhealthy",
        format!(
            "{what} ({}), so DeskMate was switched back to the data it had. Nothing was lost.",
            err.message
        ),
        format!(
            "safety backup {safety} holds the state from just before; {}",
            err.hint
        ),
    )
}

/// What `backup schedule` set up.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ScheduleReport {
    pub server: String,
    pub environment: &'static str,
    /// The time of day the daily backup starts (plus up to 30 minutes).
    pub at: String,
    /// The systemd timers now enabled on the server.
    pub timers: Vec<String>,
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
}

impl Servers {
    /// A daily verified backup at `at` (and a weekly repository check) by systemd timers on
    /// the server, and the retention rules applied after each. Needs root or passwordless
    /// sudo on the server. `host_root` is empty but in tests (where the units go).
    pub fn backup_schedule(
        &self,
        name: &str,
        environment: Environment,
        at: &str,
        retention: scripts::Retention,
        host_root: &str,
    ) -> Result<ScheduleReport, ApiError> {
        let time = scripts::check_time(at).map_err(|why| {
            ApiError::new("usage.bad_time", why, "give the time as HH:MM, like 03:30")
        })?;
        let Opened {
            server,
            session,
            dir,
            _claim,
        } = self.open_for(name, environment, Some("a backup schedule"))?;
        let cancel = Cancel::new();
        // What the timer's job runs and reads: the scripts, the password, the retention.
        let mut files = self.backup_scripts(name, &session, &dir, environment)?;
        files.push(SpecFile {
            path: scripts::BACKUP_ENV.to_string(),
            contents: scripts::backup_env(retention).into_bytes(),
            secret: false,
        });
        let project = project_name(&dir);
        let to_spec = |f: deskmate_stack::File| SpecFile {
            path: f.path,
            contents: f.contents.into_bytes(),
            secret: false,
        };
        let timers = vec![
            format!("{project}-backup.timer"),
            format!("{project}-backup-check.timer"),
        ];
        let spec = ScheduleSpec {
            operation: "backup-schedule",
            scope: Scope {
                dir: dir.clone(),
                environment: environment.name().into(),
                subject: at.to_string(),
            },
            files,
            units: scripts::timer_units(&dir, &project, &server.user, time)
                .into_iter()
                .map(to_spec)
                .collect(),
            staging: format!("{dir}/backups/host"),
            host_root: host_root.to_string(),
            timers: timers.clone(),
            needs_root: (
                "backup.schedule_needs_root",
                format!(
                    "{} may not act as root on {name}, and the backup timer is a system service",
                    server.user
                ),
                "add the server with a root account, or give this one passwordless sudo; until then, back up by hand (Back up now)".into(),
            ),
        };
        Runner::new(&session, &cancel, holder(), &mut |_: &Event| {})
            .run(schedule::plan(&spec), &mut ())
            .map_err(|stopped| stopped_error(stopped, name, environment))?;
        Ok(ScheduleReport {
            server: name.to_string(),
            environment: environment.name(),
            at: at.to_string(),
            timers,
            keep_daily: retention.daily,
            keep_weekly: retention.weekly,
            keep_monthly: retention.monthly,
        })
    }
}
