//! Preflight and health against a real sshd, a real HTTP `/health`, a real TLS server, and
//! the docker stand-in.

mod support;

use std::fs;
use std::net::TcpListener;
use std::time::Duration;

use deskmate_remote::compose::{self, Listing};
use deskmate_remote::{HealthOptions, Level, Session, health, preflight};
use deskmate_test_server::{HealthEndpoint, TestServer, TlsEndpoint, fixture};
use support::session;

fn level(findings: &[deskmate_remote::Finding], id: &str) -> Level {
    findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id} in {findings:#?}"))
        .level
}

fn detail<'a>(findings: &'a [deskmate_remote::Finding], id: &str) -> &'a str {
    &findings.iter().find(|f| f.id == id).unwrap().detail
}

/// A deployed-looking stack folder, and the stand-in answering for it.
fn stack(server: &TestServer, compose_fixture: &str) -> String {
    let dir = server.home().join("stack");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("compose.yaml"), "services: {}\n").unwrap();
    server.set_docker("compose-version", "2.29.7\n");
    server.set_docker(
        "compose-ps",
        &fs::read_to_string(fixture(compose_fixture)).unwrap(),
    );
    dir.to_str().unwrap().to_string()
}

fn options(stack_dir: &str, backend: &HealthEndpoint, tls: Option<&TlsEndpoint>) -> HealthOptions {
    HealthOptions {
        stack_dir: stack_dir.to_string(),
        domain: tls.map(|t| format!("localhost:{}", t.port)),
        backend_port: backend.port,
        extra_root: tls.map(TlsEndpoint::ca_file),
        tls_timeout: Duration::from_secs(5),
    }
}

fn check(session: &Session, stack_dir: &str) -> Vec<deskmate_remote::Finding> {
    preflight::run(session, stack_dir).unwrap().findings
}

#[test]
fn preflight_reports_the_host_docker_compose_and_ports() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    server.set_docker("compose-version", "2.29.7\n");
    let report = preflight::run(&session, "/opt/deskmate").unwrap();
    let f = &report.findings;
    assert!(
        detail(f, "system").contains("Debian"),
        "{}",
        detail(f, "system")
    );
    assert_eq!(level(f, "docker"), Level::Pass);
    assert_eq!(detail(f, "docker"), "Docker 27.3.1");
    assert_eq!(level(f, "docker.access"), Level::Pass);
    assert_eq!(level(f, "compose"), Level::Pass);
    assert!(detail(f, "compose").contains("2.29.7"));
    assert!(
        detail(f, "disk").contains("free at /"),
        "the nearest existing folder: {}",
        detail(f, "disk")
    );
    assert_eq!(
        report.facts.number("cpus"),
        Some(std::thread::available_parallelism().unwrap().get() as u64)
    );

    server.set_docker("engine-down", "");
    fs::remove_file(server.docker_state().join("compose-version")).unwrap();
    let f = check(&session, "/opt/deskmate");
    assert_eq!(level(&f, "docker.access"), Level::Fail);
    assert_eq!(
        detail(&f, "docker.access"),
        "Docker is installed but not running"
    );
    assert!(
        f.iter()
            .find(|x| x.id == "docker.access")
            .unwrap()
            .fix
            .as_ref()
            .unwrap()
            .contains("systemctl")
    );
    assert_eq!(level(&f, "compose"), Level::Fail);

    fs::remove_file(server.docker_state().join("engine-down")).unwrap();
    server.set_docker("permission-denied", "");
    let f = check(&session, "/opt/deskmate");
    assert_eq!(
        detail(&f, "docker.access"),
        "deskmate-test may not use Docker"
    );
    assert!(
        f.iter()
            .find(|x| x.id == "docker.access")
            .unwrap()
            .fix
            .as_ref()
            .unwrap()
            .contains("usermod -aG docker deskmate-test")
    );
}

#[test]
fn a_port_held_by_another_program_fails_and_one_held_by_our_proxy_passes() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let Ok(_web) = TcpListener::bind("0.0.0.0:443") else {
        panic!("port 443 is taken on this machine; the test needs it free");
    };
    let f = check(&session, "/opt/deskmate");
    assert_eq!(level(&f, "port.443"), Level::Fail);
    assert_eq!(level(&f, "port.80"), Level::Pass);

    let stack_dir = stack(&server, "compose-ps-healthy.json");
    let f = check(&session, &stack_dir);
    assert_eq!(level(&f, "port.443"), Level::Pass);
    assert_eq!(detail(&f, "port.443"), "held by DeskMate's own web proxy");
}

#[test]
fn a_healthy_stack_reports_every_part_healthy() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let stack_dir = stack(&server, "compose-ps-healthy.json");
    let backend = HealthEndpoint::start(
        200,
        &fs::read_to_string(fixture("health-healthy.json")).unwrap(),
    );
    let tls = TlsEndpoint::start(90);

    let report = health::run(&session, &options(&stack_dir, &backend, Some(&tls))).unwrap();
    let f = &report.findings;
    for id in [
        "service.backend",
        "service.postgres",
        "service.qdrant",
        "service.nginx",
        "backend.health",
        "backend.postgres",
        "backend.qdrant",
        "tls",
    ] {
        assert_eq!(level(f, id), Level::Pass, "{id}: {}", detail(f, id));
    }
    assert_eq!(report.services.len(), 5);
    assert_eq!(
        report.backend.as_ref().unwrap().services["postgres"].response_time_ms,
        Some(3.42)
    );
    let days = report.certificate.as_ref().unwrap().days_left;
    assert!((88..=90).contains(&days), "{days}");
    assert!(report.host.mem_available_kib.is_some() && report.host.load_1m.is_some());
    assert!(report.host.disk_used_percent.is_some());
    assert_eq!(backend.requests(), vec!["GET /health HTTP/1.1"]);
    // Only the host's own numbers may lower the result on a busy test machine.
    let worst_outside_host = f
        .iter()
        .filter(|x| !x.id.starts_with("host."))
        .map(|x| x.level)
        .max();
    assert_eq!(worst_outside_host, Some(Level::Pass));
}

#[test]
fn trouble_in_the_stack_fails_the_report_and_says_why() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let stack_dir = stack(&server, "compose-ps-trouble.jsonl");
    let backend = HealthEndpoint::start(
        200,
        &fs::read_to_string(fixture("health-degraded.json")).unwrap(),
    );
    let tls = TlsEndpoint::start(20);

    let report = health::run(&session, &options(&stack_dir, &backend, Some(&tls))).unwrap();
    let f = &report.findings;
    assert_eq!(report.overall, Level::Fail);
    assert_eq!(level(f, "service.backend"), Level::Fail);
    assert_eq!(level(f, "service.frontend"), Level::Warn);
    assert_eq!(level(f, "service.postgres"), Level::Fail);
    assert_eq!(detail(f, "service.postgres"), "stopped (exit 1)");
    assert_eq!(
        detail(f, "service.qdrant"),
        "keeps restarting (last exit 137)"
    );
    assert_eq!(level(f, "backend.health"), Level::Fail);
    assert!(detail(f, "backend.postgres").contains("connection refused"));
    assert_eq!(level(f, "tls"), Level::Warn);

    let critical = TlsEndpoint::start(10);
    let report = health::run(&session, &options(&stack_dir, &backend, Some(&critical))).unwrap();
    assert_eq!(level(&report.findings, "tls"), Level::Fail);
    assert!(detail(&report.findings, "tls").contains("expires in"));
}

#[test]
fn unreachable_parts_are_failures_not_errors() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    server.set_docker("compose-version", "2.29.7\n");
    let backend = HealthEndpoint::start(200, "{}");
    let tls = TlsEndpoint::start(90);
    let mut opts = options("/opt/deskmate-not-here", &backend, Some(&tls));
    opts.backend_port = 1;
    // Not trusted: a self-signed certificate is what a visitor would be warned about.
    opts.extra_root = None;
    let report = health::run(&session, &opts).unwrap();
    let f = &report.findings;
    assert_eq!(level(f, "services"), Level::Fail);
    assert_eq!(level(f, "backend.health"), Level::Fail);
    assert!(
        detail(f, "backend.health").contains("port 1"),
        "{}",
        detail(f, "backend.health")
    );
    assert_eq!(level(f, "tls"), Level::Fail);
    assert!(
        detail(f, "tls").contains("not valid"),
        "{}",
        detail(f, "tls")
    );
}

#[test]
fn both_compose_output_forms_read_the_same() {
    let array =
        compose::parse(&fs::read_to_string(fixture("compose-ps-healthy.json")).unwrap()).unwrap();
    let lines: String = array.iter().map(|c| {
        serde_json::json!({"Service": c.service, "Name": c.name, "State": c.state, "Health": c.health,
            "Status": c.status, "ExitCode": c.exit_code, "Publishers": null}).to_string() + "\n"
    }).collect();
    let from_lines = compose::parse(&lines).unwrap();
    assert_eq!(from_lines.len(), 5);
    for (a, b) in array.iter().zip(&from_lines) {
        assert_eq!(
            (&a.service, &a.state, &a.health),
            (&b.service, &b.state, &b.health)
        );
    }
    assert_eq!(compose::parse("").unwrap(), vec![]);
    assert_eq!(compose::parse("[]").unwrap(), vec![]);
    assert!(compose::parse("{not json").is_err());
    assert!(matches!(
        health::services(&Listing::Containers(vec![]))
            .iter()
            .filter(|f| f.level == Level::Fail)
            .count(),
        3
    ));
}
