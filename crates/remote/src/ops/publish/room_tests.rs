//! A room's publish and rollback through the recording fake: the order, a failure and a
//! cancel at every step (what serves put back, the state said), the lock, the audit.

use super::room::{self, RoomState};
use super::{RECORD, Target, shellcheck};
use crate::cancel::Cancel;
use crate::ops::fake::{RecordingFake, Reply};
use crate::ops::tests::server;
use crate::ops::{Event, Plan, Ran, Runner, Stopped};
use crate::parts::spec::ProxyProbe;

pub(super) fn target() -> Target {
    Target {
        dir: "/opt/deskmate".into(),
        environment: "production".into(),
        project: "deskmate".into(),
        probe: ProxyProbe {
            port: 8443,
            https: false,
            host: "localhost".into(),
        },
        holder: "bob@desk".into(),
    }
}

/// The room's floor plan as the api makes it for version `id`.
fn file_of(id: &str) -> Vec<u8> {
    format!("{{\"id\": \"{id}\", \"furniture\": []}}\n").into_bytes()
}

fn active(id: &str) -> Reply {
    Reply::ok(format!(r#"{{"id": "{id}", "furniture_count": 3}}"#))
}

/// A server that keeps version 1 of `cozy`, serving, with one backend running; version 2
/// becomes active once activated.
fn serving_v1() -> RecordingFake {
    let fake = server();
    fake.on("ls -1 --", Reply::ok("cozy-v1.json\n"));
    // Version 1 was another arrangement.
    fake.on(
        "cat --",
        Reply::ok(r#"{"id": "cozy-v1", "furniture": ["bed"]}"#),
    );
    fake.on("docker cp", Reply::ok("1\n"));
    fake.on("POST /api/rooms/templates/load-all", Reply::ok("{}"));
    fake.on("/activate", Reply::ok("{}"));
    fake.on("GET /api/rooms/floor-plans/active", active("cozy-v2"));
    fake.once("GET /api/rooms/floor-plans/active", active("cozy-v1"));
    fake
}

fn run(
    fake: &RecordingFake,
    plan: Plan<'_, RoomState>,
    cancel: &Cancel,
) -> (Result<Ran, Box<Stopped>>, RoomState) {
    let mut state = RoomState::default();
    let result = Runner::new(fake, cancel, "bob@desk", &mut |_: &Event| {}).run(plan, &mut state);
    (result, state)
}

fn publish(fake: &RecordingFake, cancel: &Cancel) -> (Result<Ran, Box<Stopped>>, RoomState) {
    let target = target();
    run(fake, room::publish(&target, "cozy", &file_of), cancel)
}

/// What only the record's command holds (the log's reader names the file too).
pub(super) const RECORD_NEEDLE: &str = ">> \"$1/shared/published/log.tsv\"";

const KEPT_V2: &str = "/opt/deskmate/shared/published/rooms/cozy-v2.json";

#[test]
fn a_changed_room_is_a_new_version_kept_copied_loaded_activated_and_recorded_inside_the_lock() {
    let fake = serving_v1();
    let target = target();
    let plan = room::publish(&target, "cozy", &file_of);
    let titles: Vec<&str> = plan.titles().iter().map(|s| s.id).collect();
    assert_eq!(
        titles,
        [
            "lock", "version", "keep", "copy", "load", "activate", "record"
        ]
    );
    let (result, state) = run(&fake, plan, &Cancel::new());
    let ran = result.expect("publishes");
    let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
    assert_eq!(ids, titles);
    let published = state.published("cozy");
    assert_eq!((published.version, published.new_version), (2, true));
    assert!(
        published
            .checked
            .contains("cozy-v2 is the backend's active floor plan (3 pieces")
    );
    assert_eq!(fake.file(KEPT_V2), Some(file_of("cozy-v2")));
    assert_eq!(fake.count("docker cp"), 1);
    // Inside the lock: taken before the first change, let go after the last.
    let commands = fake.commands();
    let at = |needle: &str| commands.iter().position(|c| c.contains(needle)).unwrap();
    assert!(at("echo taken") < at("docker cp"));
    assert!(at(RECORD_NEEDLE) < at("echo released"));
    // One audit line per step, the record's naming who published what.
    assert_eq!(fake.count("publish-room production cozy run="), 8);
    assert_eq!(fake.count("step=activate outcome=done changed=true"), 1);
    assert_eq!(
        fake.count("step=record outcome=done changed=true publish room cozy v2 by bob@desk"),
        1
    );
}

#[test]
fn the_same_room_again_is_the_same_version_and_activates_nothing_new() {
    let fake = serving_v1();
    fake.on(
        "cat --",
        Reply::ok(String::from_utf8(file_of("cozy-v1")).unwrap()),
    );
    fake.on("GET /api/rooms/floor-plans/active", active("cozy-v1"));
    let target = target();
    let same = |_: &str| file_of("cozy-v1");
    let (result, state) = run(&fake, room::publish(&target, "cozy", &same), &Cancel::new());
    result.expect("publishes");
    assert_eq!((state.version, state.new_version), (1, false));
    assert_eq!(fake.count("put "), 0, "nothing new is kept");
    assert_eq!(fake.count("cozy-v1/activate"), 0, "already active");
    assert_eq!(fake.count("step=activate outcome=done changed=false"), 1);
}

/// Each step's needle, and what a failure there leaves: the steps put back and the state.
const STEPS: [(&str, &str, &[&str], &str); 6] = [
    (
        "version",
        "ls -1 --",
        &[],
        "Nothing on the server was changed.",
    ),
    (
        "keep",
        "put /opt/deskmate/shared/published/rooms/cozy-v2.json",
        &["keep"],
        "What was changed has been put back",
    ),
    (
        "copy",
        "docker cp",
        &[],
        "Nothing that serves was put back.",
    ),
    ("load", "load-all", &[], "Nothing that serves was put back."),
    (
        "activate",
        "cozy-v2/activate",
        &["activate"],
        "What serves was put back as it was.",
    ),
    (
        "record",
        RECORD_NEEDLE,
        &["activate"],
        "What serves was put back as it was.",
    ),
];

#[test]
fn a_failure_at_each_step_puts_back_what_served_and_says_so() {
    for (step, needle, undone, state) in STEPS {
        let fake = serving_v1();
        fake.on(needle, Reply::Lost);
        let (result, _) = publish(&fake, &Cancel::new());
        let stopped = result.expect_err("fails");
        assert_eq!(stopped.step, step);
        assert!(!stopped.cancelled(), "{step}");
        assert_eq!(stopped.undone, undone, "{step}");
        assert!(
            stopped.state.starts_with(state),
            "{step}: {}",
            stopped.state
        );
        assert!(stopped.not_undone.is_empty(), "{step}");
        assert_eq!(
            fake.count(&format!("step={step} outcome=failed")),
            1,
            "{step}"
        );
        assert_eq!(fake.count("echo released"), 1, "{step}: the lock is let go");
        check_put_back(&fake, step);
    }
}

#[test]
fn a_cancel_at_each_step_puts_back_what_served_and_says_so() {
    for (step, needle, undone, state) in STEPS {
        let fake = serving_v1();
        let cancel = Cancel::new();
        fake.on(needle, Reply::Cancel(cancel.clone()));
        let (result, _) = publish(&fake, &cancel);
        let stopped = result.expect_err("cancelled");
        assert_eq!(stopped.step, step);
        assert!(stopped.cancelled(), "{step}: {}", stopped.error);
        assert_eq!(stopped.undone, undone, "{step}");
        assert!(
            stopped.state.starts_with(state),
            "{step}: {}",
            stopped.state
        );
        assert_eq!(
            fake.count(&format!("step={step} outcome=cancelled")),
            1,
            "{step}"
        );
        assert_eq!(fake.count("echo released"), 1, "{step}");
        check_put_back(&fake, step);
    }
}

/// What a stop at `step` put back: the unserved file, or the plan active before.
fn check_put_back(fake: &RecordingFake, step: &str) {
    let removed = fake
        .commands()
        .iter()
        .any(|c| c.contains("rm -f") && c.contains(KEPT_V2));
    assert_eq!(
        removed,
        step == "keep",
        "{step}: only a version that reached no backend is removed"
    );
    let reactivated = fake.calls().iter().any(|c| {
        matches!(c, crate::ops::fake::Call::Request { method, path }
            if method == "POST" && path == "/api/rooms/floor-plans/cozy-v1/activate")
    });
    assert_eq!(reactivated, matches!(step, "activate" | "record"), "{step}");
    if reactivated {
        assert_eq!(fake.count("step=activate outcome=undone changed=true"), 1);
    }
}

#[test]
fn a_first_publish_cannot_make_no_plan_active_and_says_what_stays() {
    let fake = server();
    fake.on("docker cp", Reply::ok("1\n"));
    fake.on("load-all", Reply::ok("{}"));
    fake.on("/activate", Reply::ok("{}"));
    fake.on("GET /api/rooms/floor-plans/active", active("cozy-v1"));
    fake.once("GET /api/rooms/floor-plans/active", Reply::fail(404, ""));
    fake.on(RECORD_NEEDLE, Reply::Lost);
    let (result, _) = publish(&fake, &Cancel::new());
    let stopped = result.expect_err("fails");
    assert!(stopped.undone.is_empty());
    assert!(
        stopped
            .state
            .contains("Make it the backend's active floor plan"),
        "{}",
        stopped.state
    );
    assert_eq!(fake.count("step=activate outcome=undone changed=false"), 1);
}

#[test]
fn a_publish_while_another_holds_the_lock_is_refused_with_who_and_changes_nothing() {
    let fake = serving_v1();
    fake.on(
        "echo taken",
        Reply::ok("held\t300\tcarol@laptop\tupdate 1.3.0\tlaptop\t9\n"),
    );
    let (result, _) = publish(&fake, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.step, "lock");
    assert_eq!(stopped.error.code(), "release.locked");
    assert!(
        stopped
            .error
            .to_string()
            .contains("carol@laptop, for update 1.3.0")
    );
    assert_eq!(fake.count("ls -1"), 0, "no step ran");
    assert_eq!(
        fake.count("echo released"),
        0,
        "another's lock is left alone"
    );
    assert_eq!(stopped.state, "Nothing on the server was changed.");
}

#[test]
fn the_lock_is_taken_for_the_publish_and_let_go_with_its_own_token() {
    let fake = serving_v1();
    publish(&fake, &Cancel::new()).0.expect("publishes");
    let commands = fake.commands();
    let take = commands.iter().find(|c| c.contains("echo taken")).unwrap();
    assert!(
        take.contains("publish-room cozy"),
        "the lock says what: {take}"
    );
    let token = take
        .split(|c: char| c == '\'' || c.is_whitespace())
        .find(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap();
    let release = commands
        .iter()
        .find(|c| c.contains("echo released"))
        .unwrap();
    assert!(release.contains(token));
}

/// A server whose log says version 2 of `cozy` serves, after version 1.
fn published_twice() -> RecordingFake {
    let fake = server();
    fake.on("ls -1 --", Reply::ok("cozy-v1.json\ncozy-v2.json\n"));
    fake.on(
        "tail -n 2000",
        Reply::ok(
            "2026-12-01T08:00:00Z\troom\tcozy\t1\tpublish\tbob@desk\n2026-12-02T08:00:00Z\troom\tcozy\t2\tpublish\tbob@desk\n",
        ),
    );
    fake.on("docker cp", Reply::ok("1\n"));
    fake.on("load-all", Reply::ok("{}"));
    fake.on("/activate", Reply::ok("{}"));
    fake.on("GET /api/rooms/floor-plans/active", active("cozy-v1"));
    fake.once("GET /api/rooms/floor-plans/active", active("cozy-v2"));
    fake
}

#[test]
fn a_rollback_activates_the_version_before_and_records_it() {
    let fake = published_twice();
    let target = target();
    let plan = room::rollback(&target, "cozy", None);
    let ids: Vec<&str> = plan.titles().iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        ["lock", "version", "copy", "load", "activate", "record"]
    );
    let (result, state) = run(&fake, plan, &Cancel::new());
    result.expect("rolls back");
    assert_eq!((state.version, state.new_version), (1, false));
    assert_eq!(fake.count("cozy-v1.json"), 1, "its kept file copied in");
    assert_eq!(fake.count("rollback room cozy v1 by bob@desk"), 1);
    assert_eq!(fake.count("rollback-room production cozy run="), 7);
}

#[test]
fn a_rollback_with_nothing_older_is_refused_and_changes_nothing() {
    let fake = published_twice();
    let target = target();
    let (result, _) = run(
        &fake,
        room::rollback(&target, "cozy", Some(7)),
        &Cancel::new(),
    );
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "publish.no_older_version");
    assert_eq!(stopped.step, "version");
    assert_eq!(fake.count("docker cp"), 0);
    assert_eq!(stopped.state, "Nothing on the server was changed.");
}

#[test]
fn a_rollback_that_fails_after_activating_activates_the_version_that_served() {
    for (step, needle) in [("activate", "cozy-v1/activate"), ("record", RECORD_NEEDLE)] {
        let fake = published_twice();
        fake.on(needle, Reply::Lost);
        let target = target();
        let (result, _) = run(&fake, room::rollback(&target, "cozy", None), &Cancel::new());
        let stopped = result.expect_err("fails");
        assert_eq!(stopped.step, step);
        assert_eq!(stopped.undone, ["activate"]);
        assert!(fake.calls().iter().any(|c| matches!(c,
            crate::ops::fake::Call::Request { path, .. } if path == "/api/rooms/floor-plans/cozy-v2/activate")));
    }
}

#[test]
fn a_name_that_is_not_plain_is_refused_before_the_server_is_read() {
    let fake = serving_v1();
    let target = target();
    let (result, _) = run(
        &fake,
        room::publish(&target, "../etc", &file_of),
        &Cancel::new(),
    );
    assert_eq!(
        result.expect_err("refused").error.code(),
        "publish.unsafe_name"
    );
    assert_eq!(fake.count("ls -1"), 0);
}

#[test]
fn the_room_s_scripts_pass_shellcheck() {
    shellcheck(&[("copy", room::COPY), ("record", RECORD)]);
}
