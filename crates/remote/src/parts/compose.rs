//! Compose on the server: which one there is, bringing the stack up detached while this side
//! watches the containers' health (so a long start is never taken for a dead connection and
//! can be cancelled), and stopping a failed one.

use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::error::Result;
use crate::facts::Facts;
use crate::ops::Remote;

use super::commands::{check_cancel, refuse, run_script};
use super::containers::{ContainerState, all_healthy, containers};
use super::proxy::wait_through_proxy;
use super::spec::InstallSpec;

/// Where compose is on this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    V2,
    V1,
}

impl Compose {
    /// The command as the boot unit runs it.
    pub fn command(&self) -> Vec<String> {
        match self {
            Compose::V2 => vec!["/usr/bin/docker".into(), "compose".into()],
            Compose::V1 => vec!["/usr/bin/docker-compose".into()],
        }
    }

    /// The command in a shell line, resolved through PATH.
    pub(crate) fn shell(&self) -> &'static str {
        match self {
            Compose::V2 => "docker compose",
            Compose::V1 => "docker-compose",
        }
    }
}

/// Docker must answer for this account, and some compose must be there. The explanations
/// are for an owner who has never used Docker.
pub fn compose_of(facts: &Facts) -> Result<Compose> {
    let user = facts.get("user").unwrap_or("this account").to_string();
    if facts.get("docker.client").is_none() {
        let sudo = if facts.get("sudo").is_some() {
            "DeskMate Studio installs Docker itself only on Debian and Ubuntu. Install Docker Engine and Compose with this system's own packages (or Docker's guide for it), then run the install again."
        } else {
            "Ask your hosting provider to install Docker (Debian/Ubuntu: the docker.io and docker-compose packages), or run: sudo apt-get install docker.io docker-compose."
        };
        return Err(refuse(
            "install.no_docker",
            "Docker is not installed on this server, and DeskMate runs in Docker.",
            sudo,
        ));
    }
    match facts.get("docker.access") {
        Some("direct") => {}
        Some("sudo") | Some("none") => {
            let said = facts.get("docker.error").unwrap_or("");
            if said.contains("Cannot connect") || said.contains("Is the docker daemon running") {
                return Err(refuse(
                    "install.docker_down",
                    "Docker is installed but not running.",
                    "Start it with: sudo systemctl start docker (and enable it at boot: sudo systemctl enable docker).",
                ));
            }
            return Err(refuse(
                "install.docker_denied",
                format!("{user} may not use Docker on this server."),
                format!(
                    "Ask whoever runs the server to add {user} to the docker group (sudo usermod -aG docker {user}), then sign in again. Be aware that the docker group can do anything root can."
                ),
            ));
        }
        _ => {
            return Err(refuse(
                "install.docker_unknown",
                "Could not tell whether Docker works on this server.",
                "Run `docker info` on the server and look at what it says.",
            ));
        }
    }
    if facts.get("compose.v2").is_some() {
        Ok(Compose::V2)
    } else if facts.get("compose.v1").is_some() {
        Ok(Compose::V1)
    } else {
        Err(refuse(
            "install.no_compose",
            "Docker Compose is not installed on this server.",
            "Install it with: sudo apt-get install docker-compose (or the docker-compose-plugin package from Docker).",
        ))
    }
}

/// Brings the stack up again after its files changed outside an install (a restore's new
/// data volumes): compose recreates what changed; then every service and the proxy must be
/// healthy. Nothing is stopped on failure: the caller decides what to switch back to.
pub fn restart(
    session: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    cancel: &Cancel,
) -> Result<()> {
    start_again(session, spec, compose, Start::Recreate, cancel)
}

/// Like [`restart`], but compose recreates only the services whose files changed (a
/// setting in an env file): the others keep running untouched.
pub fn apply(
    session: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    cancel: &Cancel,
) -> Result<()> {
    start_again(session, spec, compose, Start::Apply, cancel)
}

fn start_again(
    session: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    mode: Start,
    cancel: &Cancel,
) -> Result<()> {
    start_and_wait(session, spec, compose, mode, false, cancel)?;
    wait_through_proxy(session, &spec.proxy, cancel)?.map_err(|err| {
        refuse(
            "install.proxy_unhealthy",
            "Every service is healthy, but DeskMate does not answer through the proxy.",
            err,
        )
    })
}

/// When `start_and_wait` brings the stack up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Only if some service is not running healthy.
    IfNeeded,
    /// Always: the files changed, and compose recreates what they change.
    Apply,
    /// Always, every container anew: the same files now name other data volumes, which
    /// compose does not count as a change.
    Recreate,
}

/// Starts the stack as `mode` says; then waits for health. `first`: nothing served before,
/// so a failure is followed by stopping it all (and the words say so).
pub(crate) fn start_and_wait(
    session: &dyn Remote,
    spec: &InstallSpec,
    compose: &Compose,
    mode: Start,
    first: bool,
    cancel: &Cancel,
) -> Result<bool> {
    if mode == Start::IfNeeded && all_healthy(spec, &containers(session, &spec.project)?) {
        return Ok(false);
    }
    let recreate = if mode == Start::Recreate {
        " --force-recreate"
    } else {
        ""
    };
    // Compose itself waits for each service's health before starting the next, which can
    // take minutes with no output; so it runs detached on the server, its words and exit
    // status in log/, while this side watches the containers and can be cancelled.
    run_script(
        session,
        "starting the stack (compose up)",
        &format!(
            "rm -f \"$1/log/compose-up.status\"; cd \"$1/current\" || exit 1; ( {} up -d --remove-orphans{recreate}; echo $? > \"$1/log/compose-up.status\" ) < /dev/null > \"$1/log/compose-up.log\" 2>&1 & echo $! > \"$1/log/compose-up.pid\"",
            compose.shell()
        ),
        &[&spec.dir],
    )?;
    let deadline = Instant::now() + spec.health_timeout;
    loop {
        check_cancel(cancel)?;
        let list = containers(session, &spec.project)?;
        let outcome = compose_outcome(session, spec);
        // Healthy counts once compose is done: until then the containers may still be the
        // ones it is about to replace.
        if outcome == ComposeOutcome::Done && all_healthy(spec, &list) {
            return Ok(true);
        }
        // While compose works, containers stop and start on purpose; judge them once it is
        // done (or the time is up).
        let settled = outcome != ComposeOutcome::Running;
        let failed = spec.services.iter().filter(|_| settled).find(|service| {
            list.iter().any(|c| {
                c.service == **service
                    && (c.health == "unhealthy" || c.state == "exited" || c.state == "dead")
            })
        });
        let compose_failed = match outcome {
            ComposeOutcome::Failed(words) => Some(words),
            _ => None,
        };
        if failed.is_some() || compose_failed.is_some() || Instant::now() > deadline {
            let not_healthy = spec
                .services
                .iter()
                .find(|s| {
                    !list
                        .iter()
                        .any(|c| c.service == **s && c.health == "healthy")
                })
                .cloned();
            let Some(service) = failed.cloned().or(not_healthy) else {
                continue;
            };
            let (logs, health_log) = diagnose(session, &list, &service);
            let why = if failed.is_some() {
                "is unhealthy"
            } else if compose_failed.is_some() {
                "could not be started"
            } else {
                "did not turn healthy in time"
            };
            let compose_said = compose_failed
                .map(|words| format!("Compose said:\n{words}\n"))
                .unwrap_or_default();
            // Given up on: a compose still working would go on changing the stack under
            // whatever comes next (stopping it, or switching back).
            stop_compose_up(session, spec);
            return Err(refuse(
                "install.unhealthy",
                format!(
                    "DeskMate {} did not start: the {service} service {why}.",
                    spec.version
                ),
                format!(
                    "{compose_said}Its last log lines:\n{logs}\nIts health checks said:\n{health_log}\n{}",
                    if first {
                        "Nothing is left running and the server is as it was; the stack's files stay, so fixing the cause and running the install again finishes it."
                    } else {
                        "The data volumes are untouched; fix the cause and run it again."
                    }
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Compose's last words when it finished without success; None while it runs or after it
/// succeeded.
fn compose_outcome(session: &dyn Remote, spec: &InstallSpec) -> ComposeOutcome {
    let out = run_script(
        session,
        "reading compose's outcome",
        "s=$(cat \"$1/log/compose-up.status\" 2>/dev/null) || { echo running; exit 0; }; [ \"$s\" = 0 ] && { echo \"done\"; exit 0; }; echo failed; tail -n 8 \"$1/log/compose-up.log\"",
        &[&spec.dir],
    );
    match out {
        Ok(text) => match text.split_once('\n') {
            Some(("failed", words)) => ComposeOutcome::Failed(words.trim().to_string()),
            _ if text.trim() == "done" => ComposeOutcome::Done,
            _ => ComposeOutcome::Running,
        },
        Err(_) => ComposeOutcome::Running,
    }
}

/// Where the detached `compose up` is.
#[derive(Debug, PartialEq, Eq)]
enum ComposeOutcome {
    Running,
    Done,
    /// Its last words.
    Failed(String),
}

/// The failing service's last log lines and Docker's health log.
pub(crate) fn diagnose(
    session: &dyn Remote,
    list: &[ContainerState],
    service: &str,
) -> (String, String) {
    let Some(container) = list.iter().find(|c| c.service == service) else {
        return ("(no container)".into(), "(none)".into());
    };
    let logs = run_script(
        session,
        "reading logs",
        "docker logs --tail 15 \"$1\" 2>&1",
        &[&container.id],
    )
    .unwrap_or_else(|e| e.to_string());
    let health = run_script(
        session,
        "reading the health log",
        r#"docker inspect --format '{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}{{end}}' "$1" | tail -n 5"#,
        &[&container.id],
    )
    .unwrap_or_else(|e| e.to_string());
    (logs.trim_end().to_string(), health.trim_end().to_string())
}

/// Stops the detached `compose up`, if it still runs, and waits (10 s at most) for it to go:
/// one given up on (a cancel) would go on changing the stack under the way back.
pub(crate) fn stop_compose_up(session: &dyn Remote, spec: &InstallSpec) {
    let _ = run_script(
        session,
        "stopping compose",
        r#"p=$(cat "$1/log/compose-up.pid" 2>/dev/null) || exit 0
pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.5; done"#,
        &[&spec.dir],
    );
}

/// Leaves nothing running and no `current` after a first install that failed; volumes (the
/// data) are kept.
pub(crate) fn stop_failed(session: &dyn Remote, spec: &InstallSpec, compose: &Compose) {
    // A compose still waiting in the background would start what `down` removes.
    stop_compose_up(session, spec);
    let line = format!(
        "cd \"$1/current\" && {} down --remove-orphans > /dev/null 2>&1 && cd \"$1\" && rm -f current",
        compose.shell()
    );
    let _ = run_script(session, "stopping the failed stack", &line, &[&spec.dir]);
}
