//! `server check`: can this server run DeskMate? Each finding says what was seen and, when
//! something is wrong, what to do.

use serde::Serialize;

use crate::compose::{self, Listing};
use crate::error::Result;
use crate::facts::{self, Facts, HostStats};
use crate::findings::{Finding, Level, overall};
use crate::ops::Remote;

pub use crate::parts::host::{Firewall, firewall};

const GIB_KIB: u64 = 1 << 20;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Preflight {
    pub overall: Level,
    pub findings: Vec<Finding>,
    pub facts: Facts,
}

pub fn run(session: &dyn Remote, stack_dir: &str) -> Result<Preflight> {
    let facts = facts::gather(session, stack_dir)?;
    // Which ports our own stack publishes, so a port it holds is not "taken".
    let ours = match facts.get("docker.access") {
        Some("direct") if facts.get("stack.exists").is_some() => {
            match compose::list(session, stack_dir)? {
                Listing::Containers(containers) => containers
                    .iter()
                    .filter(|c| c.state == "running")
                    .flat_map(|c| c.publishers.iter().map(|p| p.published_port))
                    .collect(),
                Listing::Failed(_) => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    let findings = findings(&facts, stack_dir, &ours);
    Ok(Preflight {
        overall: overall(&findings),
        findings,
        facts,
    })
}

/// The findings for a set of facts (pure, so each rule is tested without a server).
pub fn findings(facts: &Facts, stack_dir: &str, our_ports: &[u16]) -> Vec<Finding> {
    let host = HostStats::from_facts(facts);
    let mut out = vec![
        system(facts),
        cpu(&host),
        memory(&host),
        disk(&host, stack_dir),
    ];
    out.extend(docker(facts));
    out.push(compose(facts));
    out.push(restic(facts));
    for port in [80, 443] {
        out.push(port_finding(port, facts, our_ports));
    }
    out
}

fn system(facts: &Facts) -> Finding {
    let name = facts.get("os.PRETTY_NAME").unwrap_or("an unknown system");
    let arch = facts.get("arch").unwrap_or("an unknown processor");
    let detail = format!("{name} on {arch}");
    let known_arch = matches!(arch, "x86_64" | "aarch64" | "arm64");
    let known_os = matches!(facts.get("os.ID"), Some("debian" | "ubuntu"));
    if !known_arch {
        Finding::new(
            "system",
            Level::Fail,
            "System",
            format!("{detail}: DeskMate's images are built for x86-64 and 64-bit ARM only"),
        )
        .fix("use a server with an x86-64 or 64-bit ARM processor")
    } else if !known_os {
        Finding::new(
            "system",
            Level::Warn,
            "System",
            format!("{detail}: DeskMate is tested on Debian and Ubuntu"),
        )
        .fix("it may well work; if something fails, a Debian or Ubuntu server is the sure choice")
    } else {
        Finding::new("system", Level::Pass, "System", detail)
    }
}

fn cpu(host: &HostStats) -> Finding {
    match host.cpus {
        Some(n) if n >= 2 => Finding::new("cpu", Level::Pass, "Processors", format!("{n} cores")),
        Some(n) => Finding::new(
            "cpu",
            Level::Warn,
            "Processors",
            format!("{n} core: the companion will answer slowly"),
        )
        .fix("a plan with 2 or more cores makes replies quicker"),
        None => Finding::new(
            "cpu",
            Level::Info,
            "Processors",
            "could not count the cores",
        ),
    }
}

fn memory(host: &HostStats) -> Finding {
    let Some(total) = host.mem_total_kib else {
        return Finding::new(
            "memory",
            Level::Info,
            "Memory",
            "could not read the memory size",
        );
    };
    let gib = total as f64 / GIB_KIB as f64;
    let detail = format!("{gib:.1} GiB");
    if total >= 2 * GIB_KIB - 128 * 1024 {
        Finding::new("memory", Level::Pass, "Memory", detail)
    } else if total >= GIB_KIB - 128 * 1024 {
        Finding::new(
            "memory",
            Level::Warn,
            "Memory",
            format!("{detail}: tight for the database, vector store and backend together"),
        )
        .fix("2 GiB or more is recommended; a swap file helps meanwhile")
    } else {
        Finding::new(
            "memory",
            Level::Fail,
            "Memory",
            format!("{detail}: too little to run DeskMate"),
        )
        .fix("choose a server with at least 2 GiB of memory")
    }
}

fn disk(host: &HostStats, stack_dir: &str) -> Finding {
    let Some(free) = host.disk_available_kib else {
        return Finding::new("disk", Level::Info, "Disk", "could not read the free space");
    };
    let at = host.disk_path.as_deref().unwrap_or(stack_dir);
    let detail = format!("{:.1} GiB free at {at}", free as f64 / GIB_KIB as f64);
    if free >= 10 * GIB_KIB {
        Finding::new("disk", Level::Pass, "Disk", detail)
    } else if free >= 5 * GIB_KIB {
        Finding::new(
            "disk",
            Level::Warn,
            "Disk",
            format!("{detail}: enough to start, not for long"),
        )
        .fix("free some space or grow the disk; images, the database and backups need about 10 GiB")
    } else {
        Finding::new(
            "disk",
            Level::Fail,
            "Disk",
            format!("{detail}: not enough for DeskMate's images and data"),
        )
        .fix("free at least 10 GiB (`docker system prune` removes unused images) or grow the disk")
    }
}

fn docker(facts: &Facts) -> Vec<Finding> {
    let Some(client) = facts.get("docker.client") else {
        return vec![
            Finding::new("docker", Level::Fail, "Docker", "Docker is not installed").fix(
                "install Docker Engine (https://docs.docker.com/engine/install/), then check again",
            ),
        ];
    };
    let user = facts.get("user").unwrap_or("this user");
    let mut out = vec![Finding::new(
        "docker",
        Level::Pass,
        "Docker",
        format!("Docker {client}"),
    )];
    let major: u32 = client
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        out[0] = Finding::new(
            "docker",
            Level::Warn,
            "Docker",
            format!("Docker {client} is old"),
        )
        .fix("update Docker Engine to a current release");
    }
    out.push(match facts.get("docker.access") {
        Some("direct") => Finding::new("docker.access", Level::Pass, "Docker access", format!("{user} can run Docker")),
        Some("sudo") => Finding::new("docker.access", Level::Warn, "Docker access", format!("{user} can run Docker only through sudo"))
            .fix(format!("add the user to the docker group: `sudo usermod -aG docker {user}`, then sign in again")),
        _ => {
            let error = facts.get("docker.error").unwrap_or("");
            if error.contains("Is the docker daemon running") {
                Finding::new("docker.access", Level::Fail, "Docker access", "Docker is installed but not running")
                    .fix("start it and make it start at boot: `sudo systemctl enable --now docker`")
            } else {
                Finding::new("docker.access", Level::Fail, "Docker access", format!("{user} may not use Docker"))
                    .fix(format!("add the user to the docker group: `sudo usermod -aG docker {user}`, then sign in again"))
            }
        }
    });
    out
}

fn compose(facts: &Facts) -> Finding {
    match (facts.get("compose.v2"), facts.get("compose.v1")) {
        (Some(v2), _) => Finding::new("compose", Level::Pass, "Compose", format!("Docker Compose {v2} (plugin)")),
        (None, Some(v1)) => Finding::new("compose", Level::Warn, "Compose", format!("only the old docker-compose {v1} is installed"))
            .fix("install the Compose plugin (`sudo apt install docker-compose-plugin`); version 1 no longer gets fixes"),
        (None, None) => Finding::new("compose", Level::Fail, "Compose", "Docker Compose is not installed")
            .fix("install the Compose plugin: `sudo apt install docker-compose-plugin`"),
    }
}

/// restic makes the backups. Missing, it is only information: the install puts it there
/// (Debian, Ubuntu) and DeskMate runs without it, unbacked-up.
fn restic(facts: &Facts) -> Finding {
    match facts.get("restic") {
        Some(version) => Finding::new("restic", Level::Pass, "restic", format!("restic {version}, which makes the backups")),
        None => Finding::new("restic", Level::Info, "restic", "restic, which makes the backups, is not installed")
            .fix("installing DeskMate puts it there on Debian and Ubuntu (as root or with passwordless sudo); elsewhere install the restic package"),
    }
}

fn port_finding(port: u16, facts: &Facts, ours: &[u16]) -> Finding {
    let id = format!("port.{port}");
    let title = format!("Port {port}");
    if !facts.listening.contains(&port) {
        Finding::new(id, Level::Pass, title, "free")
    } else if ours.contains(&port) {
        Finding::new(id, Level::Pass, title, "held by DeskMate's own web proxy")
    } else {
        Finding::new(id, Level::Fail, title, format!("another program already uses port {port}, which DeskMate's web proxy needs"))
            .fix(format!("find it with `sudo ss -ltnp 'sport = :{port}'`, then stop and disable it (often `sudo systemctl disable --now apache2` or `nginx`)"))
    }
}
