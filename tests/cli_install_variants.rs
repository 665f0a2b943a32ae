//! `deskmate server install` end to end, its other ways to install: automatic HTTPS from an
//! ACME server, nginx with certbot, images pulled from the release's registry, a server with
//! only Compose v2, and a staging environment beside production. The real binary, a real
//! sshd, the real Docker engine and the test bed's releases, as in `cli_install`; each test
//! has its own server, stack folder, compose project and ports, and removes them when it ends.

mod support;

use std::path::Path;

use deskmate_test_server::docker::{Project, docker, release};
use deskmate_test_server::{TestServer, free_port};
use support::install::{add, cli, get, inspect, install};

#[test]
fn automatic_https_gets_a_real_certificate_from_an_acme_server() {
    let server = TestServer::start();
    let pebble = deskmate_test_server::Pebble::start();
    let data = tempfile::tempdir().unwrap();
    let _project = Project::of(&server.stack_dir());
    let (http_port, https_port) = (free_port(), free_port());
    add(data.path(), &server, server.user());
    let release = release("good-1");
    let directory = pebble.directory_for_containers();
    let ca_root = pebble.tls_ca_file();
    let (http, https) = (http_port.to_string(), https_port.to_string());
    let run = cli(
        data.path(),
        &[
            "install",
            "home",
            "--release",
            release.to_str().unwrap(),
            "--domain",
            "companion.example.org",
            "--email",
            "owner@example.org",
            "--acme-ca",
            &directory,
            "--acme-ca-root",
            ca_root.to_str().unwrap(),
            "--http-port",
            &http,
            "--https-port",
            &https,
            "--yes",
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["address"],
        format!("https://companion.example.org:{https_port}")
    );
    // The proxy serves the certificate pebble issued, for the domain.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{https_port} -servername companion.example.org < /dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName"
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Pebble"), "not pebble's certificate: {text}");
    assert!(text.contains("DNS:companion.example.org"), "{text}");
}

#[test]
fn a_server_with_only_compose_v2_installs_and_reruns_with_docker_compose() {
    let server = TestServer::start();
    server.use_compose_v2();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let http_port = free_port();
    add(data.path(), &server, server.user());

    let first = install(data.path(), "good-1", http_port, &["--yes"]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    // Compose v2 brought it up: its own words, not v1's "Creating … done".
    let said = std::fs::read_to_string(Path::new(&stack).join("log/compose-up.log")).unwrap();
    assert!(
        said.contains("Container") && !said.contains("Creating "),
        "not compose v2: {said}"
    );
    let (status, body) = get(http_port, "/api/health");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"healthy\""), "{body}");
    for service in ["postgres", "qdrant", "backend", "frontend", "proxy"] {
        assert_eq!(project.containers(service).len(), 1, "{service}");
    }
    let again = install(data.path(), "good-1", http_port, &["--yes"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(again.json()["changed"], false);
}

/// good-1 with its backend and frontend named at `registry` (pushed there) instead of in
/// an archive; the stack's own archive stays beside it. Written into `dir`.
fn registry_release(dir: &Path, registry: &deskmate_test_server::Registry) -> std::path::PathBuf {
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(release("good-1")).unwrap()).unwrap();
    for role in ["backend", "frontend"] {
        let tag = json["images"][role]["image"].as_str().unwrap().to_string();
        json["images"][role]["image"] = registry
            .push(&tag, &format!("deskmate/{role}:1.0.0"))
            .into();
    }
    let archives = json["archives"].as_array_mut().unwrap();
    archives.retain(|a| a["file"] == "stack-images.tar");
    std::os::unix::fs::symlink(
        deskmate_test_server::docker::releases().join("stack-images.tar"),
        dir.join("stack-images.tar"),
    )
    .unwrap();
    let path = dir.join("pulled-1.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    path
}

#[test]
fn images_no_archive_holds_are_pulled_from_the_release_registry_and_checked() {
    let server = TestServer::start();
    let registry = deskmate_test_server::Registry::start();
    let data = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let http_port = free_port();
    add(data.path(), &server, server.user());
    let release_file = registry_release(folder.path(), &registry);
    let (path, port) = (release_file.to_str().unwrap(), http_port.to_string());
    let args = |file: &str| {
        vec![
            "install",
            "home",
            "--release",
            file,
            "--tls",
            "none",
            "--http-port",
            &port,
            "--yes",
            "--json",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };

    // A registry nobody answers at: the pull fails, with Docker's words, and nothing runs.
    let text = std::fs::read_to_string(&release_file).unwrap();
    let unreachable = folder.path().join("unreachable.json");
    let closed = free_port();
    std::fs::write(
        &unreachable,
        text.replace(
            &format!("127.0.0.1:{}/", registry.port),
            &format!("127.0.0.1:{closed}/"),
        ),
    )
    .unwrap();
    let failed = cli(
        data.path(),
        &args(unreachable.to_str().unwrap())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    let error = &failed.json()["error"];
    assert_eq!(error["code"], "install.pull_failed", "{error}");
    assert!(
        error["hint"].as_str().unwrap().contains("Docker said"),
        "{error}"
    );
    assert!(project.containers("backend").is_empty());

    let run = cli(
        data.path(),
        &args(path).iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let images = run.json()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "images")
        .cloned()
        .unwrap();
    assert_eq!(images["changed"], true, "{images}");
    let backend = project.containers("backend");
    assert_eq!(backend.len(), 1);
    assert!(
        inspect(&backend[0], "{{.Config.Image}}")
            .starts_with(&format!("127.0.0.1:{}/", registry.port)),
        "the backend runs the pulled image"
    );
    let (status, _) = get(http_port, "/api/health");
    assert!(status.contains("200"), "{status}");
}

#[test]
fn nginx_gets_its_certificate_with_certbot_and_limits_the_api_per_client() {
    let server = TestServer::start();
    let pebble = deskmate_test_server::Pebble::start();
    let data = tempfile::tempdir().unwrap();
    let project = Project::of(&server.stack_dir());
    let (http_port, https_port) = (free_port(), free_port());
    add(data.path(), &server, server.user());
    let release = release("good-1");
    let directory = pebble.directory_for_containers();
    let ca_root = pebble.tls_ca_file();
    let (http, https) = (http_port.to_string(), https_port.to_string());
    let run = cli(
        data.path(),
        &[
            "install",
            "home",
            "--release",
            release.to_str().unwrap(),
            "--proxy",
            "nginx",
            "--domain",
            "companion.example.org",
            "--email",
            "owner@example.org",
            "--acme-ca",
            &directory,
            "--acme-ca-root",
            ca_root.to_str().unwrap(),
            "--http-port",
            &http,
            "--https-port",
            &https,
            "--yes",
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // HTTPS answered only once certbot had pebble's certificate, for the domain.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect 127.0.0.1:{https_port} -servername companion.example.org < /dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName"
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Pebble"), "not pebble's certificate: {text}");
    assert!(text.contains("DNS:companion.example.org"), "{text}");

    // Plain HTTP is sent to HTTPS, with the port visitors use.
    let (status, _) = get(http_port, "/api/health");
    assert!(status.contains("301"), "{status}");

    // The running proxy is nginx, unprivileged, and its config passes `nginx -t` there.
    let ids = project.containers("proxy");
    assert_eq!(ids.len(), 1);
    assert_ne!(docker(&["exec", &ids[0], "id", "-u"]).trim(), "0");
    let test = docker(&[
        "exec",
        &ids[0],
        "sh",
        "-c",
        "nginx -t -c /etc/deskmate-proxy/nginx.conf 2>&1",
    ]);
    assert!(test.contains("test is successful"), "{test}");

    // 60 quick requests from one client: the burst of 20 passes, then nginx answers 429;
    // the security headers are on every answer.
    let url = format!("https://companion.example.org:{https_port}/api/health");
    let resolve = format!("companion.example.org:{https_port}:127.0.0.1");
    let mut curl = std::process::Command::new("curl");
    curl.args(["-sk", "--resolve", &resolve, "-D", "-"]);
    for _ in 0..60 {
        curl.args(["-o", "/dev/null", &url]);
    }
    let out = curl.output().unwrap();
    let heads = String::from_utf8_lossy(&out.stdout);
    let statuses: Vec<&str> = heads
        .lines()
        .filter(|l| l.starts_with("HTTP/"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(statuses.len(), 60, "{heads}");
    let ok = statuses.iter().filter(|s| **s == "200").count();
    let limited = statuses.iter().filter(|s| **s == "429").count();
    assert!(ok >= 20, "the burst passes: {statuses:?}");
    assert!(limited >= 20, "then the limit applies: {statuses:?}");
    assert_eq!(ok + limited, 60, "{statuses:?}");
    let lower = heads.to_ascii_lowercase();
    assert_eq!(lower.matches("strict-transport-security").count(), 60);
    assert_eq!(lower.matches("x-content-type-options: nosniff").count(), 60);
}

#[test]
fn staging_runs_beside_production_with_its_own_folder_project_and_secrets() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let production = server.stack_dir();
    let staging = format!("{production}-staging");
    let (_p, staging_project) = (Project::of(&production), Project::of(&staging));
    let (prod_port, staging_port) = (free_port(), free_port());
    add(data.path(), &server, server.user());
    let first = install(data.path(), "good-1", prod_port, &["--yes"]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let second = install(
        data.path(),
        "good-2",
        staging_port,
        &["--yes", "--environment", "staging"],
    );
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    assert_eq!(second.json()["environment"], "staging");
    assert!(get(prod_port, "/").1.contains("DeskMate 1.0.0"));
    assert!(get(staging_port, "/").1.contains("DeskMate 1.1.0"));
    assert_eq!(staging_project.containers("postgres").len(), 1);
    let password = |dir: &str| {
        std::fs::read_to_string(Path::new(dir).join("shared/env/postgres.env")).unwrap()
    };
    assert_ne!(
        password(&production),
        password(&staging),
        "the two share a password"
    );
}
