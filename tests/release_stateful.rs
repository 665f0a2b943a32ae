//! An update that changes the PostgreSQL image, whose new PostgreSQL never turns healthy:
//! under a request loop, the update stops there, the previous PostgreSQL is brought back on
//! the data it had, and the release that served before serves again with every memory.

mod support;

use std::time::Duration;

use deskmate_api::servers::DeployOptions;
use deskmate_api::{Cancel, Environment};
use deskmate_test_server::docker::docker;
use support::images::{OwnImage, with_postgres};
use support::stack::{installed, memories};
use support::traffic::with_traffic;

#[test]
fn an_update_whose_postgres_never_turns_healthy_brings_the_old_one_back_on_its_data() {
    let it = installed(3);
    let before = memories(it.port);
    let image_before = |c: &str| docker(&["inspect", "--format", "{{.Image}}", c]);
    let old = image_before(&it.project.containers("postgres")[0]);

    // good-2 with a PostgreSQL image of its own whose health check never passes.
    let dir = tempfile::tempdir().unwrap();
    let sick = OwnImage::build(&format!(
        "deskmate-testbed/postgres:sick-{}",
        std::process::id()
    ));
    let release = with_postgres(dir.path(), "good-2", &sick, Some(&["CMD", "false"]));
    let options = DeployOptions {
        no_backup: true,
        watch: Duration::from_secs(5),
        health_timeout: Duration::from_secs(60),
        ..DeployOptions::default()
    };
    let mut steps = Vec::new();
    let (result, traffic) = with_traffic(it.port, || {
        it.servers.release_deploy(
            "home",
            &release,
            &options,
            &mut |e| steps.extend(support::events::finished(e)),
            &Cancel::new(),
        )
    });
    let err = result.unwrap_err();
    assert_eq!(err.code, "release.unhealthy", "{err:?}");
    assert!(err.message.contains("postgres"), "{err:?}");
    assert!(
        err.hint.contains("What serves was put back as it was")
            && err
                .hint
                .contains("The previous release's postgres is brought back"),
        "{err:?}"
    );
    eprintln!(
        "a failed PostgreSQL update under load: {} requests, {} failed (while PostgreSQL was replaced and brought back)",
        traffic.requests,
        traffic.failures.len()
    );

    // The previous PostgreSQL is back, healthy, on the data it had; the old release serves.
    let postgres = it.project.containers("postgres");
    assert_eq!(postgres.len(), 1, "{postgres:?}");
    assert_eq!(image_before(&postgres[0]), old, "the old image runs again");
    let health = docker(&[
        "inspect",
        "--format",
        "{{.State.Health.Status}}",
        &postgres[0],
    ]);
    assert_eq!(health.trim(), "healthy");
    assert_eq!(memories(it.port), before, "every memory is there");
    let list = it
        .servers
        .release_list("home", Environment::Production)
        .unwrap();
    assert_eq!(list.iter().find(|r| r.current).unwrap().version, "1.0.0");
    assert!(
        list.iter().any(|r| r.version == "1.1.0" && !r.served),
        "the failed release never served: {list:?}"
    );
    assert!(
        it.servers
            .release_lock_holder("home", Environment::Production)
            .unwrap()
            .is_none()
    );
}
