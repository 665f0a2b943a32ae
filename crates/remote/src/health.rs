//! `server health`: is DeskMate up, and is the server coping?
//!
//! One SSH session gathers the host's numbers, the containers and the backend's own
//! `/health`; the certificate is checked from this machine, in parallel, the way visitors
//! reach the site.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backend::{self, BackendHealth};
use crate::compose::{self, Container, Listing};
use crate::error::Result;
use crate::facts::{self, HostStats};
use crate::findings::{Finding, Level, overall};
use crate::ops::Remote;
use crate::tls::{self, CRITICAL_DAYS, Certificate, WARN_DAYS};

pub use crate::parts::containers::{ContainerState, containers};
pub use crate::parts::proxy::through_proxy;
pub use crate::parts::spec::ProxyProbe;

/// The services DeskMate's stack cannot work without.
pub const CORE_SERVICES: &[&str] = &["backend", "postgres", "qdrant"];
/// Disk use from which the report warns, and fails.
pub const DISK_WARN_PERCENT: f64 = 80.0;
pub const DISK_FAIL_PERCENT: f64 = 95.0;

#[derive(Debug, Clone)]
pub struct HealthOptions {
    pub stack_dir: String,
    pub domain: Option<String>,
    pub backend_port: u16,
    /// For a stack `server install` put there: the backend's health is read through the
    /// proxy (`/api/health`), as the backend publishes no port of its own.
    pub proxy: Option<ProxyProbe>,
    /// A root certificate to trust besides the system's (a private CA; tests).
    pub extra_root: Option<PathBuf>,
    pub tls_timeout: Duration,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HealthReport {
    pub overall: Level,
    pub elapsed_ms: u64,
    pub findings: Vec<Finding>,
    pub services: Vec<Container>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub backend: Option<BackendHealth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub certificate: Option<Certificate>,
    pub host: HostStats,
}

pub fn run(session: &dyn Remote, options: &HealthOptions) -> Result<HealthReport> {
    let start = Instant::now();
    let tls_result = std::thread::scope(|scope| -> Result<_> {
        let tls = options.domain.as_deref().map(|domain| {
            scope.spawn(move || {
                tls::check(domain, options.extra_root.as_deref(), options.tls_timeout)
            })
        });
        let facts = facts::gather(session, &options.stack_dir)?;
        let listing = compose::list(session, &options.stack_dir)?;
        let backend = match &options.proxy {
            Some(p) => backend::fetch_path(session, p.port, "/api/health", &p.host, p.https),
            None => backend::fetch(session, options.backend_port),
        };
        // Only a stack the app installed has its backups to look at.
        let last_backup = match &options.proxy {
            Some(_) => Some(last_verified_backup(session, &options.stack_dir)?),
            None => None,
        };
        let tls = tls.map(|t| {
            t.join()
                .unwrap_or_else(|_| Err("the certificate check crashed".into()))
        });
        Ok((facts, listing, backend, tls, last_backup))
    })?;
    let (facts, listing, backend, tls, last_backup) = tls_result;
    let host = HostStats::from_facts(&facts);

    let mut findings = services(&listing);
    let port = options
        .proxy
        .as_ref()
        .map_or(options.backend_port, |p| p.port);
    findings.extend(backend_findings(&backend, port));
    findings.push(certificate_finding(options.domain.as_deref(), &tls));
    findings.extend(host_findings(&host));
    if let Some(state) = last_backup {
        findings.extend(backup_findings(&state));
    }
    Ok(HealthReport {
        overall: overall(&findings),
        elapsed_ms: start.elapsed().as_millis() as u64,
        findings,
        services: match listing {
            Listing::Containers(c) => c,
            Listing::Failed(_) => Vec::new(),
        },
        backend: backend.ok(),
        certificate: tls.and_then(Result::ok),
        host,
    })
}

/// One finding per container, and one per core service that has none.
pub fn services(listing: &Listing) -> Vec<Finding> {
    let containers = match listing {
        Listing::Failed(why) => {
            return vec![Finding::new("services", Level::Fail, "Services", format!("Docker Compose could not list the stack: {why}"))
                .fix("if DeskMate is not deployed yet, deploy it; otherwise check that Docker is running (the readiness check shows it)")];
        }
        Listing::Containers(c) => c,
    };
    // One finding per container, each with its own id: a service may run twice (beside an
    // update, or left so by one that was cut off).
    let mut out: Vec<Finding> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for c in containers.iter() {
        let mut finding = container_finding(c);
        let before = seen.iter().filter(|s| **s == c.service).count();
        if before > 0 {
            finding.id = format!("{}.{}", finding.id, before + 1);
        }
        seen.push(&c.service);
        out.push(finding);
    }
    out.extend(two_versions(containers));
    for core in CORE_SERVICES {
        if !containers.iter().any(|c| c.service == *core) {
            out.push(
                Finding::new(format!("service.{core}"), Level::Fail, *core, "not created")
                    .fix("deploy DeskMate again to create it"),
            );
        }
    }
    out
}

/// Two different versions of one service running at once: requests go to either in turn.
/// Normal only while an update or a rollback runs; otherwise a change was cut off.
fn two_versions(containers: &[Container]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut services: Vec<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    services.sort_unstable();
    services.dedup();
    for service in services {
        let mut images: Vec<&str> = containers
            .iter()
            .filter(|c| c.service == service && c.state == "running" && !c.image.is_empty())
            .map(|c| c.image.as_str())
            .collect();
        images.sort_unstable();
        images.dedup();
        if images.len() > 1 {
            out.push(
                Finding::new(
                    format!("service.{service}.versions"),
                    Level::Warn,
                    service.to_string(),
                    format!(
                        "{} versions run at once ({}): requests go to either in turn",
                        images.len(),
                        images.join(", ")
                    ),
                )
                .fix("unless an update or a rollback is running now, a change was cut off: Home shows it and the way forward"),
            );
        }
    }
    out
}

fn container_finding(c: &Container) -> Finding {
    let id = format!("service.{}", c.service);
    let logs = format!(
        "see why with `docker compose logs {}` in the stack folder",
        c.service
    );
    let (level, detail, fix) = match (c.state.as_str(), c.health.as_str()) {
        ("running", "healthy") => (Level::Pass, "running, healthy".to_string(), None),
        ("running", "") => (Level::Pass, "running".to_string(), None),
        ("running", "starting") => (
            Level::Warn,
            "starting up".to_string(),
            Some("wait a minute and check again".to_string()),
        ),
        ("running", "unhealthy") => (
            Level::Fail,
            "running but failing its health check".to_string(),
            Some(logs),
        ),
        ("restarting", _) => (
            Level::Fail,
            format!("keeps restarting (last exit {})", c.exit_code),
            Some(logs),
        ),
        ("exited", _) | ("dead", _) => (
            Level::Fail,
            format!("stopped (exit {})", c.exit_code),
            Some(logs),
        ),
        ("paused", _) => (
            Level::Warn,
            "paused".to_string(),
            Some(format!(
                "resume it with `docker compose unpause {}`",
                c.service
            )),
        ),
        (state, _) => (Level::Warn, state.to_string(), Some(logs)),
    };
    let mut finding = Finding::new(id, level, c.service.clone(), detail);
    finding.fix = fix;
    finding
}

fn backend_findings(
    backend: &std::result::Result<BackendHealth, String>,
    port: u16,
) -> Vec<Finding> {
    let health = match backend {
        Err(why) => {
            return vec![
                Finding::new("backend.health", Level::Fail, "Backend health", why.clone()).fix(
                    format!("check that the backend runs and listens on the server's port {port}"),
                ),
            ];
        }
        Ok(h) => h,
    };
    let level = if health.status == "healthy" {
        Level::Pass
    } else {
        Level::Fail
    };
    let mut out = vec![Finding::new(
        "backend.health",
        level,
        "Backend health",
        format!("the backend says {}", health.status),
    )];
    for (name, service) in &health.services {
        let time = service
            .response_time_ms
            .map(|ms| format!(" in {ms:.0} ms"))
            .unwrap_or_default();
        if service.status == "healthy" {
            out.push(Finding::new(
                format!("backend.{name}"),
                Level::Pass,
                format!("Backend → {name}"),
                format!("answers{time}"),
            ));
        } else {
            let error = service
                .last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            out.push(Finding::new(format!("backend.{name}"), Level::Fail, format!("Backend → {name}"), format!("{}{time}{error}", service.status))
                .fix(format!("the backend cannot use {name}; see `docker compose logs {name}` in the stack folder")));
        }
    }
    out
}

fn certificate_finding(
    domain: Option<&str>,
    tls: &Option<std::result::Result<Certificate, String>>,
) -> Finding {
    let (Some(domain), Some(result)) = (domain, tls) else {
        return Finding::new(
            "tls",
            Level::Info,
            "HTTPS",
            "no domain is set for this server, so HTTPS was not checked",
        )
        .fix("set the domain in the server's profile to have the certificate watched");
    };
    match result {
        Err(why) => Finding::new("tls", Level::Fail, "HTTPS", format!("{domain}: {why}"))
            .fix("check that the domain points at the server and the web proxy runs; a certificate renewal may have failed"),
        Ok(cert) if cert.days_left < CRITICAL_DAYS => Finding::new("tls", Level::Fail, "HTTPS", format!("{domain}: the certificate expires in {} days", cert.days_left))
            .fix("renew the certificate now; visitors will soon see a security warning"),
        Ok(cert) if cert.days_left < WARN_DAYS => Finding::new("tls", Level::Warn, "HTTPS", format!("{domain}: the certificate expires in {} days", cert.days_left))
            .fix("automatic renewal usually happens 30 days ahead; check that it runs"),
        Ok(cert) => Finding::new("tls", Level::Pass, "HTTPS", format!("{domain}: certificate valid for {} more days", cert.days_left)),
    }
}

/// No verified backup for this long is a warning: a dead man's switch, which catches the
/// backups that stopped quietly (a daily backup, plus two hours of slack).
pub const BACKUP_MAX_AGE_HOURS: u64 = 26;

/// What the server's backup logs say, for the health report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct BackupState {
    /// How long ago (seconds, by the server's clock) the last backup passed its trial
    /// restore; None when none ever did.
    verified_age: Option<u64>,
    /// How long the last restore took, start to healthy (the recovery time to expect).
    last_restore_seconds: Option<u64>,
    /// The newest trial restore failed: (the backup's id, what it said).
    trial_failed: Option<(String, String)>,
    /// The weekly repository check's last outcome, when one ran: (passed, when, what it said).
    check: Option<(bool, String, String)>,
    /// The last offsite copy's outcome and what it said, when one is set up.
    offsite: Option<(bool, String)>,
}

fn last_verified_backup(session: &dyn Remote, dir: &str) -> Result<BackupState> {
    let out = session.capture(
        &crate::exec::script(
            r#"now=$(date -u +%s)
last=$(awk -F '\t' '$3 == "ok" { t = $1 } END { print t }' "$1/backups/verified.tsv" 2>/dev/null)
if [ -n "$last" ] && t=$(date -u -d "$last" +%s 2>/dev/null); then echo "$((now - t))"; else echo none; fi
tail -n 1 "$1/backups/recoveries.tsv" 2>/dev/null | cut -f 4 | grep . || echo none
if [ -s "$1/backups/verified.tsv" ]; then awk -F '\t' '$3 == "ok" || $3 == "failed" { l = $2 "\t" $3 "\t" $4 } END { print (l == "" ? "none" : l) }' "$1/backups/verified.tsv"; else echo none; fi
tail -n 1 "$1/backups/checks.tsv" 2>/dev/null | grep . || echo none
if [ -e "$1/shared/env/offsite/target" ]; then tail -n 1 "$1/backups/offsite.tsv" 2>/dev/null | cut -f 3,4 | grep . || echo none; fi"#,
            &[dir],
        )?,
        4096,
    )?;
    let text = out.stdout_text();
    let mut lines = text.lines();
    let mut number = || lines.next().and_then(|l| l.trim().parse().ok());
    let verified_age = number();
    let last_restore_seconds = number();
    let trial_failed = text.lines().nth(2).and_then(|l| {
        let mut fields = l.split('\t');
        let (id, outcome, said) = (fields.next()?, fields.next()?, fields.next().unwrap_or(""));
        (outcome == "failed").then(|| {
            (
                id.chars().take(8).collect(),
                said.chars().take(200).collect(),
            )
        })
    });
    let check = text.lines().nth(3).and_then(|l| {
        let mut fields = l.split('\t');
        let (when, outcome, said) = (fields.next()?, fields.next()?, fields.next().unwrap_or(""));
        Some((
            outcome == "ok",
            when.chars().take(20).collect(),
            said.chars().take(300).collect(),
        ))
    });
    let offsite = text.lines().nth(4).map(|l| match l.split_once('\t') {
        Some(("ok", copy)) => (true, copy.chars().take(80).collect()),
        Some((_, why)) => (false, why.chars().take(300).collect()),
        None => (false, "no backup has been copied offsite yet".to_string()),
    });
    Ok(BackupState {
        verified_age,
        last_restore_seconds,
        trial_failed,
        check,
        offsite,
    })
}

fn backup_findings(state: &BackupState) -> Vec<Finding> {
    let mut found = backup_finding(state.verified_age);
    if let Some(seconds) = state.last_restore_seconds {
        found.detail = format!(
            "{}; the last restore took {} min {} s (the recovery time to expect)",
            found.detail,
            seconds / 60,
            seconds % 60
        );
    }
    let mut findings = vec![found];
    if let Some((id, said)) = &state.trial_failed {
        findings.push(
            Finding::new(
                "backup.trial_failed",
                Level::Fail,
                "Last trial restore",
                format!("the last trial restore (backup {id}) failed: {said}"),
            )
            .fix("back up again (Backups); if that trial restore fails too, the backup repository on the server is damaged: delete nothing, and copy the stack's backups folder somewhere safe"),
        );
    }
    if let Some((passed, when, said)) = &state.check {
        let title = "Repository check";
        findings.push(if *passed {
            Finding::new("backup.check", Level::Pass, title, format!("{said} ({when})"))
        } else {
            Finding::new(
                "backup.check",
                Level::Fail,
                title,
                format!("the weekly check of the backup repository ({when}) found it damaged: {said}"),
            )
            .fix("delete nothing, and copy the stack's backups folder somewhere safe; then back up again (Backups) and see whether its trial restore passes")
        });
    }
    if let Some((ok, said)) = &state.offsite {
        findings.push(if *ok {
            Finding::new(
                "backup.offsite",
                Level::Pass,
                "Offsite copy",
                format!(
                    "the last verified backup is copied offsite (as {})",
                    said.get(..8).unwrap_or(said)
                ),
            )
        } else {
            Finding::new("backup.offsite", Level::Warn, "Offsite copy", said.clone())
                .fix("check the offsite machine and the server's key there, then back up again")
        });
    }
    findings
}

fn backup_finding(age_seconds: Option<u64>) -> Finding {
    let fix = "back up now, and schedule daily backups";
    match age_seconds {
        None => Finding::new(
            "backup.verified",
            Level::Warn,
            "Backups",
            "no backup has passed a trial restore yet",
        )
        .fix(fix),
        Some(age) => {
            let hours = age / 3600;
            let detail = if hours == 0 {
                format!("the last verified backup is {} minutes old", age / 60)
            } else {
                format!("the last verified backup is {hours} hours old")
            };
            if hours >= BACKUP_MAX_AGE_HOURS {
                Finding::new("backup.verified", Level::Warn, "Backups", detail).fix(fix)
            } else {
                Finding::new("backup.verified", Level::Pass, "Backups", detail)
            }
        }
    }
}

fn host_findings(host: &HostStats) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(load), Some(cpus)) = (host.load_5m, host.cpus) {
        let per_core = load / cpus.max(1) as f64;
        let detail = format!("{load:.2} over 5 minutes on {cpus} cores");
        out.push(if per_core >= 2.0 {
            Finding::new(
                "host.load",
                Level::Warn,
                "Load",
                format!("{detail}: the server is overloaded"),
            )
            .fix("see what is busy with `top`; a bigger plan may be needed")
        } else {
            Finding::new("host.load", Level::Pass, "Load", detail)
        });
    }
    if let (Some(available), Some(total)) = (host.mem_available_kib, host.mem_total_kib) {
        let percent = available as f64 * 100.0 / total.max(1) as f64;
        let detail = format!(
            "{:.0} MiB available ({percent:.0}%)",
            available as f64 / 1024.0
        );
        out.push(if percent < 5.0 {
            Finding::new(
                "host.memory",
                Level::Fail,
                "Memory",
                format!("{detail}: the server is about to run out"),
            )
            .fix("restart the stack, add a swap file, or move to a plan with more memory")
        } else if percent < 10.0 {
            Finding::new(
                "host.memory",
                Level::Warn,
                "Memory",
                format!("{detail}: running low"),
            )
            .fix("add a swap file or move to a plan with more memory")
        } else {
            Finding::new("host.memory", Level::Pass, "Memory", detail)
        });
    }
    if let Some(used) = host.disk_used_percent {
        let at = host.disk_path.as_deref().unwrap_or("the stack folder");
        let detail = format!("{used:.0}% used at {at}");
        out.push(if used >= DISK_FAIL_PERCENT {
            Finding::new("host.disk", Level::Fail, "Disk", format!("{detail}: nearly full; the database may stop"))
                .fix("free space now: `docker system prune` removes unused images; move old backups off the server")
        } else if used >= DISK_WARN_PERCENT {
            Finding::new("host.disk", Level::Warn, "Disk", format!("{detail}: filling up"))
                .fix("free some space (`docker system prune`) or grow the disk")
        } else {
            Finding::new("host.disk", Level::Pass, "Disk", detail)
        });
    }
    out
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
