use std::net::IpAddr;
use std::path::PathBuf;

use super::*;

const NOW: i64 = 1_796_288_400; // 2026-12-03T09:00:00Z

fn install(https: bool) -> Install {
    Install {
        environment: "production".into(),
        version: "1.0.0".into(),
        source: "the test bed".into(),
        installed_at: NOW - 3600,
        proxy_port: if https { 443 } else { 8080 },
        proxy_https: https,
        proxy_host: if https {
            "companion.example.org".into()
        } else {
            // What an install with no domain records: the name the proxy answers to.
            "localhost".into()
        },
    }
}

fn backup(time: &str, verified: Option<bool>, offsite: bool) -> Backup {
    Backup {
        id: format!("id-{time}"),
        short_id: "abcd1234".into(),
        time: time.into(),
        release: Some("1.0.0".into()),
        size: Some(1000),
        added: Some(1000),
        seconds: Some(3),
        verified,
        verified_at: verified.map(|_| time.into()),
        verify_detail: None,
        offsite_copy: offsite.then(|| "copy".into()),
        original: None,
        kept: None,
    }
}

fn healthy() -> Vec<Finding> {
    vec![
        Finding::new(
            "service.backend",
            Level::Pass,
            "backend",
            "running, healthy",
        ),
        Finding::new(
            "backend.health",
            Level::Pass,
            "Backend health",
            "healthy in 12 ms",
        ),
        Finding::new(
            "tls",
            Level::Pass,
            "HTTPS",
            "companion.example.org: certificate valid for 80 more days",
        ),
    ]
}

/// A server that has everything: the checklist is all green.
fn everything() -> HomeFacts {
    HomeFacts {
        server: "home".into(),
        host: "203.0.113.5".into(),
        domain: Some("companion.example.org".into()),
        install: Some(install(true)),
        health: Ok(healthy()),
        watch: Ok(WatchFacts {
            checks: Vec::new(),
            email: Some("owner@example.org".into()),
        }),
        backups: Ok(vec![
            backup("2026-12-03T02:00:00.5+00:00", Some(true), true),
            backup("2026-12-02T02:00:00Z", Some(true), true),
        ]),
        publications: vec![
            publication("room", "Cozy study"),
            publication("persona", "Aria"),
            publication("room", "Night office"),
        ],
        firewall: Ok(Firewall::On),
        domain_points: DomainPoints::Here,
        known: Vec::new(),
        lock: None,
        now: NOW,
    }
}

fn publication(kind: &str, name: &str) -> Publication {
    Publication {
        time: "2026-12-03T08:00:00Z".into(),
        kind: kind.into(),
        name: name.into(),
        version: 1,
        action: "publish".into(),
        holder: "owner@laptop".into(),
    }
}

fn known(version: &str) -> KnownRelease {
    KnownRelease {
        version: version.into(),
        source: "test".into(),
        path: PathBuf::from(format!("/r/{version}.json")),
    }
}

fn item<'a>(home: &'a Home, id: &str) -> &'a ChecklistItem {
    home.checklist.iter().find(|c| c.id == id).unwrap()
}

#[test]
fn a_server_with_everything_is_healthy_and_live() {
    let home = summarise(everything());
    assert_eq!(home.status.level, HomeLevel::Healthy, "{:?}", home.status);
    assert!(home.live, "{:#?}", home.checklist);
    assert_eq!(
        home.address.as_deref(),
        Some("https://companion.example.org")
    );
    assert_eq!(home.release.as_deref(), Some("1.0.0"));
    let last = home.last_verified_backup.unwrap();
    assert_eq!(
        last.time, "2026-12-03T02:00:00.5+00:00",
        "the newest verified one"
    );
    assert_eq!(last.age_hours, 7);
    assert_eq!(
        home.room.as_deref(),
        Some("Night office"),
        "the latest room published"
    );
    assert_eq!(home.persona.as_deref(), Some("Aria"));
    let ids: Vec<_> = home.checklist.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        ["domain", "https", "firewall", "backup", "alerts", "answers"]
    );
}

#[test]
fn no_domain_yet_leaves_the_address_and_https_points_open_and_says_why() {
    let mut facts = everything();
    facts.domain = None;
    facts.domain_points = DomainPoints::NoDomain;
    facts.install = Some(install(false));
    let home = summarise(facts);
    assert_eq!(home.address.as_deref(), Some("http://203.0.113.5:8080"));
    assert!(!home.live);
    assert!(!item(&home, "domain").done);
    assert!(item(&home, "domain").detail.starts_with("No domain yet"));
    assert!(!item(&home, "https").done);
    assert!(item(&home, "https").detail.contains("without HTTPS"));
    assert_eq!(
        home.status.level,
        HomeLevel::Healthy,
        "no domain is not a problem of health"
    );
}

#[test]
fn a_domain_that_leads_elsewhere_names_both_addresses() {
    let mut facts = everything();
    facts.domain_points = DomainPoints::Elsewhere {
        domain: vec!["198.51.100.7".parse::<IpAddr>().unwrap()],
        server: vec!["203.0.113.5".parse().unwrap()],
    };
    let home = summarise(facts);
    let domain = item(&home, "domain");
    assert!(!domain.done);
    assert!(
        domain.detail.contains("198.51.100.7") && domain.detail.contains("203.0.113.5"),
        "{}",
        domain.detail
    );
}

#[test]
fn a_backup_only_on_the_server_is_not_enough() {
    let mut facts = everything();
    facts.backups = Ok(vec![
        backup("2026-12-03T02:00:00Z", Some(true), false),
        backup("2026-12-02T02:00:00Z", None, false),
    ]);
    let home = summarise(facts);
    let backup = item(&home, "backup");
    assert!(!backup.done);
    assert!(
        backup.detail.contains("only on the server"),
        "{}",
        backup.detail
    );
    assert!(
        backup
            .detail
            .contains("The backup of 2026-12-03 02:00 UTC is checked"),
        "the time as an owner reads it: {}",
        backup.detail
    );
    assert!(!home.last_verified_backup.unwrap().offsite);

    let mut facts = everything();
    facts.backups = Ok(vec![backup_unverified()]);
    let home = summarise(facts);
    assert!(
        home.last_verified_backup.is_none(),
        "an unverified backup is not shown as the last verified one"
    );
    assert_eq!(
        item(&home, "backup").detail,
        "No backup has passed a trial restore yet."
    );
}

fn backup_unverified() -> Backup {
    backup("2026-12-03T02:00:00Z", Some(false), true)
}

#[test]
fn a_failing_finding_is_down_with_its_reason_and_fix() {
    let mut facts = everything();
    let mut findings = healthy();
    findings[1] = Finding::new(
        "backend.health",
        Level::Fail,
        "Backend health",
        "no answer on /health",
    )
    .fix("Look at the backend's logs.");
    facts.health = Ok(findings);
    let home = summarise(facts);
    assert_eq!(home.status.level, HomeLevel::Down);
    assert_eq!(home.status.reason, "Backend health: no answer on /health");
    assert_eq!(
        home.status.fix.as_deref(),
        Some("Look at the backend's logs.")
    );
    assert!(!item(&home, "answers").done);
}

#[test]
fn an_open_watchdog_warning_is_a_warning_and_an_alert() {
    let mut facts = everything();
    facts.watch = Ok(WatchFacts {
        checks: vec![WatchCheck {
            id: "disk".into(),
            level: WatchLevel::Warn,
            since: 0,
            message: "the disk is 91% full (2G free)".into(),
            fix: "Run maintenance.".into(),
        }],
        email: None,
    });
    let home = summarise(facts);
    assert_eq!(home.status.level, HomeLevel::Warning);
    assert_eq!(home.status.reason, "The disk is 91% full (2G free).");
    assert_eq!(home.alerts.len(), 1);
    assert!(!item(&home, "alerts").done, "nobody is e-mailed");
}

fn held(gone_from_here: bool) -> HeldLock {
    HeldLock {
        holder: deskmate_remote::ops::lock::Holder {
            who: "alice@laptop".into(),
            action: "rollback 1.0.0".into(),
            seconds: 14,
            host: "laptop".into(),
            pid: 4242,
            taken: 0,
        },
        description: "alice@laptop, for rollback 1.0.0, since 14 s ago".into(),
        gone_from_here,
        environment: "production",
    }
}

/// Closing the app 14 s into a rollback left the lock behind while everything served: Home
/// must not say "Healthy" then, since every change is refused until the lock is cleared.
#[test]
fn a_held_lock_is_a_warning_with_who_since_and_what_even_when_all_is_well() {
    let mut facts = everything();
    facts.lock = Some(held(true));
    let home = summarise(facts);
    assert_eq!(home.status.level, HomeLevel::Warning, "{:?}", home.status);
    let reason = &home.status.reason;
    assert!(
        reason.contains("alice@laptop, for rollback 1.0.0, since 14 s ago"),
        "{reason}"
    );
    assert!(
        reason.contains("no longer running on this computer"),
        "{reason}"
    );
    assert!(
        home.status
            .fix
            .as_deref()
            .unwrap()
            .contains("clear the lock"),
        "{:?}",
        home.status.fix
    );
    assert_eq!(home.lock, Some(held(true)), "the page gets the holder");
    assert!(home.live, "the checklist is not about the lock");

    let mut facts = everything();
    facts.lock = Some(held(false));
    let home = summarise(facts);
    assert!(!home.status.reason.contains("no longer running"));

    // A server that is down stays down: that is the more urgent news.
    let mut facts = everything();
    facts.lock = Some(held(false));
    facts.health = Ok(vec![Finding::new(
        "service.backend",
        Level::Fail,
        "backend",
        "exited",
    )]);
    let home = summarise(facts);
    assert_eq!(home.status.level, HomeLevel::Down);
    assert!(home.lock.is_some(), "the lock is still shown beside it");

    assert_eq!(summarise(everything()).lock, None);
}

#[test]
fn a_newer_known_release_is_offered_and_an_older_one_is_not() {
    let mut facts = everything();
    facts.known = vec![known("0.9.0"), known("1.2.0-rc1"), known("1.1.0")];
    let home = summarise(facts);
    assert_eq!(home.update.unwrap().version, "1.2.0-rc1");
    let mut facts = everything();
    facts.known = vec![known("1.0.0"), known("0.9.0")];
    assert!(summarise(facts).update.is_none());
}

#[test]
fn a_firewall_that_cannot_be_read_is_not_green() {
    for (firewall, words) in [
        (Ok(Firewall::Off), "off"),
        (Ok(Firewall::Missing), "no firewall program"),
        (Ok(Firewall::Unknown), "may not read"),
        (
            Err("the connection dropped".to_string()),
            "the connection dropped",
        ),
    ] {
        let mut facts = everything();
        facts.firewall = firewall;
        let home = summarise(facts);
        let item = item(&home, "firewall");
        assert!(!item.done);
        assert!(item.detail.contains(words), "{}", item.detail);
    }
}

#[test]
fn not_installed_says_so_and_offers_the_guide() {
    let mut facts = everything();
    facts.install = None;
    facts.health = Err("not installed".into());
    let home = summarise(facts);
    assert_eq!(home.status.level, HomeLevel::NotInstalled);
    assert!(home.status.fix.unwrap().contains("first-run guide"));
    assert!(home.address.is_none() && home.release.is_none());
}

#[test]
fn restic_times_parse_with_fractions_and_offsets() {
    assert_eq!(parse_rfc3339("2026-12-03T09:00:00Z"), Some(NOW));
    assert_eq!(
        parse_rfc3339("2026-12-03T10:00:00.123456789+01:00"),
        Some(NOW)
    );
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_rfc3339("yesterday"), None);
    assert_eq!(parse_rfc3339("2026-12-03T09"), None);
}

#[test]
fn times_are_shown_to_the_minute_with_their_zone() {
    assert_eq!(
        super::short_time("2026-12-03T10:37:36.681181833Z"),
        "2026-12-03 10:37 UTC"
    );
    assert_eq!(
        super::short_time("2026-12-03T10:37:36+02:00"),
        "2026-12-03 10:37 +02:00"
    );
    assert_eq!(super::short_time("yesterday"), "yesterday");
}
