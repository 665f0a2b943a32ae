//! `release deploy|list|rollback|promote|audit`: updates of an installed stack, each one run
//! of `deskmate-remote`'s update operation (`ops::update`: the lock, a verified backup first,
//! the new release beside the old, the switch, a watch, an automatic rollback).
//!
//! The new release's files are built exactly as its install would build them, from the
//! answers the install kept on the server (`shared/install.json`) and the stack's kept
//! secrets. A rollback deploys an older release folder the same way, from the release file
//! kept in it (`releases/<version>/release.json`); its images must still be on the server
//! (they are never removed).

use std::path::Path;
use std::time::Duration;

use deskmate_remote::health::{containers, through_proxy};
use deskmate_remote::ops::audit::{self, AuditLine};
use deskmate_remote::ops::update::{self, UpdateSpec, Updating};
use deskmate_remote::ops::{Event, Runner};
use deskmate_remote::ops::{PlannedStep, StepReport};
use deskmate_remote::releases::{self, ReleaseEntry};
use deskmate_remote::{Cancel, Remote};
use deskmate_stack::{Environment, Stack, release};
use serde::Serialize;

mod kept;
mod words;

use kept::kept_release;
pub(super) use kept::{current_version, read_answers};
use words::{backup_failed, changed_database, redact};

use super::install::{read_release, release_spec, stack_dir};
use super::opened::Opened;
use super::{Servers, remote_error, stopped_error};
use crate::error::ApiError;

/// How an update runs.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub environment: Environment,
    /// Skip the verified backup first (the explicit, recorded way past a failing backup).
    pub no_backup: bool,
    /// Show the plan and change nothing.
    pub plan_only: bool,
    /// How long the new release must stay healthy before the update is done.
    pub watch: Duration,
    pub health_timeout: Duration,
    /// Who asks (for the lock): `user@computer`.
    pub holder: String,
}

impl Default for DeployOptions {
    fn default() -> DeployOptions {
        DeployOptions {
            environment: Environment::Production,
            no_backup: false,
            plan_only: false,
            watch: Duration::from_secs(60),
            health_timeout: Duration::from_secs(180),
            holder: holder(),
        }
    }
}

/// `user@host` of this computer, for the deploy lock.
pub fn holder() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "someone".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "this computer".into());
    format!("{user}@{host}")
}

/// What `release deploy` (or `rollback`) did, or would do.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DeployReport {
    pub server: String,
    pub environment: &'static str,
    pub version: String,
    pub previous: String,
    pub plan: Vec<PlannedStep>,
    pub planned_only: bool,
    /// The verified backup taken first (none with --no-backup, or when only planning).
    pub backup: Option<String>,
    pub steps: Vec<StepReport>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// The release file a deploy starts from: a file on this computer, or a folder on the
/// server (a rollback).
enum Source<'a> {
    File(&'a Path),
    OnServer(&'a str),
    /// A release file read elsewhere (promote: the one serving on staging).
    Bytes(Vec<u8>),
    /// A folder on the server, deployed to finish or undo an update a cut-off run left
    /// part-way: allowed even when `current` already names it (it is then settled, moving
    /// away from `from`, the other release whose containers still run).
    Settle {
        version: &'a str,
        from: &'a str,
    },
}

impl Servers {
    /// Updates the installed stack to the release in `release_file`.
    pub fn release_deploy(
        &self,
        name: &str,
        release_file: &Path,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<DeployReport, ApiError> {
        self.deploy_from(
            name,
            Source::File(release_file),
            Vec::new(),
            options,
            on_event,
            cancel,
        )
    }

    /// Deploys an older release again (`to`, or the newest one before the current that
    /// served healthily; see `rollback.rs`), with the same safety as any update.
    pub fn release_rollback(
        &self,
        name: &str,
        to: Option<&str>,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<DeployReport, ApiError> {
        let list = self.release_list(name, options.environment)?;
        let target = super::rollback::rollback_target(name, &list, to)?;
        let version = target.version.clone();
        self.deploy_from(
            name,
            Source::OnServer(&version),
            Vec::new(),
            options,
            on_event,
            cancel,
        )
    }

    /// Deploys `to`, kept on the server, to finish or undo an update a cut-off run left
    /// part-way (`recover.rs`): like a rollback, but the update's own target (which never
    /// served) is allowed, and so is the release `current` already names, which is then
    /// settled as an update from `from`: `from`'s containers stopped, anything the cut-off
    /// update recreated brought back, and `to` watched.
    pub(super) fn release_settle(
        &self,
        name: &str,
        to: &str,
        from: &str,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<DeployReport, ApiError> {
        self.deploy_from(
            name,
            Source::Settle { version: to, from },
            Vec::new(),
            options,
            on_event,
            cancel,
        )
    }

    /// Builds `reference` (a branch or tag) of the DeskMate source at `url` on the server
    /// (a clean checkout, `docker compose build`), makes a release of its backend and
    /// frontend with the current release's databases and proxy, and deploys it like any
    /// other. With `plan_only`, nothing is built.
    pub fn release_build_deploy(
        &self,
        name: &str,
        url: &str,
        reference: &str,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<DeployReport, ApiError> {
        let fail = |e| remote_error(e, name);
        deskmate_remote::git_build::check_ref(reference).map_err(fail)?;
        let (bytes, built) = {
            let Opened {
                server,
                session,
                dir,
                _claim,
            } = self.open_for(name, options.environment, Some("a build"))?;
            let previous = current_version(&session, &dir).map_err(fail)?;
            if previous.is_empty() {
                return Err(ApiError::new(
                    "release.not_installed",
                    format!(
                        "{name} has no {} install to update",
                        options.environment.name()
                    ),
                    "install DeskMate on it first",
                ));
            }
            let build = format!(
                "Build {reference} of {} on the server (a clean checkout, docker compose build)",
                redact(url)
            );
            if options.plan_only {
                let version = format!("{reference} (built)");
                let titles = update::Titles {
                    version: &version,
                    previous: &previous,
                    watch: options.watch,
                    backup_first: !options.no_backup,
                };
                let plan = std::iter::once(PlannedStep {
                    id: "build",
                    title: build,
                })
                .chain(titles.planned())
                .collect();
                return Ok(DeployReport {
                    server: name.to_string(),
                    environment: options.environment.name(),
                    version: format!("{reference} (built first)"),
                    previous: previous.clone(),
                    plan,
                    planned_only: true,
                    backup: None,
                    steps: Vec::new(),
                    elapsed_ms: 0,
                });
            }
            let (mut release, _, _) = kept_release(&session, &dir, &previous).map_err(fail)?;
            let compose = self.compose_on(name, &server, &session)?;
            // The build changes no release: it only makes images, which the update's plan
            // then deploys inside the lock; it heads that plan as a step already done.
            on_event(&Event::Started {
                step: "build",
                title: build.clone(),
            });
            let built =
                deskmate_remote::git_build::build(&session, &dir, &compose, url, reference, cancel)
                    .map_err(fail)?;
            let short = &built.commit[..7];
            let base = built
                .label_version
                .filter(|v| release::check_version(&format!("{v}+git.{short}")).is_ok())
                .unwrap_or_else(|| reference.replace('/', "-"));
            release.version = format!("{base}+git.{short}");
            release::check_version(&release.version).map_err(|e| {
                ApiError::new(
                    "release.bad_ref",
                    e.to_string(),
                    "build a branch or tag with a plainer name",
                )
            })?;
            release.source = format!(
                "built on the server from git {reference} ({short}) of {}",
                redact(url)
            );
            for (role, (tag, id)) in [
                (deskmate_stack::release::Role::Backend, built.backend),
                (deskmate_stack::release::Role::Frontend, built.frontend),
            ] {
                let image = release
                    .images
                    .get_mut(&role)
                    .expect("a kept release has all roles");
                image.image = tag;
                image.id = id;
            }
            release.archives.clear();
            let detail = format!("built {} from commit {}", release.version, built.commit);
            on_event(&Event::Finished {
                step: "build",
                changed: true,
                detail: detail.clone(),
            });
            let step = StepReport {
                id: "build",
                title: build,
                changed: true,
                detail,
            };
            (
                serde_json::to_vec_pretty(&release).expect("releases serialize"),
                step,
            )
        };
        self.deploy_from(
            name,
            Source::Bytes(bytes),
            vec![built],
            options,
            on_event,
            cancel,
        )
    }

    fn deploy_from(
        &self,
        name: &str,
        source: Source,
        earlier: Vec<StepReport>,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<DeployReport, ApiError> {
        let started = std::time::Instant::now();
        let environment = options.environment;
        let Opened {
            server,
            session,
            dir,
            _claim,
        } = self.open_for(name, environment, Some("an update"))?;
        let fail = |e| remote_error(e, name);
        let settle_from = match &source {
            Source::Settle { from, .. } => Some(from.to_string()),
            _ => None,
        };
        let (release, archives, bytes) = match source {
            Source::File(path) => read_release(path)?,
            Source::OnServer(version) | Source::Settle { version, .. } => {
                kept_release(&session, &dir, version).map_err(fail)?
            }
            Source::Bytes(bytes) => {
                let release = release::parse(&bytes).map_err(|e| {
                    ApiError::new(
                        "release.not_kept",
                        format!("the release to promote does not read: {e}"),
                        "deploy it from its release file instead",
                    )
                })?;
                (release, Vec::new(), bytes)
            }
        };
        let answers = read_answers(&session, &dir).map_err(fail)?.ok_or_else(|| {
            ApiError::new(
                "release.not_installed",
                format!("{name} has no {} install to update", environment.name()),
                "install DeskMate on it first",
            )
        })?;
        let current = current_version(&session, &dir).map_err(fail)?;
        let previous = match settle_from {
            Some(from) if current == release.version => from,
            _ => current,
        };
        if previous == release.version {
            return Err(ApiError::new(
                "release.same",
                format!("{name} already runs DeskMate {}", release.version),
                "nothing to update; installing the same release again applies changed settings to it",
            ));
        }
        let compose = self.compose_on(name, &server, &session)?;
        let mut install_options = answers.options(std::path::PathBuf::new(), environment);
        install_options.health_timeout = options.health_timeout;
        let stack = Stack {
            compose_command: compose.command(),
            ..self.base_stack(
                name,
                &session,
                &server,
                &dir,
                &answers,
                &release,
                &install_options,
            )?
        };
        let spec = release_spec(&stack, &answers, &bytes, archives, &install_options)?;
        let new_images: Vec<(String, String)> = stack
            .roles()
            .iter()
            .map(|r| (r.service().to_string(), release.image(*r).id.clone()))
            .collect();
        let mut update = UpdateSpec {
            new: spec,
            previous: previous.clone(),
            new_images,
            watch: options.watch,
            backup_first: !options.no_backup,
            backup_scripts: Vec::new(),
        };
        let mut report = DeployReport {
            server: name.to_string(),
            environment: environment.name(),
            version: release.version.clone(),
            previous: previous.clone(),
            plan: earlier
                .iter()
                .map(|s| PlannedStep {
                    id: s.id,
                    title: s.title.clone(),
                })
                .chain(update.titles().planned())
                .collect(),
            planned_only: options.plan_only,
            backup: None,
            steps: Vec::new(),
            elapsed_ms: 0,
        };
        if options.plan_only {
            return Ok(report);
        }
        if update.backup_first {
            // The backup step puts them before it runs them.
            update.backup_scripts = self.backup_scripts(name, &session, &dir, environment)?;
        }
        let mut state = Updating::default();
        let ran = Runner::new(&session, cancel, options.holder.clone(), on_event).run(
            update::plan(&update, &compose).already_done(earlier),
            &mut state,
        );
        report.backup = state.backup.clone();
        let ran = ran.map_err(|stopped| {
            let changes = update::database_changes(&session, &update, &state);
            let stopped = update::explain(stopped, &update);
            let err = if stopped.step == "backup" && !stopped.cancelled() {
                backup_failed(remote_error(stopped.error, name), &previous)
            } else {
                stopped_error(stopped, name, environment)
            };
            changed_database(err, &changes, report.backup.as_deref(), name, environment)
        })?;
        self.record_release(name, environment, &release, &update.new.proxy)?;
        report.steps = ran.steps;
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    /// Deploys to `to` exactly the release (the same image ids) that serves, healthy, on
    /// `from`'s `from_environment` (staging, on the same server or another); refused when it
    /// is not healthy there.
    pub fn release_promote(
        &self,
        from: &str,
        from_environment: Environment,
        to: &str,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<DeployReport, ApiError> {
        if from == to && from_environment == options.environment {
            return Err(ApiError::new(
                "usage.promote_same",
                "a release is promoted from one environment to another",
                "promote from staging to production",
            ));
        }
        let bytes = {
            let Opened { session, dir, .. } = self.open_for(from, from_environment, None)?;
            let fail = |e| remote_error(e, from);
            let version = current_version(&session, &dir).map_err(fail)?;
            if version.is_empty() {
                return Err(ApiError::new(
                    "release.not_installed",
                    format!(
                        "{from} runs no {} release to promote",
                        from_environment.name()
                    ),
                    "install DeskMate there first",
                ));
            }
            let healthy = self
                .proxy_probe(from, from_environment)
                .is_ok_and(|probe| through_proxy(&session, &probe).is_ok());
            let containers_healthy = containers(&session, &deskmate_stack::project_name(&dir))
                .map_err(fail)?
                .iter()
                .filter(|c| c.state == "running")
                .all(|c| c.health == "healthy" || c.health.is_empty());
            if !healthy || !containers_healthy {
                return Err(ApiError::new(
                    "release.source_unhealthy",
                    format!(
                        "DeskMate {version} is not healthy on {from}'s {}, so it is not promoted",
                        from_environment.name()
                    ),
                    "fix it there first (its health report says what is wrong), then promote it",
                ));
            }
            kept_release(&session, &dir, &version).map_err(fail)?.2
        };
        self.deploy_from(
            to,
            Source::Bytes(bytes),
            Vec::new(),
            options,
            on_event,
            cancel,
        )
    }

    /// The releases kept on the server, newest first, with the one serving and those that
    /// served healthily marked.
    pub fn release_list(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Vec<ReleaseEntry>, ApiError> {
        let (server, session) = self.open_session(name)?;
        releases::releases(&session, &stack_dir(&server.stack_dir, environment))
            .map_err(|e| remote_error(e, name))
    }

    /// The server's audit log, its last 500 lines: one line per step of every operation
    /// (installs, updates, restores, backups, maintenance, …).
    pub fn release_audit(&self, name: &str, environment: Environment) -> Result<String, ApiError> {
        let Opened { session, dir, .. } = self.open_for(name, environment, None)?;
        let fail = |e| remote_error(e, name);
        let out = session
            .capture(&audit::tail_command(&dir, 500).map_err(fail)?, 1 << 20)
            .map_err(fail)?;
        Ok(out.stdout_text())
    }

    /// The same lines, read by the one parser: who did what, when, with which outcome.
    pub fn release_audit_lines(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Vec<AuditLine>, ApiError> {
        Ok(audit::parse(&self.release_audit(name, environment)?))
    }
}

#[cfg(test)]
mod tests {
    use super::words::redact;

    #[test]
    fn a_git_address_is_shown_without_its_credentials() {
        assert_eq!(
            redact("https://bob:ghp_secret@github.com/you/deskmate.git"),
            "https://github.com/you/deskmate.git"
        );
        assert_eq!(redact("ssh://git@host:22/x.git"), "ssh://host:22/x.git");
        assert_eq!(redact("/srv/git/deskmate.git"), "/srv/git/deskmate.git");
    }
}
