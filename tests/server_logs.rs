//! `server logs` against an installed test-bed stack (real sshd, engine, PostgreSQL and
//! Caddy): lines from every service with stderr kept apart, an error that happened several
//! times as one pattern, the proxy's request figures, the space logs take, and `--follow`.

mod support;

use std::time::{Duration, Instant};

use deskmate_api::servers::{LogFilter, LogLevel, LogQuery};
use deskmate_api::{Cancel, Environment};
use support::stack::{http, installed};

#[test]
fn logs_read_parse_group_errors_count_requests_and_follow() {
    let it = installed(2);
    for _ in 0..5 {
        http(it.port, "GET", "/api/health", "");
    }
    // The same fault three times, each with its own numbers and name, in PostgreSQL's log.
    let postgres = it.project.containers("postgres");
    for n in [7, 42, 1234] {
        let _ = std::process::Command::new("docker")
            .args([
                "exec",
                &postgres[0],
                "psql",
                "-U",
                "deskmate",
                "-d",
                "deskmate",
                "-c",
            ])
            .arg(format!("SELECT * FROM missing_{n} WHERE id = {n}"))
            .output()
            .unwrap();
    }
    let filter = LogFilter {
        query: LogQuery {
            since: Some("1h".into()),
            ..LogQuery::default()
        },
        ..LogFilter::default()
    };
    let report = it
        .servers
        .logs_report(
            "home",
            Environment::Production,
            &filter,
            60.0,
            &Cancel::new(),
        )
        .unwrap();
    let services: std::collections::BTreeSet<&str> =
        report.lines.iter().map(|l| l.service.as_str()).collect();
    for s in ["backend", "postgres", "proxy", "qdrant"] {
        assert!(services.contains(s), "{s} missing: {services:?}");
    }
    assert!(
        report.lines.windows(2).all(|w| w[0].time <= w[1].time),
        "in time order"
    );
    // PostgreSQL writes its log to stderr: kept apart as such.
    assert!(
        report.lines.iter().any(
            |l| l.service == "postgres" && l.stream == deskmate_api::servers::LogStream::Stderr
        )
    );
    let group = report
        .errors
        .iter()
        .find(|g| g.pattern.contains("relation") && g.pattern.contains("does not exist"))
        .unwrap_or_else(|| {
            panic!(
                "{:#?}",
                report.errors.iter().map(|g| &g.pattern).collect::<Vec<_>>()
            )
        });
    assert_eq!(group.count, 3, "{group:?}");
    assert!(
        group.pattern.contains("relation <str> does not exist"),
        "{}",
        group.pattern
    );
    assert!(group.example.message.contains("missing_7"), "{group:?}");
    assert_eq!(group.services.iter().collect::<Vec<_>>(), ["postgres"]);
    let health = report
        .requests
        .iter()
        .find(|r| r.route == "/api/health")
        .unwrap_or_else(|| panic!("{:?}", report.requests));
    assert!(health.requests >= 5, "{health:?}");
    assert!(
        health.p95_ms >= health.p50_ms && health.p50_ms > 0.0,
        "{health:?}"
    );
    assert!(
        report
            .space
            .iter()
            .any(|(s, bytes)| s == "proxy" && *bytes > 0),
        "{:?}",
        report.space
    );

    // Errors only, from one service.
    let errors = LogFilter {
        query: LogQuery {
            services: vec!["postgres".into()],
            since: Some("1h".into()),
            ..LogQuery::default()
        },
        level: Some(LogLevel::Error),
        grep: Some("MISSING_42".into()),
    };
    let only = it
        .servers
        .logs_report(
            "home",
            Environment::Production,
            &errors,
            60.0,
            &Cancel::new(),
        )
        .unwrap();
    assert!(!only.lines.is_empty());
    assert!(
        only.lines
            .iter()
            .all(|l| l.service == "postgres" && l.level == LogLevel::Error)
    );

    // Follow: a request made now arrives as a line; a cancel ends the stream.
    let follow = LogFilter {
        query: LogQuery {
            services: vec!["proxy".into()],
            tail: Some(0),
            follow: true,
            ..LogQuery::default()
        },
        grep: Some("/api/memories".into()),
        ..LogFilter::default()
    };
    let cancel = Cancel::new();
    let started = Instant::now();
    let mut first = None;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_secs(2));
            http(it.port, "GET", "/api/memories", "");
            std::thread::sleep(Duration::from_secs(20));
            cancel.cancel();
        });
        let _ = it.servers.logs_follow(
            "home",
            Environment::Production,
            &follow,
            &mut |line| {
                if first.is_none() {
                    first = Some((started.elapsed(), line));
                    cancel.cancel();
                }
            },
            &cancel,
        );
    });
    let (after, line) = first.expect("the request's line arrived while following");
    assert!(line.message.contains("GET /api/memories 200"), "{line:?}");
    eprintln!("followed line after {after:?} (the request was made at 2 s)");
}
