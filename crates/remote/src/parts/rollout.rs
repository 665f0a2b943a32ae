//! One release's containers brought up beside another's, recreated, stopped, watched and
//! pruned: the pieces an update (and its way back) is made of. Each looks at what runs
//! before it acts, so running it again is safe.

use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::error::Result;
use crate::ops::Remote;

use super::commands::{check_cancel, refuse, run_script};
use super::compose::{Compose, diagnose};
use super::containers::{ContainerState, containers};
use super::proxy::through_proxy;
use super::spec::InstallSpec;

/// Services that hold no data: updated beside the old container, with no gap.
pub(crate) const STATELESS: &[&str] = &["backend", "frontend"];

/// Releases kept on the server (their folders; images are never removed here).
pub const KEEP_RELEASES: usize = 5;

/// What an update changes: the services whose running container is not the new image,
/// split into those updated beside the old (stateless) and those recreated (stateful), and
/// the old stateless containers that stop at the switch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Outdated {
    pub stateless: Vec<String>,
    pub stateful: Vec<String>,
    pub old_ids: Vec<String>,
    /// The new release's stateless containers there before the update started any (an
    /// update cut short left them, or the release already serves and is being settled): not
    /// this run's to remove when it puts back what it started.
    pub present: Vec<String>,
}

/// The services of `spec` whose running container does not run the image `new_images`
/// names (after an update cut short there may be one of each).
pub(crate) fn outdated(
    remote: &dyn Remote,
    spec: &InstallSpec,
    new_images: &[(String, String)],
) -> Result<Outdated> {
    let running = containers(remote, &spec.project)?;
    let mut stale: Vec<&ContainerState> = Vec::new();
    for container in running.iter().filter(|c| c.state == "running") {
        let want = new_images
            .iter()
            .find(|(s, _)| *s == container.service)
            .map(|(_, id)| id.as_str());
        if want.is_some() && image_of(remote, &container.id).as_deref() != want {
            stale.push(container);
        }
    }
    let (stateless, stateful): (Vec<String>, Vec<String>) = spec
        .services
        .iter()
        .filter(|s| stale.iter().any(|c| c.service == **s))
        .cloned()
        .partition(|s| STATELESS.contains(&s.as_str()));
    let old_ids = stale
        .iter()
        .filter(|c| stateless.contains(&c.service))
        .map(|c| c.id.clone())
        .collect();
    let present = running
        .iter()
        .filter(|c| stateless.contains(&c.service) && c.release == spec.version)
        .map(|c| c.id.clone())
        .collect();
    Ok(Outdated {
        stateless,
        stateful,
        old_ids,
        present,
    })
}

fn image_of(remote: &dyn Remote, container: &str) -> Option<String> {
    run_script(
        remote,
        "reading a container's image",
        "docker inspect --format '{{.Image}}' \"$1\"",
        &[container],
    )
    .ok()
    .map(|s| s.trim().to_string())
}

/// A second container of each service from `spec`'s release folder, beside the one
/// serving; then waits for each new one to turn healthy. Services that already have two
/// containers (a retry) get no third.
pub(crate) fn start_beside(
    remote: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    services: &[String],
    cancel: &Cancel,
) -> Result<()> {
    let version = spec.version.as_str();
    for service in services {
        run_script(
            remote,
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
        let list = containers(remote, &spec.project)?;
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
            let (logs, health) = diagnose(remote, &mine, &service);
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
                    "The release that was serving never stopped and still serves. Fix the release and deploy again. Its last log lines:\n{logs}\nIts health checks said:\n{health}"
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Removes the containers of `services` that belong to `spec`'s release, except those in
/// `keep`; whether there were any.
pub(crate) fn remove_release(
    remote: &dyn Remote,
    spec: &InstallSpec,
    services: &[String],
    keep: &[String],
) -> Result<bool> {
    let ids: Vec<String> = containers(remote, &spec.project)?
        .into_iter()
        .filter(|c| {
            services.contains(&c.service) && c.release == spec.version && !keep.contains(&c.id)
        })
        .map(|c| c.id)
        .collect();
    if ids.is_empty() {
        return Ok(false);
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    run_script(
        remote,
        "removing the new containers",
        "docker stop -t 10 \"$@\" > /dev/null; docker rm -f \"$@\" > /dev/null",
        &refs,
    )?;
    Ok(true)
}

/// A stateful service (or the proxy) recreated from `spec`'s release, then healthy.
pub(crate) fn recreate(
    remote: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    service: &str,
    cancel: &Cancel,
) -> Result<()> {
    run_script(
        remote,
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
        let mine: Vec<ContainerState> = containers(remote, &spec.project)?
            .into_iter()
            .filter(|c| c.service == service && c.release == spec.version)
            .collect();
        if mine.iter().any(|c| c.health == "healthy") {
            return Ok(());
        }
        if Instant::now() > deadline || mine.iter().any(|c| c.health == "unhealthy") {
            let (logs, health) = diagnose(remote, &mine, service);
            return Err(refuse(
                "release.unhealthy",
                format!(
                    "DeskMate {}'s {service} did not turn healthy after its update.",
                    spec.version
                ),
                format!(
                    "The previous release's {service} is brought back. Its last log lines:\n{logs}\nIts health checks said:\n{health}"
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Stops (each finishes the requests in flight, up to 30 s) and removes containers.
pub(crate) fn stop_containers(remote: &dyn Remote, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    run_script(
        remote,
        "stopping the old containers",
        "docker stop -t 30 \"$@\" > /dev/null && docker rm \"$@\" > /dev/null",
        &refs,
    )?;
    Ok(())
}

/// Why a watched release stopped counting as healthy.
pub(crate) enum WatchFailed {
    Cancelled,
    Unhealthy(String),
}

/// The new containers healthy and `/api/health` answering through the proxy, for `window`;
/// `beat` runs on each round, so a long watch says it is alive.
pub(crate) fn watch(
    remote: &dyn Remote,
    spec: &InstallSpec,
    services: &[String],
    window: Duration,
    cancel: &Cancel,
    beat: &mut dyn FnMut(),
) -> std::result::Result<(), WatchFailed> {
    let until = Instant::now() + window;
    // A moment's hiccup (one probe) is not a failure; two in a row are.
    let mut misses = 0;
    loop {
        if cancel.is_cancelled() {
            return Err(WatchFailed::Cancelled);
        }
        beat();
        let list =
            containers(remote, &spec.project).map_err(|e| WatchFailed::Unhealthy(e.to_string()))?;
        let sick = services.iter().find(|s| {
            !list.iter().any(|c| {
                c.service == **s
                    && c.release == spec.version
                    && c.state == "running"
                    && c.health == "healthy"
            })
        });
        let why = match (sick, through_proxy(remote, &spec.proxy)) {
            (None, Ok(())) => None,
            (Some(s), _) => Some(format!("its {s} is not healthy")),
            (None, Err(e)) => Some(e),
        };
        match why {
            None => misses = 0,
            Some(why) => {
                misses += 1;
                if misses >= 2 {
                    return Err(WatchFailed::Unhealthy(why));
                }
            }
        }
        if Instant::now() >= until {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Release folders beyond the newest [`KEEP_RELEASES`] (by time), except the current, the
/// previous, and any a container mounts. Each one's release file goes to `state/retired`.
pub(crate) fn prune(
    remote: &dyn Remote,
    spec: &InstallSpec,
    previous: &str,
) -> Result<Vec<String>> {
    let label = format!("label=com.docker.compose.project={}", spec.project);
    let out = run_script(
        remote,
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
