//! The home page of one server: "is my companion all right?" at a glance, and the go-live
//! checklist that stays beside it until every point is green.
//!
//! [`Servers::home`] gathers what is known (the app's install record, a live health check,
//! the watchdog's state, the backups, the publications, the firewall, where the domain
//! points, who holds the deploy lock); [`summarise`] turns those facts into the page, with no I/O, so every wording
//! and every rule is tested without a server.

use std::net::IpAddr;

use deskmate_library::Install;
use deskmate_remote::backup::Backup;
use deskmate_remote::preflight::Firewall;
use deskmate_remote::publish::Publication;
use deskmate_remote::watch::{WatchCheck, WatchLevel};
use deskmate_remote::{Finding, Level};
use deskmate_stack::Environment;
use serde::Serialize;

use super::install::stack_dir;
use super::lock::HeldLock;
use super::{Servers, now, remote_error};
use crate::error::{ApiError, library_error};
use crate::known_releases::{KnownRelease, compare_versions};

mod domain;
mod lock;
pub(super) mod time;
use domain::domain_points;
#[cfg(test)]
use time::parse_rfc3339;
use time::{age_hours, short_time};

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
    /// Who holds the deploy lock, if anyone: no change can start until it is let go.
    pub lock: Option<HeldLock>,
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
    /// The deploy lock's holder (None when free or not read).
    pub lock: Option<HeldLock>,
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
                lock: None,
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
        let firewall = deskmate_remote::preflight::firewall(&session)
            .map_err(|e| remote_error(e, name).message);
        // A lock that cannot be read is not shown: the change it guards says so when refused.
        let lock =
            deskmate_remote::ops::lock::holder(&session, &stack_dir(&profile.stack_dir, env))
                .ok()
                .flatten()
                .map(|h| HeldLock::of(h, env));
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
            lock,
            now: now(),
        }))
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
        lock: facts.lock.clone(),
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
    // Before any other warning: while it is held, no update, publish or settings change can
    // start, whatever else is well.
    if let Some(held) = &facts.lock {
        return lock::status(held);
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

#[cfg(test)]
mod tests;
