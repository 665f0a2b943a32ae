//! A server without Docker or restic, signed in as root on Debian: the install's plan starts
//! with putting both on it from Debian's own packages, and the install then goes on to
//! health.
//!
//! What is real and what is not: `apt-get update`, `apt-get install docker.io
//! docker-compose` and `apt-get install restic` run for real (this machine has the packages
//! already, so apt installs nothing new); `systemctl enable --now docker` goes to the test sshd's recording stand-in,
//! so the machine's init system is never touched. The test hides `docker` and
//! `docker-compose` (and restic) from the sessions' PATH, as on a fresh server, and gives them
//! back once the stand-in is asked to start Docker, which is when a fresh server would have
//! them (restic comes after Docker).

mod support;

use std::time::Duration;

use deskmate_api::Cancel;
use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};

#[test]
fn without_docker_root_on_debian_gets_it_from_debian_packages_then_a_running_stack() {
    let server = TestServer::start();
    server.hide_command("docker");
    server.hide_command("docker-compose");
    server.hide_command("restic");
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let servers = support::api_servers(data.path(), &server, "root", &stack);
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = free_port();
    options.host_root = server
        .home()
        .join("host-root")
        .to_string_lossy()
        .into_owned();

    // The plan says so first, in words, and changes nothing.
    options.plan_only = true;
    let plan = servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert_eq!(plan.plan[0].id, "docker", "{:?}", plan.plan);
    assert!(
        plan.plan[0].title.contains("Debian") && plan.plan[0].title.contains("docker.io"),
        "{}",
        plan.plan[0].title
    );
    assert_eq!(plan.plan[1].id, "restic", "{:?}", plan.plan);
    assert!(server.recorded("systemctl").is_empty());

    options.plan_only = false;
    let done = std::sync::atomic::AtomicBool::new(false);
    let report = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let asked = server.recorded("systemctl");
                if asked.iter().any(|c| c == "systemctl enable --now docker") {
                    server.show_command("docker");
                    server.show_command("docker-compose");
                    server.show_command("restic");
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let report = servers.install("home", &options, &mut |_| {}, &Cancel::new());
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        report
    })
    .unwrap();
    let docker = &report.steps[0];
    assert_eq!(docker.id, "docker");
    assert!(docker.changed);
    assert!(
        docker.detail.contains("docker.io and docker-compose"),
        "{}",
        docker.detail
    );
    let restic = &report.steps[1];
    assert_eq!(restic.id, "restic");
    assert!(
        restic.detail.starts_with("installed restic 0."),
        "{}",
        restic.detail
    );
    assert_eq!(
        server.recorded("systemctl")[0],
        "systemctl enable --now docker"
    );
    assert!(report.steps.iter().any(|s| s.id == "start" && s.changed));
    assert_eq!(project.containers("backend").len(), 1);
    let audit =
        std::fs::read_to_string(std::path::Path::new(&stack).join("log/audit.log")).unwrap();
    assert!(
        audit.contains("step=docker outcome=done changed=true"),
        "{audit}"
    );

    // Docker is there now: a second run has nothing to put on the server.
    let again = servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert!(
        again
            .plan
            .iter()
            .all(|s| s.id != "docker" && s.id != "restic")
    );
    assert!(!again.changed, "{:?}", again.steps);
}
