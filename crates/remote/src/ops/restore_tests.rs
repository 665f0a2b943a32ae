//! The restore through the recording fake: inside the lock, side by side, a failed start
//! switched back before anything made is removed, and a failed switch back keeping all.

use std::time::Duration;

use super::*;
use crate::cancel::Cancel;
use crate::ops::fake::{RecordingFake, Reply};
use crate::ops::tests::{install_spec, server};
use crate::ops::{Event, Ran, Runner, Stopped};

fn spec<'a>() -> RestoreSpec<'a> {
    RestoreSpec {
        scope: Scope {
            subject: "5f3a09c1aa".into(),
            ..crate::ops::tests::scope()
        },
        scripts: crate::ops::tests::backup_scripts(),
        repository: Repository::Local,
        snapshot: "5f3a09c1aa".into(),
        size: Some(1 << 20),
        parts: Part::ALL.to_vec(),
        suffix: "r1".into(),
        running: install_spec(),
        back_timeout: Duration::from_secs(5),
        compose: Compose::V2,
        volumes_now: Box::new(|_| Ok(("old_pg".into(), "old_qd".into()))),
    }
}

/// A server with a good backup and room for it.
fn ready() -> RecordingFake {
    let fake = server();
    fake.on("sha256sum <", Reply::ok("-\n"));
    fake.on("df -Pk", Reply::ok("/dev/vda 1000 1 99999999 1% /\n"));
    fake.on("deskmate-backup", Reply::ok("snapshot\tsafe01\n"));
    fake.on(
        "deskmate-restore",
        Reply::ok("postgres_volume\tnew_pg\nqdrant_volume\tnew_qd\n"),
    );
    fake.on(
        "docker ps -a --filter",
        Reply::ok("c1\tbackend\trunning\tUp 3 seconds (healthy)\t1.0.0\n"),
    );
    fake.on("echo running", Reply::ok("done\n"));
    fake.on("GET /api/health", Reply::ok(r#"{"status":"healthy"}"#));
    fake
}

fn restore(fake: &RecordingFake, cancel: &Cancel) -> (Result<Ran, Box<Stopped>>, Restoring) {
    let spec = spec();
    let mut state = Restoring::default();
    let result =
        Runner::new(fake, cancel, "alice@laptop", &mut |_: &Event| {}).run(plan(&spec), &mut state);
    (result, state)
}

/// The order the stack is pointed at data volumes, by their names.
fn pointed(fake: &RecordingFake) -> Vec<&'static str> {
    fake.commands()
        .iter()
        .filter(|c| c.contains("DESKMATE_POSTGRES_VOLUME"))
        .map(|c| if c.contains("new_pg") { "new" } else { "old" })
        .collect()
}

#[test]
fn a_restore_runs_side_by_side_inside_the_lock_and_keeps_the_data_from_before() {
    let fake = ready();
    let (result, state) = restore(&fake, &Cancel::new());
    let ran = result.expect("restores");
    let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        [
            "lock", "space", "scripts", "safety", "restore", "switch", "start"
        ]
    );
    assert_eq!(state.safety.as_deref(), Some("safe01"));
    assert_eq!(pointed(&fake), ["new"]);
    assert_eq!(state.kept(), ["old_pg", "old_qd"]);
    assert_eq!(fake.count("docker volume rm"), 0, "nothing is deleted");
    assert!(
        fake.count("restore production 5f3a09c1aa run=") >= 6,
        "audited"
    );
    crate::ops::tests::shellcheck_sent(&fake);
}

#[test]
fn a_restored_stack_that_is_not_healthy_is_switched_back_before_the_new_volumes_go() {
    let fake = ready();
    // The restored data's start fails; the switch back's start works.
    fake.once("up -d --remove-orphans --force-recreate", Reply::Lost);
    let (result, state) = restore(&fake, &Cancel::new());
    let stopped = result.expect_err("unhealthy");
    assert_eq!(stopped.step, "start");
    assert_eq!(stopped.undone, ["switch", "restore"]);
    assert_eq!(pointed(&fake), ["new", "old"]);
    let commands = fake.commands();
    let back = commands
        .iter()
        .rposition(|c| c.contains("DESKMATE_POSTGRES_VOLUME"))
        .unwrap();
    let removed = commands
        .iter()
        .position(|c| c.contains("docker volume rm"))
        .unwrap();
    assert!(back < removed, "removed only once switched back");
    assert!(!state.switched);
}

#[test]
fn a_switch_back_that_fails_keeps_every_volume() {
    let fake = ready();
    fake.on("up -d --remove-orphans --force-recreate", Reply::Lost);
    let (result, state) = restore(&fake, &Cancel::new());
    let stopped = result.expect_err("unhealthy");
    assert_eq!(stopped.not_undone.len(), 1);
    assert_eq!(stopped.not_undone[0].0, "switch");
    assert_eq!(fake.count("docker volume rm"), 0, "what may serve is kept");
    assert!(state.switched);
    assert!(stopped.state.starts_with("The server is part-way"));
}

#[test]
fn too_little_room_is_refused_before_anything_changes() {
    let fake = ready();
    fake.on("df -Pk", Reply::ok("/dev/vda 1000 1 100 1% /\n"));
    let (result, _) = restore(&fake, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "backup.no_space");
    assert_eq!(fake.count("deskmate-backup"), 0);
    assert_eq!(stopped.state, "Nothing on the server was changed.");
}

#[test]
fn a_failure_or_cancel_at_each_step_leaves_the_data_it_had_serving() {
    let steps = [
        ("safety", "deskmate-backup"),
        ("restore", "deskmate-restore"),
        ("switch", "DESKMATE_POSTGRES_VOLUME"),
    ];
    for (step, needle) in steps {
        for cancelled in [false, true] {
            let fake = ready();
            let cancel = Cancel::new();
            let reply = if cancelled {
                Reply::Cancel(cancel.clone())
            } else {
                Reply::Lost
            };
            fake.once(needle, reply);
            let (result, _) = restore(&fake, &cancel);
            let stopped = result.expect_err(step);
            assert_eq!(stopped.step, step);
            assert_eq!(stopped.cancelled(), cancelled);
            assert!(
                !pointed(&fake).contains(&"new") || pointed(&fake).last() == Some(&"old"),
                "{step}: {:?}",
                pointed(&fake)
            );
            assert_eq!(fake.count("echo released"), 1, "{step}");
        }
    }
}
