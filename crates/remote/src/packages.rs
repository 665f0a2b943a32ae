//! Putting what DeskMate needs on a server that lacks it, from the distribution's own
//! packages: Docker and Compose (to run the stack) and restic (for its backups).
//!
//! Only where it can be done safely and the same way every time: a Debian or Ubuntu server
//! (apt), signed in as root or as an account that may use `sudo` without a password. Then
//! the install's plan starts with these steps, so the owner agrees to them with the rest.
//! Anywhere else a missing Docker stops the install and says what to ask for (see
//! `facts::compose_of`); a missing restic only stops backups, which say so.
//!
//! The packages are the distribution's: `docker.io`, Compose v2 (`docker-compose-v2`,
//! Ubuntu) where the distribution has it, else its `docker-compose`, and `restic` (0.14 on
//! Debian 12, which the backup scripts are written for). No third-party repository and no
//! `curl | sh`.

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::facts::Facts;
use crate::ops::Remote;
use crate::ops::{PlannedStep, StepReport};

/// Distributions whose own packages this step uses.
const APT_DISTRIBUTIONS: &[&str] = &["debian", "ubuntu", "raspbian"];

/// Where apt may be used: the distribution's name and the account, when it is a Debian or
/// Ubuntu server and the account is root or has passwordless sudo.
fn apt_access(facts: &Facts) -> Option<(String, &str)> {
    let os = facts.get("os.ID")?.trim_matches('"').to_ascii_lowercase();
    if !APT_DISTRIBUTIONS.contains(&os.as_str()) {
        return None;
    }
    let user = facts.get("user")?;
    if user != "root" && facts.get("sudo").is_none() {
        return None;
    }
    let name = facts
        .get("os.PRETTY_NAME")
        .map(|n| n.trim_matches('"').to_string())
        .unwrap_or(os);
    Some((name, user))
}

/// The plan's first step, when Docker is missing and this step can put it there.
pub fn planned(facts: &Facts) -> Option<PlannedStep> {
    if facts.get("docker.client").is_some() {
        return None;
    }
    let (name, user) = apt_access(facts)?;
    let root = user == "root";
    let access = if root {
        String::new()
    } else {
        format!(", and let {user} use it (the docker group, which can do anything root can)")
    };
    Some(PlannedStep {
        id: "docker",
        title: format!(
            "Install Docker and Compose from {name}'s own packages (apt-get install docker.io and docker-compose), start Docker now and at boot{access}"
        ),
    })
}

/// Installs and starts Docker; the compose package it chose, in the report. The caller
/// signs in again afterwards, since a new group only applies to a new login.
pub fn run(session: &dyn Remote, step: &PlannedStep, cancel: &Cancel) -> Result<StepReport> {
    if cancel.is_cancelled() {
        return Err(RemoteError::Cancelled);
    }
    let out = session.capture(&script(&format!("{APT}{DOCKER}"), &[])?, 1 << 20)?;
    if !out.exit.success() {
        return Err(RemoteError::Refused {
            code: "install.docker_setup_failed",
            message: "Docker could not be installed on this server.".into(),
            detail: format!(
                "apt-get said:\n{}\nNothing else was changed. Fix what it names (often: another apt is running, or the disk is full) and run the install again.",
                out.stderr_tail()
            ),
        });
    }
    let compose = out.stdout_text().trim().to_string();
    Ok(StepReport {
        id: "docker",
        title: step.title.clone(),
        changed: true,
        detail: format!("installed docker.io and {compose}; Docker is running and starts at boot"),
    })
}

/// The step that puts restic there, when it is missing and apt may be used.
pub fn planned_restic(facts: &Facts) -> Option<PlannedStep> {
    if facts.get("restic").is_some() {
        return None;
    }
    let (name, _) = apt_access(facts)?;
    Some(PlannedStep {
        id: "restic",
        title: format!(
            "Install restic, which makes the backups, from {name}'s own packages (apt-get install restic)"
        ),
    })
}

/// Installs restic; its version, in the report.
pub fn run_restic(session: &dyn Remote, step: &PlannedStep, cancel: &Cancel) -> Result<StepReport> {
    if cancel.is_cancelled() {
        return Err(RemoteError::Cancelled);
    }
    let out = session.capture(&script(&format!("{APT}{RESTIC}"), &[])?, 1 << 20)?;
    if !out.exit.success() {
        return Err(RemoteError::Refused {
            code: "install.restic_setup_failed",
            message: "restic could not be installed on this server.".into(),
            detail: format!(
                "apt-get said:\n{}\nDocker and the stack were not touched by this. Fix what it names and run the install again.",
                out.stderr_tail()
            ),
        });
    }
    Ok(StepReport {
        id: "restic",
        title: step.title.clone(),
        changed: true,
        detail: format!("installed restic {}", out.stdout_text().trim()),
    })
}

/// As root, or through `sudo -n` (which never asks for a password: it fails instead). The
/// apt output goes to a temporary log, whose end is shown when something fails.
const APT: &str = r#"
if [ "$(id -u)" = 0 ]; then as_root=; else as_root="sudo -n"; fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { tail -n 20 "$log" >&2; exit 1; }
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q > "$log" 2>&1 || fail
"#;

const RESTIC: &str = r#"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends restic >> "$log" 2>&1 || fail
restic version | cut -d ' ' -f 2
"#;

const DOCKER: &str = r#"
if apt-cache show docker-compose-v2 > /dev/null 2>&1; then
  compose=docker-compose-v2
else
  compose=docker-compose
fi
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io "$compose" >> "$log" 2>&1 || fail
$as_root systemctl enable --now docker >> "$log" 2>&1 || fail
if [ "$(id -u)" != 0 ]; then
  $as_root usermod -aG docker "$(id -un)" >> "$log" 2>&1 || fail
fi
echo "$compose"
"#;
