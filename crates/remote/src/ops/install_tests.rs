//! The install through the recording fake: its order, a failure and a cancel at each step
//! with the undo each one needs, and the lock.

use super::*;
use crate::cancel::Cancel;
use crate::ops::fake::{RecordingFake, Reply};
use crate::ops::tests::{install_spec as spec, server};
use crate::ops::{Event, Ran, Runner, Stopped};

const IDS: [&str; 8] = [
    "lock", "check", "folders", "images", "files", "switch", "start", "proxy",
];

/// A fresh server on which every step succeeds.
fn fresh() -> RecordingFake {
    let fake = server();
    fake.on("made=no", Reply::ok("yes\n"));
    fake.on("docker image inspect", Reply::ok("sha256:b1\n"));
    fake.on("sha256sum <", Reply::ok("-\n"));
    fake.on("ln -sfn", Reply::ok("switched\n"));
    fake.on(
        "docker ps -a --filter",
        Reply::ok("c1\tbackend\trunning\tUp 3 seconds (healthy)\t1.0.0\n"),
    );
    fake.on("echo running", Reply::ok("done\n"));
    fake.on("GET /api/health", Reply::ok(r#"{"status":"healthy"}"#));
    fake.on("echo root", Reply::ok("none\n"));
    fake.on("project.working_dir", Reply::ok("/opt/deskmate/current\n"));
    fake.on("docker volume ls -q", Reply::ok(""));
    fake
}

fn install(fake: &RecordingFake, cancel: &Cancel) -> (Result<Ran, Box<Stopped>>, Installing) {
    let spec = spec();
    let compose = Compose::V2;
    let mut state = Installing::default();
    let result = Runner::new(fake, cancel, "alice@laptop", &mut |_: &Event| {})
        .run(plan(&spec, &compose, Vec::new()), &mut state);
    (result, state)
}

#[test]
fn a_first_install_runs_every_step_in_order_inside_the_lock() {
    let fake = fresh();
    let (result, state) = install(&fake, &Cancel::new());
    let ran = result.expect("installs");
    let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
    assert_eq!(ids[..8], IDS);
    assert_eq!(ids[8], "host");
    assert_eq!(state.previous, None, "nothing was current before");
    assert!(
        !state.first,
        "once it served, a failure no longer takes it down"
    );
    assert!(
        fake.file("/opt/deskmate/releases/1.0.0/compose.yaml")
            .is_some()
    );
    assert_eq!(fake.count("echo released"), 1);
    assert_eq!(
        fake.count("rm -f -- \"$1/current\""),
        0,
        "nothing is undone"
    );
    crate::ops::tests::shellcheck_sent(&fake);
}

/// The command a step sends that a test can break, by step.
const BREAK: [(&str, &str); 7] = [
    ("check", "readlink \"$1/current\""),
    ("folders", "made=no"),
    ("images", "docker image inspect"),
    ("files", "put /opt/deskmate/releases"),
    ("switch", "ln -sfn"),
    ("start", "up -d --remove-orphans"),
    ("host", "echo root"),
];

#[test]
fn a_failure_before_the_release_serves_leaves_no_current_release_and_after_keeps_it_serving() {
    for (step, needle) in BREAK {
        let fake = fresh();
        fake.on(needle, Reply::Lost);
        let (result, _) = install(&fake, &Cancel::new());
        let stopped = result.expect_err(step);
        assert_eq!(stopped.step, step);
        // A switch that happened is put back, until the release has served healthily
        // through the proxy: a failing host step leaves it serving.
        let put_back = fake.count("rm -f -- \"$1/current\"") > 0;
        let undone = step == "start";
        assert_eq!(put_back, undone, "{step}");
        if undone {
            assert!(
                fake.count("down --remove-orphans") > 0,
                "{step}: the stack is stopped"
            );
            assert!(
                stopped.state.contains("put back"),
                "{step}: {}",
                stopped.state
            );
        } else {
            assert_eq!(fake.count("down --remove-orphans"), 0, "{step}");
        }
        assert_eq!(fake.count("echo released"), 1, "{step}: the lock is let go");
    }
}

#[test]
fn a_cancel_during_each_step_undoes_and_lets_the_lock_go() {
    for (step, needle) in BREAK {
        let fake = fresh();
        let cancel = Cancel::new();
        fake.on(needle, Reply::Cancel(cancel.clone()));
        let (result, _) = install(&fake, &cancel);
        let stopped = result.expect_err(step);
        assert!(stopped.cancelled(), "{step}: {:?}", stopped.error);
        assert_eq!(fake.count("echo released"), 1, "{step}");
        assert!(
            fake.count("outcome=cancelled") == 1,
            "{step}: the cancel is in the audit"
        );
    }
}

#[test]
fn a_proxy_that_never_answers_takes_a_first_install_down_again() {
    let fake = fresh();
    fake.on("GET /api/health", Reply::ok(r#"{"status":"starting"}"#));
    let cancel = Cancel::new();
    // The proxy is waited on for 90 s; a cancel shortens the test to one round.
    fake.on("GET /api/health", Reply::Cancel(cancel.clone()));
    let (result, _) = install(&fake, &cancel);
    let stopped = result.expect_err("stopped");
    assert_eq!(stopped.step, "proxy");
    assert_eq!(stopped.undone, ["start", "switch"]);
}

#[test]
fn another_version_installed_here_is_refused_before_anything_changes() {
    let fake = fresh();
    fake.on("readlink \"$1/current\"", Reply::ok("releases/0.9.0\n"));
    let (result, _) = install(&fake, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "install.other_release");
    assert_eq!(fake.count("made=no"), 0);
    assert_eq!(stopped.state, "Nothing on the server was changed.");
}

#[test]
fn an_install_during_an_update_is_refused_with_who_holds_the_lock() {
    let fake = fresh();
    fake.on(
        "echo taken",
        Reply::ok("held\t40\tbob@desktop\tupdate 1.1.0\tdesktop\t12\n"),
    );
    let (result, _) = install(&fake, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "release.locked");
    assert!(
        stopped
            .error
            .to_string()
            .contains("bob@desktop, for update 1.1.0")
    );
    assert_eq!(fake.count("made=no"), 0);
}

#[test]
fn steps_done_before_in_another_session_head_the_report_and_the_audit() {
    let fake = fresh();
    let spec = spec();
    let earlier = vec![StepReport {
        id: "docker",
        title: "Install Docker".into(),
        changed: true,
        detail: "installed docker.io".into(),
    }];
    let plan = plan(&spec, &Compose::V2, earlier);
    assert_eq!(
        plan.titles()[..2].iter().map(|s| s.id).collect::<Vec<_>>(),
        ["docker", "lock"]
    );
    let ran = Runner::new(&fake, &Cancel::new(), "alice@laptop", &mut |_: &Event| {})
        .run(plan, &mut Installing::default())
        .expect("installs");
    assert_eq!(ran.steps[0].id, "docker");
    assert_eq!(ran.steps[1].id, "lock");
    let audit: Vec<String> = fake
        .commands()
        .into_iter()
        .filter(|c| c.contains("audit.log"))
        .collect();
    assert!(
        audit[0].contains("step=docker outcome=done changed=true"),
        "{}",
        audit[0]
    );
}

#[test]
fn a_second_run_changes_nothing_and_a_failure_then_leaves_what_serves() {
    let fake = fresh();
    fake.on("readlink \"$1/current\"", Reply::ok("releases/1.0.0\n"));
    fake.on("made=no", Reply::ok("no\n"));
    fake.on("ln -sfn", Reply::ok("same\n"));
    let sum = crate::transfer::hex(&openssl::sha::sha256(b"services: {}\n"));
    fake.on("sha256sum <", Reply::ok(format!("{sum}\n")));
    let (result, state) = install(&fake, &Cancel::new());
    let ran = result.expect("runs");
    assert!(!ran.changed(), "{:?}", ran.steps);
    assert!(!state.first);

    let fake = fresh();
    fake.on("readlink \"$1/current\"", Reply::ok("releases/1.0.0\n"));
    fake.on("ln -sfn", Reply::ok("same\n"));
    fake.on("echo root", Reply::Lost);
    let (result, _) = install(&fake, &Cancel::new());
    result.expect_err("host fails");
    assert_eq!(
        fake.count("down --remove-orphans"),
        0,
        "a serving stack is left"
    );
    assert_eq!(fake.count("rm -f -- \"$1/current\""), 0);
}

#[test]
fn a_stack_of_the_same_name_in_another_folder_is_refused_before_anything_changes() {
    let fake = fresh();
    fake.on(
        "project.working_dir",
        Reply::ok("/home/other/deskmate/current\n"),
    );
    let (result, _) = install(&fake, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.step, "check");
    assert_eq!(stopped.error.code(), "install.project_taken");
    assert!(
        stopped
            .error
            .to_string()
            .contains("in /home/other/deskmate,"),
        "{}",
        stopped.error
    );
    assert_eq!(fake.count("made=no"), 0, "no folder was made");
    assert_eq!(
        fake.count("docker image inspect"),
        0,
        "no image was looked for"
    );
    assert_eq!(fake.count("echo released"), 1);
}

#[test]
fn an_earlier_stack_s_database_without_its_folder_is_refused_in_plain_words() {
    let fake = fresh();
    fake.on("docker volume ls -q", Reply::ok("deskmate_postgres_data\n"));
    let (result, _) = install(&fake, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.step, "check");
    assert_eq!(stopped.error.code(), "install.old_database");
    assert!(
        stopped
            .error
            .to_string()
            .contains("the volume deskmate_postgres_data"),
        "{}",
        stopped.error
    );
    assert_eq!(fake.count("made=no"), 0, "no folder was made");
}
