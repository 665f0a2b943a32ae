//! The home page of one server: "is my companion all right?" at a glance, and the go-live
//! checklist that stays beside it until every point is green.
//!
//! [`Servers::home`] gathers what is known (the app's install record, a live health check,
//! the watchdog's state, the backups, the publications, the firewall, where the domain
//! points); [`summarise`] turns those facts into the page, with no I/O, so every wording
//! and every rule is tested without a server.

use std::net::{IpAddr, ToSocketAddrs};

use deskmate_library::Install;
use deskmate_remote::backup::Backup;
use deskmate_remote::install::Firewall;
use deskmate_remote::publish::Publication;
use deskmate_remote::watch::{WatchCheck, WatchLevel};
use deskmate_remote::{Finding, Level};
use deskmate_stack::Environment;
use serde::Serialize;

use super::{Servers, now, remote_error};
use crate::error::{ApiError, library_error};
use crate::known_releases::{KnownRelease, compare_versions};

/// How the companion is, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HomeLevel {
    Healthy,
    Warning,
    Down,
    /// DeskMate is not installed there yet (by this app).
    NotInstalled,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HomeStatus {
    pub level: HomeLevel,
    /// Why, in plain words.
    pub reason: String,
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HomeBackup {
    /// When it was taken (RFC 3339).
    pub time: String,
    /// Its age in hours.
    #[ts(type = "number")]
    pub age_hours: u64,
    /// Whether a copy of it is offsite.
    pub offsite: bool,
}

/// A watchdog check that is not well.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HomeAlert {
    pub check: String,
    pub level: WatchLevel,
    pub message: String,
    pub fix: String,
}

/// Where an item is handled in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HomeLink {
    Install,
    Backups,
    Releases,
    Watch,
    Rooms,
    Personas,
    /// The owner's guide (the domain's settings are at their registrar).
    Guide,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ChecklistItem {
    /// Stable: `domain`, `https`, `firewall`, `backup`, `alerts`, `answers`.
    pub id: &'static str,
    pub title: &'static str,
    pub done: bool,
    /// What was found, or what is missing, in plain words.
    pub detail: String,
    pub link: HomeLink,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Home {
    pub server: String,
    pub status: HomeStatus,
    /// Where visitors reach the companion, once installed.
    pub address: Option<String>,
    /// The release running, and a newer one this computer knows of.
    pub release: Option<String>,
    pub update: Option<KnownRelease>,
    pub last_verified_backup: Option<HomeBackup>,
    pub alerts: Vec<HomeAlert>,
    /// Where alert e-mails go; None when nobody is told.
    pub alert_email: Option<String>,
    /// The names last published: the backend's active room and persona.
    pub room: Option<String>,
    pub persona: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    /// Whether every point of the checklist is green.
    pub live: bool,
}

/// Where the public name leads, compared with the server's own address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainPoints {
    NoDomain,
    Here,
    Elsewhere {
        domain: Vec<IpAddr>,
        server: Vec<IpAddr>,
    },
    Unresolved(String),
}

/// What the watchdog's last round said, and whom it e-mails.
pub struct WatchFacts {
    pub checks: Vec<WatchCheck>,
    pub email: Option<String>,
}

/// Everything [`summarise`] reads. A part that could not be read says why.
pub struct HomeFacts {
    pub server: String,
    /// The server's address as the owner signs in to it: where visitors go without a domain.
    pub host: String,
    pub domain: Option<String>,
    pub install: Option<Install>,
    /// The findings of a live health check.
    pub health: Result<Vec<Finding>, String>,
    pub watch: Result<WatchFacts, String>,
    pub backups: Result<Vec<Backup>, String>,
    pub publications: Vec<Publication>,
    pub firewall: Result<Firewall, String>,
    pub domain_points: DomainPoints,
    pub known: Vec<KnownRelease>,
    /// Unix seconds.
    pub now: i64,
}

impl Servers {
    /// The home page of `name` (production). Parts that cannot be read are shown as such;
    /// only a server that cannot be reached at all is an error.
    pub fn home(&self, name: &str, known: Vec<KnownRelease>) -> Result<Home, ApiError> {
        let profile = self.profile(name)?.server;
        let install = self
            .library
            .lock()
            .install(name, "production")
            .map_err(library_error)?;
        let domain = profile.domain.clone();
        let domain_points = match &domain {
            Some(domain) => domain_points(domain, &profile.host),
            None => DomainPoints::NoDomain,
        };
        if install.is_none() {
            return Ok(summarise(HomeFacts {
                server: name.to_string(),
                host: profile.host.clone(),
                domain,
                install,
                health: Err("not installed".into()),
                watch: Err("not installed".into()),
                backups: Ok(Vec::new()),
                publications: Vec::new(),
                firewall: Err("not installed".into()),
                domain_points,
                known,
                now: now(),
            }));
        }
        // A server that cannot be reached is an error of its own (the page says so with its
        // hint); the other reads are made only once one has gone through.
        let health = match self.health(name) {
            Ok(outcome) => Ok(outcome.report.findings),
            Err(err) if err.code.starts_with("ssh.") => return Err(err),
            Err(err) => Err(err.message),
        };
        let env = Environment::Production;
        let message = |e: ApiError| e.message;
        let (_, session) = self.open_session(name)?;
        let firewall =
            deskmate_remote::install::firewall(&session).map_err(|e| remote_error(e, name).message);
        Ok(summarise(HomeFacts {
            server: name.to_string(),
            host: profile.host.clone(),
            domain,
            install,
            health,
            watch: self
                .watch_status(name, env, false)
                .map(|w| WatchFacts {
                    checks: w.checks,
                    email: w.email,
                })
                .map_err(message),
            backups: self.backup_list(name, env).map_err(message),
            publications: self.publications(name, env).unwrap_or_default(),
            firewall,
            domain_points,
            known,
            now: now(),
        }))
    }
}

/// Resolves `domain` and the server's `host` on this computer (as a visitor's would).
fn domain_points(domain: &str, host: &str) -> DomainPoints {
    let resolve = |name: &str| -> Result<Vec<IpAddr>, String> {
        let mut addrs: Vec<IpAddr> = (name, 443)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .map(|a| a.ip())
            .collect();
        addrs.sort();
        addrs.dedup();
        Ok(addrs)
    };
    match (resolve(domain), resolve(host)) {
        (Err(why), _) => DomainPoints::Unresolved(why),
        (Ok(domain), Ok(server)) if domain.iter().any(|a| server.contains(a)) => DomainPoints::Here,
        (Ok(domain), server) => DomainPoints::Elsewhere {
            domain,
            server: server.unwrap_or_default(),
        },
    }
}

/// The home page from its facts. Pure: no clock, no network.
pub fn summarise(facts: HomeFacts) -> Home {
    let address = facts.install.as_ref().map(|i| {
        let scheme = if i.proxy_https { "https" } else { "http" };
        let default = if i.proxy_https { 443 } else { 80 };
        // The proxy answers to `localhost` when it was given no domain; visitors then come
        // by the server's own address.
        let host = match i.proxy_host.as_str() {
            "localhost" if facts.host.contains(':') => format!("[{}]", facts.host),
            "localhost" => facts.host.clone(),
            name => name.to_string(),
        };
        match i.proxy_port == default {
            true => format!("{scheme}://{host}"),
            false => format!("{scheme}://{host}:{}", i.proxy_port),
        }
    });
    let release = facts.install.as_ref().map(|i| i.version.clone());
    let update = release.as_ref().and_then(|running| {
        facts
            .known
            .iter()
            .filter(|k| compare_versions(&k.version, running).is_gt())
            .max_by(|a, b| compare_versions(&a.version, &b.version))
            .cloned()
    });
    let backups = facts.backups.as_deref().unwrap_or_default();
    // Newest first, as `backup_list` gives them.
    let verified = backups.iter().find(|b| b.verified == Some(true));
    let last_verified_backup = verified.map(|b| HomeBackup {
        time: b.time.clone(),
        age_hours: age_hours(&b.time, facts.now),
        offsite: b.offsite_copy.is_some(),
    });
    let (alerts, alert_email) = match &facts.watch {
        Ok(w) => (
            w.checks
                .iter()
                .filter(|c| c.level != WatchLevel::Ok)
                .map(|c| HomeAlert {
                    check: c.id.clone(),
                    level: c.level,
                    message: c.message.clone(),
                    fix: c.fix.clone(),
                })
                .collect(),
            w.email.clone(),
        ),
        Err(_) => (Vec::new(), None),
    };
    let latest = |kind: &str| {
        facts
            .publications
            .iter()
            .rev()
            .find(|p| p.kind == kind)
            .map(|p| p.name.clone())
    };
    let status = status(&facts, &alerts);
    let checklist = checklist(&facts, verified);
    Home {
        server: facts.server.clone(),
        live: checklist.iter().all(|c| c.done),
        status,
        address,
        release,
        update,
        last_verified_backup,
        alerts,
        alert_email,
        room: latest("room"),
        persona: latest("persona"),
        checklist,
    }
}

fn status(facts: &HomeFacts, alerts: &[HomeAlert]) -> HomeStatus {
    if facts.install.is_none() {
        return HomeStatus {
            level: HomeLevel::NotInstalled,
            reason: "DeskMate is not installed on this server yet.".into(),
            fix: Some("Start the first-run guide, or use Install on the Servers page.".into()),
        };
    }
    let findings = match &facts.health {
        Ok(findings) => findings,
        Err(why) => {
            return HomeStatus {
                level: HomeLevel::Down,
                reason: format!("Its health could not be read: {why}"),
                fix: Some("Open Watch to see the last checks and the logs.".into()),
            };
        }
    };
    let worst = |level: Level| findings.iter().find(|f| f.level == level);
    if let Some(f) = worst(Level::Fail) {
        return HomeStatus {
            level: HomeLevel::Down,
            reason: format!("{}: {}", f.title, f.detail),
            fix: f.fix.clone(),
        };
    }
    if let Some(a) = alerts.iter().find(|a| a.level == WatchLevel::Fail) {
        return HomeStatus {
            level: HomeLevel::Down,
            reason: sentence(&a.message),
            fix: Some(a.fix.clone()).filter(|f| !f.is_empty()),
        };
    }
    if let Some(f) = worst(Level::Warn) {
        return HomeStatus {
            level: HomeLevel::Warning,
            reason: format!("{}: {}", f.title, f.detail),
            fix: f.fix.clone(),
        };
    }
    if let Some(a) = alerts.first() {
        return HomeStatus {
            level: HomeLevel::Warning,
            reason: sentence(&a.message),
            fix: Some(a.fix.clone()).filter(|f| !f.is_empty()),
        };
    }
    HomeStatus {
        level: HomeLevel::Healthy,
        reason: "Every service is running and the companion answers.".into(),
        fix: None,
    }
}

fn checklist(facts: &HomeFacts, verified: Option<&Backup>) -> Vec<ChecklistItem> {
    let item = |id, title, done, detail: String, link| ChecklistItem {
        id,
        title,
        done,
        detail,
        link,
    };
    let finding = |id: &str| {
        facts
            .health
            .as_ref()
            .ok()
            .and_then(|findings| findings.iter().find(|f| f.id == id))
    };
    let domain = match (&facts.domain, &facts.domain_points) {
        (None, _) | (_, DomainPoints::NoDomain) => item(
            "domain",
            "Your address points at the server",
            false,
            "No domain yet: visitors use the server's address and a port, without HTTPS.".into(),
            HomeLink::Guide,
        ),
        (Some(d), DomainPoints::Here) => item(
            "domain",
            "Your address points at the server",
            true,
            format!("{d} leads to this server."),
            HomeLink::Guide,
        ),
        (Some(d), DomainPoints::Elsewhere { domain, server }) => item(
            "domain",
            "Your address points at the server",
            false,
            format!(
                "{d} leads to {}, but the server is {}. Change the domain's A record at your registrar.",
                list(domain),
                list(server)
            ),
            HomeLink::Guide,
        ),
        (Some(d), DomainPoints::Unresolved(why)) => item(
            "domain",
            "Your address points at the server",
            false,
            format!("{d} does not lead anywhere yet ({why}). Add an A record at your registrar."),
            HomeLink::Guide,
        ),
    };
    let https = match (facts.install.as_ref(), finding("tls")) {
        (Some(i), _) if !i.proxy_https => item(
            "https",
            "HTTPS works",
            false,
            "The companion runs without HTTPS for now (no domain was given at install).".into(),
            HomeLink::Install,
        ),
        (_, Some(f)) => item(
            "https",
            "HTTPS works",
            f.level == Level::Pass,
            f.detail.clone(),
            HomeLink::Watch,
        ),
        _ => item(
            "https",
            "HTTPS works",
            false,
            "Not known yet: the certificate could not be checked.".into(),
            HomeLink::Watch,
        ),
    };
    let firewall = match &facts.firewall {
        Ok(Firewall::On) => item(
            "firewall",
            "The firewall is on",
            true,
            "Only SSH, HTTP and HTTPS are let in.".into(),
            HomeLink::Install,
        ),
        Ok(Firewall::Off) => item(
            "firewall",
            "The firewall is on",
            false,
            "The firewall (ufw) is off. Installing again as root turns it on.".into(),
            HomeLink::Install,
        ),
        Ok(Firewall::Missing) => item(
            "firewall",
            "The firewall is on",
            false,
            "The server has no firewall program (ufw). Install it (apt-get install ufw), then install DeskMate again.".into(),
            HomeLink::Install,
        ),
        Ok(Firewall::Unknown) => item(
            "firewall",
            "The firewall is on",
            false,
            "This account may not read the firewall; sign in as root (or an account with sudo) to check and turn it on.".into(),
            HomeLink::Install,
        ),
        Err(why) => item(
            "firewall",
            "The firewall is on",
            false,
            format!("Not known: {why}"),
            HomeLink::Install,
        ),
    };
    let backup = match verified {
        Some(b) if b.offsite_copy.is_some() => item(
            "backup",
            "A checked backup, with a copy elsewhere",
            true,
            format!(
                "The backup of {} was restored in a trial and has an offsite copy.",
                short_time(&b.time)
            ),
            HomeLink::Backups,
        ),
        Some(b) => item(
            "backup",
            "A checked backup, with a copy elsewhere",
            false,
            format!(
                "The backup of {} is checked, but it is only on the server: if the server is lost, so is the backup. Add an offsite copy.",
                short_time(&b.time)
            ),
            HomeLink::Backups,
        ),
        None => item(
            "backup",
            "A checked backup, with a copy elsewhere",
            false,
            match &facts.backups {
                Err(why) => format!("The backups could not be read: {why}"),
                Ok(list) if list.is_empty() => "No backup yet.".into(),
                Ok(_) => "No backup has passed a trial restore yet.".into(),
            },
            HomeLink::Backups,
        ),
    };
    let alerts = match &facts.watch {
        Ok(w) => match &w.email {
            Some(email) => item(
                "alerts",
                "Alerts reach you",
                true,
                format!("Problems are e-mailed to {email}."),
                HomeLink::Watch,
            ),
            None => item(
                "alerts",
                "Alerts reach you",
                false,
                "Nobody is e-mailed when something goes wrong; the app shows problems only while it is open.".into(),
                HomeLink::Watch,
            ),
        },
        Err(why) => item(
            "alerts",
            "Alerts reach you",
            false,
            format!("The watchdog could not be read: {why}"),
            HomeLink::Watch,
        ),
    };
    let answers = match (&facts.health, finding("backend.health")) {
        (Ok(_), Some(f)) => item(
            "answers",
            "Your companion answers",
            f.level == Level::Pass,
            f.detail.clone(),
            HomeLink::Watch,
        ),
        (Err(why), _) => item(
            "answers",
            "Your companion answers",
            false,
            format!("Not known: {why}"),
            HomeLink::Watch,
        ),
        _ => item(
            "answers",
            "Your companion answers",
            false,
            "The backend's health was not part of the last check.".into(),
            HomeLink::Watch,
        ),
    };
    vec![domain, https, firewall, backup, alerts, answers]
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

fn list(addrs: &[IpAddr]) -> String {
    match addrs {
        [] => "nowhere".into(),
        _ => addrs
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `2026-12-03T07:10:00.123+00:00` as `2026-12-03 07:10 UTC`, to the minute; the offset
/// kept when it is not UTC. Anything else is shown as it came.
fn short_time(time: &str) -> String {
    let Some((date, rest)) = time.split_once('T') else {
        return time.to_string();
    };
    let clock: String = rest.chars().take(5).collect();
    let offset = rest
        .find(['Z', '+', '-'])
        .map(|at| &rest[at..])
        .unwrap_or("");
    let zone = match offset {
        "" | "Z" | "+00:00" => "UTC",
        other => other,
    };
    format!("{date} {clock} {zone}")
}

/// Hours from an RFC 3339 time (restic's, with fractions and an offset) to `now`.
fn age_hours(time: &str, now: i64) -> u64 {
    parse_rfc3339(time)
        .map(|t| (now - t).max(0) as u64 / 3600)
        .unwrap_or(0)
}

/// `2026-12-03T07:10:00.123456789+00:00` or `…Z` to Unix seconds; None when it is not one.
fn parse_rfc3339(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let clock: String = rest.chars().take(8).collect();
    let mut c = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (c.next()??, c.next()??, c.next()??);
    let tail = &rest[8.min(rest.len())..];
    let tail = tail.trim_start_matches(|ch: char| ch == '.' || ch.is_ascii_digit());
    let offset = match tail {
        "" | "Z" => 0,
        _ => {
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            let mut o = tail[1..].split(':').map(|p| p.parse::<i64>().ok());
            sign * (o.next()?? * 3600 + o.next().flatten().unwrap_or(0) * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + min * 60 + s - offset)
}

#[cfg(test)]
mod tests;
