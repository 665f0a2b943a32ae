//! The update through the recording fake: its order inside the lock, a failure and a cancel
//! at each step with the way back each one needs, and the automatic rollback's words.

use std::time::Duration;

use super::*;
use crate::cancel::Cancel;
use crate::ops::fake::{RecordingFake, Reply};
use crate::ops::install::WantedImage;
use crate::ops::tests::{install_spec, server};
use crate::ops::{Event, Ran, Runner};

const IDS: [&str; 9] = [
    "lock", "backup", "images", "files", "beside", "stateful", "switch", "watch", "prune",
];

/// 1.1.0 serves (backend and postgres); 1.2.0 changes both images. The fake cannot change
/// what runs, so the list already shows 1.2.0's containers healthy beside 1.1.0's: each
/// wait ends at once, and only the commands sent tell what the update did.
fn serving() -> RecordingFake {
    let fake = server();
    fake.on(
        "deskmate-backup",
        Reply::ok("database\t12 tables\nsnapshot\tabc123\n--verify--\nsnapshot\tabc123\n"),
    );
    fake.on("docker image inspect", Reply::ok("sha256:b2\n"));
    fake.on("sha256sum <", Reply::ok("-\n"));
    fake.on(
        "docker ps -a --filter",
        Reply::ok(
            "old1\tbackend\trunning\tUp 1 hour (healthy)\t1.1.0\n\
             new1\tbackend\trunning\tUp 3 seconds (healthy)\t1.2.0\n\
             pgold\tpostgres\trunning\tUp 1 hour (healthy)\t1.1.0\n\
             pgnew\tpostgres\trunning\tUp 3 seconds (healthy)\t1.2.0\n",
        ),
    );
    // Before the update starts any, only 1.1.0's run (the first listing is the update's own
    // look at what runs).
    fake.once(
        "docker ps -a --filter",
        Reply::ok(
            "old1\tbackend\trunning\tUp 1 hour (healthy)\t1.1.0\n\
             pgold\tpostgres\trunning\tUp 1 hour (healthy)\t1.1.0\n",
        ),
    );
    fake.on("{{.Image}}", Reply::ok("sha256:old\n"));
    fake.on("new1", Reply::ok("sha256:b2\n"));
    fake.on("pgnew", Reply::ok("sha256:pg2\n"));
    fake.on("ln -sfn", Reply::ok("switched\n"));
    fake.on("GET /api/health", Reply::ok(r#"{"status":"healthy"}"#));
    fake
}

fn spec(watch: Duration) -> UpdateSpec {
    let mut new = install_spec();
    new.version = "1.2.0".into();
    new.files[0].path = "releases/1.2.0/compose.yaml".into();
    new.services = vec!["backend".into(), "postgres".into()];
    new.images = vec![WantedImage {
        tag: "deskmate/backend:1.2.0".into(),
        id: "sha256:b2".into(),
    }];
    UpdateSpec {
        new,
        previous: "1.1.0".into(),
        new_images: vec![
            ("backend".into(), "sha256:b2".into()),
            ("postgres".into(), "sha256:pg2".into()),
        ],
        watch,
        backup_first: true,
        backup_scripts: crate::ops::tests::backup_scripts(),
    }
}

fn update(
    fake: &RecordingFake,
    spec: &UpdateSpec,
    cancel: &Cancel,
) -> (Result<Ran, Box<Stopped>>, Updating, Vec<Event>) {
    let compose = Compose::V2;
    let mut state = Updating::default();
    let mut events = Vec::new();
    let result = Runner::new(fake, cancel, "alice@laptop", &mut |e: &Event| {
        events.push(e.clone())
    })
    .run(plan(spec, &compose), &mut state);
    (result.map_err(|s| explain(s, spec)), state, events)
}

/// Commands that contain every one of `needles`.
fn sent(fake: &RecordingFake, needles: &[&str]) -> usize {
    fake.commands()
        .iter()
        .filter(|c| needles.iter().all(|n| c.contains(n)))
        .count()
}

#[test]
fn an_update_backs_up_starts_beside_recreates_switches_watches_and_records_it_served() {
    let fake = serving();
    let (result, state, events) = update(&fake, &spec(Duration::ZERO), &Cancel::new());
    let ran = result.expect("updates");
    let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
    assert_eq!(ids, IDS);
    assert_eq!(state.backup.as_deref(), Some("abc123"));
    assert_eq!(sent(&fake, &["--scale", "backend"]), 1);
    assert_eq!(sent(&fake, &["--no-deps \"$3\" <", "1.2.0", "postgres"]), 1);
    assert_eq!(sent(&fake, &["docker stop -t 30", "old1"]), 1);
    assert_eq!(sent(&fake, &["ln -sfn", "1.2.0"]), 1);
    assert_eq!(sent(&fake, &["served.tsv"]), 1, "recorded as served");
    assert_eq!(fake.count("echo released"), 1);
    // The backup's report lines reach the app as notes of the backup step.
    assert!(events.contains(&Event::Note {
        step: "backup",
        detail: "database: 12 tables".into()
    }));
    assert_eq!(fake.count("step=backup outcome=done"), 1);
    crate::ops::tests::shellcheck_sent(&fake);
}

#[test]
fn without_a_backup_first_the_skip_is_said_and_audited() {
    let fake = serving();
    let mut spec = spec(Duration::ZERO);
    spec.backup_first = false;
    let (result, _, _) = update(&fake, &spec, &Cancel::new());
    let ran = result.expect("updates");
    assert!(ran.steps[1].detail.contains("--no-backup"));
    assert_eq!(fake.count("deskmate-backup"), 0);
    assert_eq!(fake.count("step=backup outcome=done changed=false"), 1);
}

/// A command each step sends that a test can break, and whether the old release's
/// containers must be started again (the switch had happened).
const BREAK: [(&str, &str); 6] = [
    ("backup", "deskmate-backup"),
    ("images", "docker image inspect"),
    ("files", "put /opt/deskmate/releases"),
    ("beside", "--scale"),
    ("stateful", "--no-deps \"$3\" <"),
    ("switch", "docker stop -t 30"),
];

#[test]
fn a_failure_at_each_step_leaves_the_old_release_serving_and_lets_the_lock_go() {
    for (step, needle) in BREAK {
        let fake = serving();
        fake.once(needle, Reply::Lost);
        let (result, _, _) = update(&fake, &spec(Duration::ZERO), &Cancel::new());
        let stopped = result.expect_err(step);
        assert_eq!(stopped.step, step);
        assert_eq!(fake.count("echo released"), 1, "{step}: the lock is let go");
        assert_eq!(sent(&fake, &["served.tsv"]), 0, "{step}: never served");
        assert_eq!(
            sent(&fake, &["ln -sfn", "1.2.0"]),
            0,
            "{step}: never current"
        );
        let started_new = ["beside", "stateful", "switch"].contains(&step);
        assert_eq!(
            sent(&fake, &["docker rm -f", "new1"]) > 0,
            started_new,
            "{step}: 1.2.0's new containers go once they may have started"
        );
        let recreated = ["stateful", "switch"].contains(&step);
        assert_eq!(
            sent(&fake, &["--no-deps \"$3\" <", "1.1.0", "postgres"]) > 0,
            recreated,
            "{step}: 1.1.0's postgres comes back once 1.2.0's was tried"
        );
        assert!(
            stopped.not_undone.is_empty(),
            "{step}: {:?}",
            stopped.not_undone
        );
        assert_eq!(fake.count(&format!("step={step} outcome=failed")), 1);
    }
}

#[test]
fn a_failed_switch_puts_the_old_release_back_beside_and_current_back() {
    let fake = serving();
    fake.on("docker stop -t 30", Reply::fail(1, "boom"));
    let (result, _, _) = update(&fake, &spec(Duration::ZERO), &Cancel::new());
    let stopped = result.expect_err("the switch fails");
    assert_eq!(stopped.undone, ["switch", "stateful", "beside"]);
    assert_eq!(
        sent(&fake, &["--scale", "1.1.0"]),
        1,
        "1.1.0 started beside"
    );
    assert_eq!(sent(&fake, &["ln -sfn", "1.1.0"]), 1, "current points back");
    assert!(stopped.state.contains("put back"), "{}", stopped.state);
}

#[test]
fn a_cancel_during_each_step_undoes_and_lets_the_lock_go() {
    for (step, needle) in BREAK {
        let fake = serving();
        let cancel = Cancel::new();
        fake.once(needle, Reply::Cancel(cancel.clone()));
        let (result, _, _) = update(&fake, &spec(Duration::ZERO), &cancel);
        let stopped = result.expect_err(step);
        assert!(stopped.cancelled(), "{step}: {:?}", stopped.error);
        assert_eq!(fake.count("echo released"), 1, "{step}");
        assert_eq!(fake.count("outcome=cancelled"), 1, "{step}");
        assert_eq!(sent(&fake, &["ln -sfn", "1.2.0"]), 0, "{step}");
    }
}

#[test]
fn a_release_unhealthy_after_the_switch_is_rolled_back_automatically() {
    let fake = serving();
    fake.on("GET /api/health", Reply::ok(r#"{"status":"unhealthy"}"#));
    // Two misses in a row count; they are a second apart.
    let (result, _, _) = update(&fake, &spec(Duration::from_secs(5)), &Cancel::new());
    let stopped = result.expect_err("rolled back");
    assert_eq!(stopped.step, "watch");
    assert_eq!(stopped.error.code(), "release.rolled_back");
    assert!(
        stopped.error.to_string().contains("1.1.0 was brought back"),
        "{}",
        stopped.error
    );
    assert_eq!(stopped.undone, ["switch", "stateful", "beside"]);
    assert_eq!(sent(&fake, &["ln -sfn", "1.1.0"]), 1);
    assert_eq!(sent(&fake, &["served.tsv"]), 0);
    // The way back's commands too.
    crate::ops::tests::shellcheck_sent(&fake);
}

#[test]
fn a_rollback_that_fails_too_says_so() {
    let fake = serving();
    fake.on("GET /api/health", Reply::ok(r#"{"status":"unhealthy"}"#));
    fake.on("--scale", Reply::fail(1, "no room"));
    // The update's own start beside succeeds; only the way back's fails.
    fake.once("--scale", Reply::ok(""));
    let (result, _, _) = update(&fake, &spec(Duration::from_secs(5)), &Cancel::new());
    let stopped = result.expect_err("fails");
    assert_eq!(stopped.error.code(), "release.rollback_failed");
    assert!(stopped.state.contains("part-way"), "{}", stopped.state);
}

#[test]
fn a_cancel_during_the_watch_brings_the_old_release_back() {
    let fake = serving();
    let cancel = Cancel::new();
    fake.on("GET /api/health", Reply::Cancel(cancel.clone()));
    let (result, _, _) = update(&fake, &spec(Duration::from_secs(5)), &cancel);
    let stopped = result.expect_err("cancelled");
    assert!(stopped.cancelled());
    assert_eq!(stopped.step, "watch");
    assert_eq!(sent(&fake, &["ln -sfn", "1.1.0"]), 1);
}

#[test]
fn old_folders_that_cannot_be_pruned_never_roll_a_healthy_release_back() {
    let fake = serving();
    fake.on("ls -1t", Reply::fail(1, "permission denied"));
    let (result, _, _) = update(&fake, &spec(Duration::ZERO), &Cancel::new());
    let ran = result.expect("the update stands");
    assert!(ran.steps[8].detail.contains("left for the next update"));
    assert_eq!(sent(&fake, &["ln -sfn", "1.1.0"]), 0);
}

#[test]
fn an_update_is_refused_while_someone_else_holds_the_lock() {
    let fake = serving();
    fake.on(
        "echo taken",
        Reply::ok("held\t30\tbob@desk\tmaintenance\tdesk\t42\n"),
    );
    let (result, _, _) = update(&fake, &spec(Duration::ZERO), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.step, "lock");
    assert_eq!(stopped.error.code(), "release.locked");
    assert!(stopped.error.to_string().contains("bob@desk"));
    assert_eq!(fake.count("deskmate-backup"), 0);
    assert_eq!(
        fake.count("echo released"),
        0,
        "another's lock is left alone"
    );
}

#[test]
fn the_plan_shown_before_is_the_plan_that_runs() {
    for backup_first in [true, false] {
        let mut spec = spec(Duration::from_secs(60));
        spec.backup_first = backup_first;
        let compose = Compose::V2;
        assert_eq!(spec.titles().planned(), plan(&spec, &compose).titles());
    }
}

#[test]
fn a_new_release_container_there_before_the_update_is_not_removed_by_its_way_back() {
    // An update cut short left 1.2.0's backend beside 1.1.0's; this one fails at `stateful`.
    let fake = serving();
    fake.once(
        "docker ps -a --filter",
        Reply::ok(
            "old1\tbackend\trunning\tUp 1 hour (healthy)\t1.1.0\n\
             new1\tbackend\trunning\tUp 3 minutes (healthy)\t1.2.0\n\
             pgold\tpostgres\trunning\tUp 1 hour (healthy)\t1.1.0\n",
        ),
    );
    fake.once("--no-deps \"$3\" <", Reply::Lost);
    let (result, _, _) = update(&fake, &spec(Duration::ZERO), &Cancel::new());
    assert_eq!(result.expect_err("stateful fails").step, "stateful");
    assert_eq!(
        sent(&fake, &["docker rm -f", "new1"]),
        0,
        "not this run's to remove"
    );
    // Both were already there: nothing new was started beside.
    assert_eq!(fake.count("step=beside outcome=undone changed=false"), 1);
}
