//! `server install`: takes a checked server to a running, health-green DeskMate stack, as a
//! sequence of steps (Kamal's shape). Each step looks before it acts, so a second run changes
//! nothing and says so; each writes whole files or none; each says in plain words what it
//! did, or what failed and what to do.
//!
//! What goes where on the server (under the stack folder, `/opt/deskmate` by default):
//!
//! ```text
//! releases/<version>/   compose.yaml, .env (the project name), proxy/Caddyfile
//! current -> releases/<version>   switched with one rename
//! shared/env/           the env files with the secrets (folder 0700, files 0600)
//! shared/data/          personas and room templates, read-only in the backend
//! log/audit.log         one line per step of every install
//! ```
//!
//! The files themselves come from `deskmate-stack` (through the api); this module only puts
//! them on the server and drives Docker.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::facts::Facts;
use crate::session::Session;
use crate::transfer::Visibility;

/// A file to put on the server.
#[derive(Clone)]
pub struct SpecFile {
    /// Relative to the stack folder; host files (`/etc/…`) are absolute.
    pub path: String,
    pub contents: Vec<u8>,
    pub secret: bool,
}

/// An image the release needs, and the id it must have.
#[derive(Debug, Clone)]
pub struct WantedImage {
    pub tag: String,
    pub id: String,
}

/// A `docker save` archive on this computer that holds some of the images.
#[derive(Debug, Clone)]
pub struct LocalArchive {
    pub path: PathBuf,
    pub sha256: String,
    pub tags: Vec<String>,
}

/// How to reach the backend through the proxy from the server itself.
#[derive(Debug, Clone)]
pub struct ProxyProbe {
    pub port: u16,
    pub https: bool,
    /// The Host header and TLS name.
    pub host: String,
}

/// Everything one install needs.
#[derive(Clone)]
pub struct InstallSpec {
    pub dir: String,
    pub version: String,
    /// The compose project name (containers are labelled with it).
    pub project: String,
    pub environment: String,
    /// The stack's files, relative to the stack folder (`releases/<version>/…`, `shared/…`).
    pub files: Vec<SpecFile>,
    /// The boot unit, jail and logrotate rule (absolute paths; need root).
    pub host_files: Vec<SpecFile>,
    /// Where the host's files go: empty for the server's own `/`. Tests point it at a
    /// folder of their own, so the test machine's `/etc` is never written.
    pub host_root: String,
    pub unit: String,
    /// Timers the host step enables and starts (the watchdog's).
    pub timers: Vec<String>,
    pub firewall: Vec<Vec<String>>,
    pub images: Vec<WantedImage>,
    pub archives: Vec<LocalArchive>,
    pub services: Vec<String>,
    pub proxy: ProxyProbe,
    pub health_timeout: Duration,
}

/// One line of the plan, before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PlannedStep {
    pub id: &'static str,
    pub title: String,
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StepReport {
    pub id: &'static str,
    pub title: String,
    pub changed: bool,
    /// What it found or did, in plain words.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    pub version: String,
    pub changed: bool,
    pub steps: Vec<StepReport>,
    pub elapsed_ms: u64,
}

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

/// Why an install cannot go on, with a stable code (`install.*`).
pub(crate) fn refuse(
    code: &'static str,
    message: impl Into<String>,
    detail: impl Into<String>,
) -> RemoteError {
    RemoteError::Refused {
        code,
        message: message.into(),
        detail: detail.into(),
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

/// The plan, in the order the steps run.
pub fn plan(spec: &InstallSpec) -> Vec<PlannedStep> {
    let step = |id, title: String| PlannedStep { id, title };
    vec![
        step(
            "folders",
            format!(
                "Create the folders of the stack in {} (if missing)",
                spec.dir
            ),
        ),
        step(
            "images",
            format!(
                "Bring DeskMate {}'s {} images onto the server (uploaded from the release's archives or pulled from its registry, each checked; only those missing)",
                spec.version,
                spec.images.len()
            ),
        ),
        step(
            "files",
            "Write the stack's files (compose, proxy, and the env files with generated passwords, readable only by the account you sign in with)".to_string(),
        ),
        step(
            "switch",
            format!("Point {}/current at release {}", spec.dir, spec.version),
        ),
        step(
            "start",
            format!(
                "Start the {} services and wait until each is healthy",
                spec.services.len()
            ),
        ),
        step(
            "proxy",
            format!(
                "Check that DeskMate answers through the proxy on port {}",
                spec.proxy.port
            ),
        ),
        step(
            "host",
            format!(
                "Start DeskMate at boot ({}), watch it every five minutes, ban repeated failed SSH sign-ins (fail2ban), rotate the logs, and turn the firewall on: SSH (rate-limited), HTTP and HTTPS only. Needs root; skipped otherwise",
                spec.unit
            ),
        ),
    ]
}

/// Runs the plan. `on_step` hears each step as it finishes. `earlier` are steps already done
/// before this session (putting Docker on the server): they head the report, and go into
/// the audit log once its folder exists.
pub fn run(
    session: &Session,
    spec: &InstallSpec,
    compose: &Compose,
    earlier: Vec<StepReport>,
    on_step: &mut dyn FnMut(&StepReport),
    cancel: &Cancel,
) -> Result<Installed> {
    let start = Instant::now();
    let mut steps = earlier;
    let mut record = |report: StepReport, steps: &mut Vec<StepReport>| {
        audit(session, spec, &report);
        on_step(&report);
        steps.push(report);
    };
    let titles = plan(spec);
    let title = |id: &str| {
        titles
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.title.clone())
            .unwrap_or_default()
    };

    refuse_other_release(session, spec)?;
    let report = |id: &'static str, changed: bool, detail: String| StepReport {
        id,
        title: title(id),
        changed,
        detail,
    };

    check_cancel(cancel)?;
    let made = folders(session, spec)?;
    for done in &steps {
        audit(session, spec, done);
    }
    record(
        report(
            "folders",
            made,
            if made {
                "created".into()
            } else {
                "already there".into()
            },
        ),
        &mut steps,
    );

    check_cancel(cancel)?;
    let loaded = images(session, spec, cancel)?;
    let detail = if loaded.is_empty() {
        "all already on the server, with the right ids".to_string()
    } else {
        format!("loaded {}", loaded.join(", "))
    };
    record(report("images", !loaded.is_empty(), detail), &mut steps);

    check_cancel(cancel)?;
    let written = files(session, spec, cancel)?;
    let detail = if written.is_empty() {
        "all unchanged".to_string()
    } else {
        format!("wrote {}", written.join(", "))
    };
    record(report("files", !written.is_empty(), detail), &mut steps);

    check_cancel(cancel)?;
    let switched = switch(session, spec)?;
    let detail = if switched {
        format!("now {}", spec.version)
    } else {
        "already there".into()
    };
    record(report("switch", switched, detail), &mut steps);

    check_cancel(cancel)?;
    // `current` already named this release: the stack was installed before and may be
    // serving. Then a failure leaves it as it is rather than taking it down.
    let first = switched;
    let mode = if written.is_empty() {
        Start::IfNeeded
    } else {
        Start::Apply
    };
    let started = start_and_wait(session, spec, compose, mode, first, cancel);
    let started = match started {
        Ok(changed) => changed,
        Err(err) => {
            // A first install that never turned healthy leaves nothing running and no
            // `current`, so the server is as it was; the files stay for the next run.
            if first {
                stop_failed(session, spec, compose);
            }
            return Err(err);
        }
    };
    let detail = if started {
        "started; every service is healthy".to_string()
    } else {
        "already running and healthy".to_string()
    };
    record(report("start", started, detail), &mut steps);

    check_cancel(cancel)?;
    if let Err(err) = wait_through_proxy(session, &spec.proxy, cancel)? {
        if first {
            stop_failed(session, spec, compose);
        }
        return Err(refuse(
            "install.proxy_unhealthy",
            "Every service is healthy, but DeskMate does not answer through the proxy.",
            format!("{err}. Look at the proxy service's log on the server."),
        ));
    }
    record(
        report(
            "proxy",
            false,
            format!("/api/health is healthy on port {}", spec.proxy.port),
        ),
        &mut steps,
    );
    crate::releases::mark_served(session, &spec.dir, &spec.version, None);

    check_cancel(cancel)?;
    let (host_changed, detail) = host(session, spec)?;
    record(report("host", host_changed, detail), &mut steps);

    let changed = steps.iter().any(|s| s.changed);
    Ok(Installed {
        version: spec.version.clone(),
        changed,
        steps,
        elapsed_ms: start.elapsed().as_millis() as u64,
    })
}

pub(crate) fn check_cancel(cancel: &Cancel) -> Result<()> {
    if cancel.is_cancelled() {
        Err(RemoteError::Cancelled)
    } else {
        Ok(())
    }
}

pub(crate) fn run_script(
    session: &Session,
    what: &str,
    body: &str,
    args: &[&str],
) -> Result<String> {
    let out = session.capture(&script(body, args)?, 1 << 20)?;
    if !out.exit.success() {
        return Err(RemoteError::RemoteFailed {
            what: what.to_string(),
            code: match out.exit {
                crate::exec::Exit::Code(c) => c,
                crate::exec::Exit::Signal(_) => -1,
            },
            detail: out.stderr_tail(),
        });
    }
    Ok(out.stdout_text())
}

/// Updates are not built yet: an install never replaces another version that is serving.
fn refuse_other_release(session: &Session, spec: &InstallSpec) -> Result<()> {
    let current = run_script(
        session,
        "reading the current release",
        "readlink \"$1/current\" 2>/dev/null || true",
        &[&spec.dir],
    )?;
    let current = current.trim();
    let want = format!("releases/{}", spec.version);
    if !current.is_empty() && current != want {
        let version = current.strip_prefix("releases/").unwrap_or(current);
        return Err(refuse(
            "install.other_release",
            format!("DeskMate {version} is already installed here."),
            "Nothing was changed. Update it instead: an update backs up first and keeps the old release serving until the new one is healthy.",
        ));
    }
    Ok(())
}

fn folders(session: &Session, spec: &InstallSpec) -> Result<bool> {
    let out = run_script(
        session,
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

/// The id each wanted image has on the server now (empty when missing).
fn image_ids(session: &Session, spec: &InstallSpec) -> Result<Vec<(WantedImage, String)>> {
    let mut out = Vec::new();
    for image in &spec.images {
        let id = run_script(
            session,
            "looking for an image",
            "docker image inspect --format '{{.Id}}' \"$1\" 2>/dev/null || true",
            &[&image.tag],
        )?;
        out.push((image.clone(), id.trim().to_string()));
    }
    Ok(out)
}

pub(crate) fn images(
    session: &Session,
    spec: &InstallSpec,
    cancel: &Cancel,
) -> Result<Vec<String>> {
    let missing: Vec<String> = image_ids(session, spec)?
        .into_iter()
        .filter(|(image, id)| *id != image.id)
        .map(|(image, _)| image.tag)
        .collect();
    if missing.is_empty() {
        return Ok(missing);
    }
    let incoming = format!("{}/.incoming", spec.dir);
    run_script(
        session,
        "making the upload folder",
        "mkdir -p -- \"$1\"",
        &[&incoming],
    )?;
    for archive in spec
        .archives
        .iter()
        .filter(|a| a.tags.iter().any(|t| missing.contains(t)))
    {
        check_cancel(cancel)?;
        let name = archive
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "images.tar".into());
        let remote = format!("{incoming}/{name}");
        let sent = session.upload(
            &archive.path,
            &remote,
            Visibility::Normal,
            &mut |_| {},
            cancel,
        );
        let sent = match sent {
            Ok(sent) => sent,
            Err(err) => {
                let _ = run_script(session, "cleaning up", "rm -f -- \"$1\"", &[&remote]);
                return Err(err);
            }
        };
        if sent.sha256 != archive.sha256 {
            let _ = run_script(session, "cleaning up", "rm -f -- \"$1\"", &[&remote]);
            return Err(refuse(
                "install.archive_mismatch",
                format!("{name} is not the archive the release names."),
                format!(
                    "Its SHA-256 is {}, the release says {}. Get the release again.",
                    sent.sha256, archive.sha256
                ),
            ));
        }
        let loaded = run_script(
            session,
            "loading the images (docker load)",
            "docker load -i \"$1\" > /dev/null; s=$?; rm -f -- \"$1\"; exit $s",
            &[&remote],
        );
        loaded?;
    }
    // What no archive holds comes from the release's registry; a pull by digest is checked
    // by Docker itself, and every image by id below.
    for tag in missing
        .iter()
        .filter(|tag| !spec.archives.iter().any(|a| a.tags.contains(tag)))
    {
        check_cancel(cancel)?;
        let pulled = run_script(
            session,
            "pulling an image (docker pull)",
            "docker pull --quiet \"$1\" > /dev/null",
            &[tag],
        );
        match pulled {
            Err(RemoteError::RemoteFailed { detail, .. }) => {
                return Err(refuse(
                    "install.pull_failed",
                    format!("The server could not pull {tag}."),
                    format!(
                        "Docker said: {}\nCheck that the server reaches the registry (and, for a private one, that `docker login` was done on the server for this account), then run the install again.",
                        detail.trim()
                    ),
                ));
            }
            other => {
                other?;
            }
        }
    }
    for (image, id) in image_ids(session, spec)? {
        if id != image.id {
            return Err(refuse(
                "install.image_mismatch",
                format!("The image {} is not the one the release names.", image.tag),
                format!(
                    "The server has {}, the release says {}. Neither the release's archives nor its registry hold it; get the release again.",
                    if id.is_empty() { "none" } else { &id },
                    image.id
                ),
            ));
        }
    }
    Ok(missing)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn files(session: &Session, spec: &InstallSpec, cancel: &Cancel) -> Result<Vec<String>> {
    put_files(session, &spec.dir, &spec.files, cancel)
}

/// Writes each of `files` (paths relative to `dir`) whose contents differ from the
/// server's, each whole (`Session::write_file`); the paths written.
pub fn put_files(
    session: &Session,
    dir: &str,
    files: &[SpecFile],
    cancel: &Cancel,
) -> Result<Vec<String>> {
    let targets: Vec<(String, &SpecFile)> = files
        .iter()
        .map(|f| (format!("{dir}/{}", f.path), f))
        .collect();
    let paths: Vec<&str> = targets.iter().map(|(p, _)| p.as_str()).collect();
    let hashes = remote_hashes(session, &paths)?;
    let mut written = Vec::new();
    for ((path, file), have) in targets.iter().zip(hashes) {
        check_cancel(cancel)?;
        if have == sha256_hex(&file.contents) {
            continue;
        }
        if let Some(parent) = path.rsplit_once('/').map(|(d, _)| d) {
            run_script(session, "making a folder", "mkdir -p -- \"$1\"", &[parent])?;
        }
        let visibility = if file.secret {
            Visibility::Secret
        } else {
            Visibility::Normal
        };
        session.write_file(&file.contents, path, visibility, cancel)?;
        written.push(file.path.clone());
    }
    Ok(written)
}

/// The SHA-256 of each path on the server, empty for a missing file.
fn remote_hashes(session: &Session, paths: &[&str]) -> Result<Vec<String>> {
    let out = run_script(
        session,
        "comparing the stack's files",
        r#"for f in "$@"; do
  if [ -f "$f" ]; then h=$(sha256sum < "$f") || exit 1; echo "${h%% *}"; else echo -; fi
done"#,
        paths,
    )?;
    let hashes: Vec<String> = out
        .lines()
        .map(|l| {
            if l == "-" {
                String::new()
            } else {
                l.trim().to_string()
            }
        })
        .collect();
    if hashes.len() != paths.len() {
        return Err(RemoteError::Protocol {
            reason: "the server's file hashes did not come back one per file".into(),
        });
    }
    Ok(hashes)
}

pub(crate) fn switch(session: &Session, spec: &InstallSpec) -> Result<bool> {
    let out = run_script(
        session,
        "switching the current release",
        r#"cd "$1" || exit 1
[ "$(readlink current 2>/dev/null)" = "releases/$2" ] && { echo same; exit 0; }
ln -sfn "releases/$2" .current.new && mv -Tf .current.new current && echo switched"#,
        &[&spec.dir, &spec.version],
    )?;
    Ok(out.trim() == "switched")
}

/// One container of the project, as `docker ps` sees it (works whatever compose there is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    pub id: String,
    pub service: String,
    pub state: String,
    /// healthy, unhealthy, starting, or empty without a health check.
    pub health: String,
    pub release: String,
}

pub fn containers(session: &Session, project: &str) -> Result<Vec<ContainerState>> {
    let label = format!("label=com.docker.compose.project={project}");
    let out = run_script(
        session,
        "listing the stack's containers",
        r#"docker ps -a --filter "$1" --format '{{.ID}}	{{.Label "com.docker.compose.service"}}	{{.State}}	{{.Status}}	{{.Label "org.deskmate.release"}}'"#,
        &[&label],
    )?;
    Ok(out
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let (id, service, state, status, release) = (
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next().unwrap_or(""),
            );
            let health = if status.contains("(healthy)") {
                "healthy"
            } else if status.contains("(unhealthy)") {
                "unhealthy"
            } else if status.contains("health: starting") {
                "starting"
            } else {
                ""
            };
            Some(ContainerState {
                id: id.to_string(),
                service: service.to_string(),
                state: state.to_string(),
                health: health.to_string(),
                release: release.to_string(),
            })
        })
        .collect())
}

fn all_healthy(spec: &InstallSpec, list: &[ContainerState]) -> bool {
    spec.services.iter().all(|service| {
        list.iter().any(|c| {
            c.service == *service
                && c.state == "running"
                && c.health == "healthy"
                && c.release == spec.version
        })
    })
}

/// Brings the stack up again after its files changed outside an install (a restore's new
/// data volumes): compose recreates what changed; then every service and the proxy must be
/// healthy. Nothing is stopped on failure: the caller decides what to switch back to.
pub fn restart(
    session: &Session,
    spec: &InstallSpec,
    compose: &Compose,
    cancel: &Cancel,
) -> Result<()> {
    start_again(session, spec, compose, Start::Recreate, cancel)
}

/// Like [`restart`], but compose recreates only the services whose files changed (a
/// setting in an env file): the others keep running untouched.
pub fn apply(
    session: &Session,
    spec: &InstallSpec,
    compose: &Compose,
    cancel: &Cancel,
) -> Result<()> {
    start_again(session, spec, compose, Start::Apply, cancel)
}

fn start_again(
    session: &Session,
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
enum Start {
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
fn start_and_wait(
    session: &Session,
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
fn compose_outcome(session: &Session, spec: &InstallSpec) -> ComposeOutcome {
    let out = run_script(
        session,
        "reading compose's outcome",
        "s=$(cat \"$1/log/compose-up.status\" 2>/dev/null) || { echo running; exit 0; }; [ \"$s\" = 0 ] && { echo done; exit 0; }; echo failed; tail -n 8 \"$1/log/compose-up.log\"",
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
    session: &Session,
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

/// Leaves nothing running and no `current` after a first install that failed; volumes (the
/// data) are kept.
/// Stops the detached `compose up`, if it still runs, and waits (10 s at most) for it to go.
fn stop_compose_up(session: &Session, spec: &InstallSpec) {
    let _ = run_script(
        session,
        "stopping compose",
        r#"p=$(cat "$1/log/compose-up.pid" 2>/dev/null) || exit 0
pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.5; done"#,
        &[&spec.dir],
    );
}

fn stop_failed(session: &Session, spec: &InstallSpec, compose: &Compose) {
    // A compose still waiting in the background would start what `down` removes.
    stop_compose_up(session, spec);
    let line = format!(
        "cd \"$1/current\" && {} down --remove-orphans > /dev/null 2>&1 && cd \"$1\" && rm -f current",
        compose.shell()
    );
    let _ = run_script(session, "stopping the failed stack", &line, &[&spec.dir]);
}

/// `GET /api/health` through the proxy, from the server's own loopback.
/// Asks through the proxy until DeskMate answers, for up to 90 seconds: the proxy may still
/// be getting its certificate (an ACME order takes seconds, and one refused by the CA is
/// tried again 10 s later). The outer error is a cancel; the inner one the last answer.
fn wait_through_proxy(
    session: &Session,
    probe: &ProxyProbe,
    cancel: &Cancel,
) -> Result<std::result::Result<(), String>> {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut answer = through_proxy(session, probe);
    while answer.is_err() && Instant::now() < deadline {
        check_cancel(cancel)?;
        std::thread::sleep(Duration::from_secs(1));
        answer = through_proxy(session, probe);
    }
    Ok(answer)
}

pub fn through_proxy(session: &Session, probe: &ProxyProbe) -> std::result::Result<(), String> {
    let body =
        crate::backend::fetch_path(session, probe.port, "/api/health", &probe.host, probe.https)?;
    if body.status == "healthy" {
        Ok(())
    } else {
        Err(format!("the backend says it is {}", body.status))
    }
}

/// The boot unit, jail, logrotate and firewall, when this account is root or may sudo
/// without a password. `systemctl` and `ufw` are the server's own.
fn host(session: &Session, spec: &InstallSpec) -> Result<(bool, String)> {
    let staging = format!("{}/releases/{}/host", spec.dir, spec.version);
    let Some((prefix, changed)) =
        install_system_files(session, &staging, &spec.host_root, &spec.host_files)?
    else {
        return Ok((
            false,
            "skipped: this account is not root and may not use sudo, so DeskMate will not start by itself after a reboot, the watchdog runs only when the app asks, and the firewall is unchanged. Run the install as root (or with sudo rights) to add them.".into(),
        ));
    };
    let mut steps = vec![
        format!("{prefix}systemctl daemon-reload"),
        format!("{prefix}systemctl enable \"$1\""),
    ];
    let mut args = vec![spec.unit.as_str()];
    for (i, timer) in spec.timers.iter().enumerate() {
        steps.push(format!("{prefix}systemctl enable --now \"${}\"", i + 2));
        args.push(timer);
    }
    for rule in &spec.firewall {
        let quoted: Vec<String> = rule
            .iter()
            .map(|a| crate::quote::quote(a))
            .collect::<std::result::Result<_, _>>()?;
        steps.push(format!("{prefix}ufw {}", quoted.join(" ")));
    }
    let body = format!("set -e\n{}\n", steps.join(" > /dev/null\n"));
    run_script(
        session,
        "enabling the boot unit and the firewall",
        &body,
        &args,
    )?;
    let watchdog = if spec.timers.is_empty() {
        ""
    } else {
        "; the watchdog runs every five minutes"
    };
    Ok((
        changed,
        format!(
            "{} enabled{watchdog}; firewall on (SSH rate-limited, HTTP, HTTPS)",
            spec.unit
        ),
    ))
}

/// What the server's firewall (ufw, which the install turns on) says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Firewall {
    On,
    Off,
    /// The server has no `ufw`.
    Missing,
    /// This account may not ask (not root, no sudo without a password).
    Unknown,
}

/// Asks `ufw status`, as root when this account may be root; reads nothing else.
pub fn firewall(session: &Session) -> Result<Firewall> {
    let out = run_script(
        session,
        "reading the firewall",
        "if ! command -v ufw >/dev/null 2>&1; then echo missing; \
         elif [ \"$(id -u)\" = 0 ]; then ufw status; \
         elif sudo -n true 2>/dev/null; then sudo -n ufw status; \
         else echo unknown; fi",
        &[],
    )?;
    let first = out.lines().next().unwrap_or("").trim();
    Ok(match first {
        "missing" => Firewall::Missing,
        "unknown" => Firewall::Unknown,
        "Status: active" => Firewall::On,
        _ => Firewall::Off,
    })
}

/// How this account runs commands as root: `""` as root, `"sudo -n "` with passwordless
/// sudo, None otherwise.
pub fn root_prefix(session: &Session) -> Result<Option<&'static str>> {
    let who = run_script(
        session,
        "checking for root",
        "if [ \"$(id -u)\" = 0 ]; then echo root; elif sudo -n true 2>/dev/null; then echo sudo; else echo none; fi",
        &[],
    )?;
    Ok(match who.trim() {
        "root" => Some(""),
        "sudo" => Some("sudo -n "),
        _ => None,
    })
}

/// Puts system files (absolute paths, under `host_root` in tests) in place as root: each is
/// staged in `staging` first and installed only when it differs. None when this account
/// cannot act as root; else the root prefix and whether any file changed.
pub fn install_system_files(
    session: &Session,
    staging: &str,
    host_root: &str,
    files: &[SpecFile],
) -> Result<Option<(&'static str, bool)>> {
    let Some(prefix) = root_prefix(session)? else {
        return Ok(None);
    };
    let mut changed = false;
    for file in files {
        let staged = format!("{staging}{}", file.path);
        if let Some(parent) = staged.rsplit_once('/').map(|(d, _)| d) {
            run_script(session, "making a folder", "mkdir -p -- \"$1\"", &[parent])?;
        }
        session.write_file(&file.contents, &staged, Visibility::Normal, &Cancel::new())?;
        let out = run_script(
            session,
            "installing a system file",
            &format!(
                "cmp -s \"$1\" \"$2\" && echo same || {{ {prefix}install -D -m 0644 \"$1\" \"$2\" && echo installed; }}"
            ),
            &[&staged, &format!("{host_root}{}", file.path)],
        )?;
        changed |= out.trim() == "installed";
    }
    Ok(Some((prefix, changed)))
}

/// System timers put in place (see [`install_system_files`]), then enabled and started.
/// False when this account cannot act as root.
pub fn install_timers(
    session: &Session,
    staging: &str,
    host_root: &str,
    units: &[SpecFile],
    timers: &[&str],
) -> Result<bool> {
    let Some((prefix, _)) = install_system_files(session, staging, host_root, units)? else {
        return Ok(false);
    };
    run_script(
        session,
        "enabling the timers",
        &format!("{prefix}systemctl daemon-reload && {prefix}systemctl enable --now \"$@\""),
        timers,
    )?;
    Ok(true)
}

/// One line per step in `log/audit.log` on the server: when, who, what, and the outcome.
/// Never a secret: step details name files, not their contents.
fn audit(session: &Session, spec: &InstallSpec, report: &StepReport) {
    audit_step(session, spec, "install", report);
}

/// One line in `log/audit.log` for a step of an install or an update (`what`).
pub(crate) fn audit_step(session: &Session, spec: &InstallSpec, what: &str, report: &StepReport) {
    let line = format!(
        "{what} {} {} step={} changed={} {}",
        spec.environment,
        spec.version,
        report.id,
        report.changed,
        report.detail.replace('\n', " ")
    );
    let _ = run_script(
        session,
        "writing the audit log",
        "printf '%s %s %s\\n' \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\" \"$(id -un)\" \"$2\" >> \"$1/log/audit.log\"",
        &[&spec.dir, &line],
    );
}
