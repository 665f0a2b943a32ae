//! `release deploy`: one release replaced by another while the proxy keeps answering.
//!
//! The steps, each audited in `log/audit.log` (the api takes the deploy lock and the
//! verified backup before them):
//!
//! 1. `images`, `files`: the new release's images and `releases/<new>/` files, as an install
//!    puts them (only what is missing or changed travels).
//! 2. `beside`: each stateless service whose image changed (backend, frontend) gets a second
//!    container from the new release (`compose up --no-deps --no-recreate --scale S=2`),
//!    beside the old one, which keeps serving; the new one must turn healthy in time. If it
//!    does not, it is removed and the old release never stopped serving.
//! 3. `stateful`: a database, Qdrant or the proxy whose image changed is recreated from the
//!    new release and must turn healthy (the backup was taken first); the others are left
//!    running, untouched.
//! 4. `switch`: the old containers are stopped (they finish the requests in flight; the
//!    proxy looks the service up per connection and retries a refused one, so it reaches the
//!    new ones) and removed; `current` points at the new release (one rename).
//! 5. `watch`: for a while, the new containers must stay healthy and `/api/health` must
//!    answer through the proxy. If not, the old release is started beside again, the new one
//!    stopped, and `current` points back: an automatic rollback. When it passes, the new
//!    release is recorded as served (`releases::mark_served`), a rollback's way back.
//! 6. `prune`: release folders beyond the last five go, never the current one, the previous
//!    one, or one a running container still uses; each one's release file is set aside in
//!    `state/retired`. Images are never removed here: `server maintain` removes those only
//!    older releases name.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cancel::Cancel;
use crate::error::Result;
use crate::install::{
    self, Compose, ContainerState, InstallSpec, StepReport, check_cancel, containers, refuse,
    run_script,
};
use crate::ops::Remote;

use crate::parts::schema::schema;
/// Services that hold no data: updated beside the old container, with no gap.
pub use crate::parts::schema::schema_changes;

pub const STATELESS: &[&str] = &["backend", "frontend"];

/// Releases kept on the server (their folders; images are never removed).
pub const KEEP_RELEASES: usize = 5;

/// One update.
pub struct DeploySpec {
    /// The new release, as an install would put it.
    pub new: InstallSpec,
    /// The version serving now.
    pub previous: String,
    /// The image id each service of the new release runs.
    pub new_images: Vec<(String, String)>,
    /// How long the new release must stay healthy before the update counts as done.
    pub watch: Duration,
}

/// What an update did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Deployed {
    pub version: String,
    pub previous: String,
    pub steps: Vec<StepReport>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// An update that failed, and whether the new release had changed the database's tables
/// before it did (a migration that ran): the previous release serves either way, but on a
/// changed database, which only the backup taken first can undo.
#[derive(Debug)]
pub struct Failed {
    pub error: crate::RemoteError,
    /// "added the column public.memories.mood (text)", …; empty when nothing changed or the
    /// database could not be read.
    pub schema_changes: Vec<String>,
}

impl From<crate::RemoteError> for Failed {
    fn from(error: crate::RemoteError) -> Failed {
        Failed {
            error,
            schema_changes: Vec::new(),
        }
    }
}

/// Runs the update's steps; see the module's comment.
pub fn run(
    session: &dyn Remote,
    spec: &DeploySpec,
    compose: &Compose,
    on_step: &mut dyn FnMut(&StepReport),
    cancel: &Cancel,
) -> std::result::Result<Deployed, Failed> {
    let started = Instant::now();
    let new = &spec.new;
    let mut steps = Vec::new();
    let mut record = |id: &'static str, title: &str, changed: bool, detail: String| {
        let report = StepReport {
            id,
            title: title.to_string(),
            changed,
            detail,
        };
        let scope = crate::ops::Scope {
            dir: new.dir.clone(),
            environment: new.environment.clone(),
            subject: new.version.clone(),
        };
        crate::ops::audit::write_step(session, "update", &scope, &report);
        on_step(&report);
        steps.push(report);
    };

    check_cancel(cancel)?;
    let loaded = install::images(session, new, cancel)?;
    record(
        "images",
        &format!("Bring DeskMate {}'s images onto the server", new.version),
        !loaded.is_empty(),
        if loaded.is_empty() {
            "all already on the server, with the right ids".into()
        } else {
            format!("loaded {}", loaded.join(", "))
        },
    );
    check_cancel(cancel)?;
    let written = crate::parts::stack_files::put(session, &new.dir, &new.files, cancel)?;
    record(
        "files",
        &format!("Write releases/{}/", new.version),
        !written.is_empty(),
        if written.is_empty() {
            "all unchanged".into()
        } else {
            format!("wrote {}", written.join(", "))
        },
    );

    // From here the new release's code runs: it may migrate the database before it fails.
    let schema_before = schema(session, &new.project);
    let switched = (|| -> Result<()> {
        // What changes: each service with a running container whose image is not the new one
        // (after an update cut short there may be one of each), and those containers.
        let running = containers(session, &new.project)?;
        let mut outdated: Vec<&ContainerState> = Vec::new();
        for container in running.iter().filter(|c| c.state == "running") {
            let want = spec
                .new_images
                .iter()
                .find(|(s, _)| *s == container.service)
                .map(|(_, id)| id.as_str());
            if want.is_some() && image_of(session, &container.id).as_deref() != want {
                outdated.push(container);
            }
        }
        let changed: Vec<String> = new
            .services
            .iter()
            .filter(|s| outdated.iter().any(|c| c.service == **s))
            .cloned()
            .collect();
        let (stateless, stateful): (Vec<String>, Vec<String>) = changed
            .into_iter()
            .partition(|s| STATELESS.contains(&s.as_str()));
        let old_ids: Vec<String> = outdated
            .iter()
            .filter(|c| stateless.contains(&c.service))
            .map(|c| c.id.clone())
            .collect();

        check_cancel(cancel)?;
        if let Err(err) = start_beside(session, new, compose, &new.version, &stateless, cancel) {
            remove_new(session, new, &stateless);
            return Err(err);
        }
        record(
            "beside",
            "Start the new backend and frontend beside the old ones",
            !stateless.is_empty(),
            if stateless.is_empty() {
                "no stateless service changed".into()
            } else {
                format!(
                    "{} healthy beside the old, which still serves",
                    stateless.join(" and ")
                )
            },
        );

        check_cancel(cancel)?;
        for service in &stateful {
            recreate(session, new, compose, service, cancel)?;
        }
        record(
            "stateful",
            "Update the database, Qdrant or proxy if their image changed",
            !stateful.is_empty(),
            if stateful.is_empty() {
                "unchanged: left running, untouched".into()
            } else {
                format!("{} recreated and healthy", stateful.join(", "))
            },
        );

        // From here the old containers go; the proxy finds the new ones.
        stop_containers(session, &old_ids)?;
        install::switch(session, new)?;
        record(
            "switch",
            &format!(
                "Switch to {} and let the old containers finish",
                new.version
            ),
            true,
            format!(
                "the old {} drained and stopped; current is releases/{}",
                if stateless.is_empty() {
                    "release".to_string()
                } else {
                    stateless.join(" and ")
                },
                new.version
            ),
        );

        if let Err(why) = watch(session, new, &stateless, spec.watch, cancel) {
            let back = roll_back(session, spec, compose, &stateless);
            record(
                "rollback",
                &format!("Roll back to {}", spec.previous),
                true,
                match &back {
                    Ok(()) => format!("{} serves again", spec.previous),
                    Err(e) => format!("failed: {e}"),
                },
            );
            return Err(match back {
                Ok(()) => refuse(
                    "release.rolled_back",
                    format!(
                        "DeskMate {} turned unhealthy after the switch ({why}), so {} was brought back automatically.",
                        new.version, spec.previous
                    ),
                    format!(
                        "{} serves, with the data as it was. The verified backup taken before the update holds the data from just before it.",
                        spec.previous
                    ),
                ),
                Err(e) => refuse(
                    "release.rollback_failed",
                    format!(
                        "DeskMate {} turned unhealthy after the switch ({why}), and rolling back to {} failed too: {e}",
                        new.version, spec.previous
                    ),
                    "Check the server's health, then roll back to the previous release. The verified backup taken before the update holds the data.",
                ),
            });
        }
        record(
            "watch",
            &format!("Watch {} for {} s", new.version, spec.watch.as_secs()),
            false,
            "healthy throughout, and /api/health answers through the proxy".into(),
        );
        crate::releases::mark_served(session, &new.dir, &new.version, Some(&spec.previous));

        let pruned = prune(session, new, &spec.previous)?;
        record(
            "prune",
            &format!("Keep the last {KEEP_RELEASES} releases"),
            !pruned.is_empty(),
            if pruned.is_empty() {
                "nothing to remove".into()
            } else {
                format!("removed the folders of {}", pruned.join(", "))
            },
        );
        Ok(())
    })();
    if let Err(error) = switched {
        let schema_changes = match (&schema_before, schema(session, &new.project)) {
            (Some(before), Some(after)) => schema_changes(before, &after),
            _ => Vec::new(),
        };
        return Err(Failed {
            error,
            schema_changes,
        });
    }
    Ok(Deployed {
        version: new.version.clone(),
        previous: spec.previous.clone(),
        steps,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

fn image_of(session: &dyn Remote, container: &str) -> Option<String> {
    run_script(
        session,
        "reading a container's image",
        "docker inspect --format '{{.Image}}' \"$1\"",
        &[container],
    )
    .ok()
    .map(|s| s.trim().to_string())
}

/// A second container of each service from `version`'s release folder, beside the one
/// serving; then waits for each new one to turn healthy.
fn start_beside(
    session: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    version: &str,
    services: &[String],
    cancel: &Cancel,
) -> Result<()> {
    for service in services {
        run_script(
            session,
            "starting the new release beside the old",
            &format!(
                "cd \"$1/releases/$2\" || exit 1; {} up -d --no-deps --no-recreate --scale \"$3=2\" \"$3\" < /dev/null 2>&1 | tail -n 5",
                compose.shell()
            ),
            &[&spec.dir, version, service],
        )?;
    }
    let deadline = Instant::now() + spec.health_timeout;
    loop {
        check_cancel(cancel)?;
        let list = containers(session, &spec.project)?;
        let ours = |s: &str| -> Vec<&ContainerState> {
            list.iter()
                .filter(|c| c.service == s && c.release == version)
                .collect()
        };
        if services
            .iter()
            .all(|s| ours(s).iter().any(|c| c.health == "healthy"))
        {
            return Ok(());
        }
        let failed = services.iter().find(|s| {
            ours(s)
                .iter()
                .any(|c| c.health == "unhealthy" || c.state == "exited" || c.state == "dead")
        });
        if failed.is_some() || Instant::now() > deadline {
            let service = failed
                .or_else(|| {
                    services
                        .iter()
                        .find(|s| !ours(s).iter().any(|c| c.health == "healthy"))
                })
                .cloned()
                .unwrap_or_default();
            let mine: Vec<ContainerState> = ours(&service).into_iter().cloned().collect();
            let (logs, health) = install::diagnose(session, &mine, &service);
            return Err(refuse(
                "release.unhealthy",
                format!(
                    "DeskMate {version} did not start: its {service} {}.",
                    if failed.is_some() {
                        "is unhealthy"
                    } else {
                        "did not turn healthy in time"
                    }
                ),
                format!(
                    "Its last log lines:\n{logs}\nIts health checks said:\n{health}\nThe release that was serving never stopped and still serves; the new containers were removed. Fix the release and deploy again."
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Removes the containers of `services` that belong to the new release (after a failed
/// start beside the old ones).
fn remove_new(session: &dyn Remote, spec: &InstallSpec, services: &[String]) {
    let Ok(list) = containers(session, &spec.project) else {
        return;
    };
    let ids: Vec<String> = list
        .iter()
        .filter(|c| services.contains(&c.service) && c.release == spec.version)
        .map(|c| c.id.clone())
        .collect();
    if !ids.is_empty() {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let _ = run_script(
            session,
            "removing the new containers",
            "docker rm -f \"$@\" > /dev/null",
            &refs,
        );
    }
}

/// A stateful service (or the proxy) recreated from the new release, then healthy.
fn recreate(
    session: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    service: &str,
    cancel: &Cancel,
) -> Result<()> {
    run_script(
        session,
        "updating a service",
        &format!(
            "cd \"$1/releases/$2\" || exit 1; {} up -d --no-deps \"$3\" < /dev/null 2>&1 | tail -n 5",
            compose.shell()
        ),
        &[&spec.dir, &spec.version, service],
    )?;
    let deadline = Instant::now() + spec.health_timeout;
    loop {
        check_cancel(cancel)?;
        let list = containers(session, &spec.project)?;
        let mine: Vec<ContainerState> = list
            .into_iter()
            .filter(|c| c.service == service && c.release == spec.version)
            .collect();
        if mine.iter().any(|c| c.health == "healthy") {
            return Ok(());
        }
        if Instant::now() > deadline || mine.iter().any(|c| c.health == "unhealthy") {
            let (logs, health) = install::diagnose(session, &mine, service);
            return Err(refuse(
                "release.unhealthy",
                format!(
                    "DeskMate {}'s {service} did not turn healthy after its update.",
                    spec.version
                ),
                format!(
                    "Its last log lines:\n{logs}\nIts health checks said:\n{health}\nThe verified backup taken before the update holds the data; a rollback brings the previous release back."
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Stops (each finishes the requests in flight, up to 30 s) and removes containers.
fn stop_containers(session: &dyn Remote, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    run_script(
        session,
        "stopping the old containers",
        "docker stop -t 30 \"$@\" > /dev/null && docker rm \"$@\" > /dev/null",
        &refs,
    )?;
    Ok(())
}

/// The new containers healthy and `/api/health` answering through the proxy, for `window`.
fn watch(
    session: &dyn Remote,
    spec: &InstallSpec,
    services: &[String],
    window: Duration,
    cancel: &Cancel,
) -> std::result::Result<(), String> {
    let until = Instant::now() + window;
    // A moment's hiccup (one probe) is not a failure; two in a row are.
    let mut misses = 0;
    loop {
        if cancel.is_cancelled() {
            return Err("the update was cancelled after the switch".into());
        }
        let list = containers(session, &spec.project).map_err(|e| e.to_string())?;
        let sick = services.iter().find(|s| {
            !list.iter().any(|c| {
                c.service == **s
                    && c.release == spec.version
                    && c.state == "running"
                    && c.health == "healthy"
            })
        });
        let answer = install::through_proxy(session, &spec.proxy);
        match (sick, answer) {
            (None, Ok(())) => misses = 0,
            (Some(s), _) => {
                misses += 1;
                if misses >= 2 {
                    return Err(format!("its {s} is not healthy"));
                }
            }
            (None, Err(e)) => {
                misses += 1;
                if misses >= 2 {
                    return Err(e);
                }
            }
        }
        if Instant::now() >= until {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// The previous release's stateless services started beside the failed new ones, the new
/// ones stopped, and `current` pointed back.
fn roll_back(
    session: &dyn Remote,
    spec: &DeploySpec,
    compose: &Compose,
    services: &[String],
) -> Result<()> {
    let new = &spec.new;
    let previous = InstallSpec {
        version: spec.previous.clone(),
        ..new.clone()
    };
    start_beside(
        session,
        &previous,
        compose,
        &spec.previous,
        services,
        &Cancel::new(),
    )?;
    let list = containers(session, &new.project)?;
    let failed: Vec<String> = list
        .iter()
        .filter(|c| services.contains(&c.service) && c.release == new.version)
        .map(|c| c.id.clone())
        .collect();
    stop_containers(session, &failed)?;
    install::switch(session, &previous)?;
    Ok(())
}

/// Release folders beyond the newest [`KEEP_RELEASES`] (by time), except the current, the
/// previous, and any a container mounts. Each one's release file goes to `state/retired`.
fn prune(session: &dyn Remote, spec: &InstallSpec, previous: &str) -> Result<Vec<String>> {
    let label = format!("label=com.docker.compose.project={}", spec.project);
    let out = run_script(
        session,
        "pruning old releases",
        r#"cd "$1/releases" || exit 0
used=$(docker ps -aq --filter "$4" | xargs -r docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}')
ls -1t | tail -n +$(( $5 + 1 )) | while IFS= read -r v; do
  [ "$v" = "$2" ] || [ "$v" = "$3" ] && continue
  case " $used " in *"/releases/$v/"*) continue ;; esac
  # Its release file is set aside: maintenance removes the images it names.
  mkdir -p "$1/state/retired" && { cp -- "$v/release.json" "$1/state/retired/$v.json" 2>/dev/null || true; }
  rm -rf -- "$v" && echo "$v"
done"#,
        &[
            &spec.dir,
            &spec.version,
            previous,
            &label,
            &KEEP_RELEASES.to_string(),
        ],
    )?;
    Ok(out.lines().map(str::to_string).collect())
}
