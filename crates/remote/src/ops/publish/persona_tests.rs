//! A persona's publish and rollback through the recording fake: the order, a failure and a
//! cancel at every step (the folder that served put back, the state said), the lock, the
//! audit.

use std::path::Path;

use super::persona::{self, PersonaFiles, PersonaState};
use super::room_tests::{RECORD_NEEDLE, target};
use crate::cancel::Cancel;
use crate::ops::fake::{RecordingFake, Reply};
use crate::ops::tests::server;
use crate::ops::{Event, Plan, Ran, Runner, Stopped};

const KEPT: &str = "/opt/deskmate/shared/published/personas/aria_lumen";

/// Aria's card and one expression file, written in `dir`; `extra` adds a file by that name.
fn aria(dir: &Path, extra: Option<&str>) -> PersonaFiles {
    let mut files = Vec::new();
    let names = ["aria_lumen.png", "aria_lumen_happy.png"];
    for name in names.into_iter().chain(extra) {
        let bytes = format!("picture {name}").into_bytes();
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let sha = crate::transfer::hex(&openssl::sha::sha256(&bytes));
        files.push((name.to_string(), path, sha));
    }
    PersonaFiles {
        stem: "aria_lumen".into(),
        card_name: "Aria Lumen".into(),
        files,
        expressions: 1,
    }
}

/// A server that keeps version 1 of Aria, serving, and a backend that lists what is live.
fn serving_v1() -> RecordingFake {
    let fake = server();
    fake.on("ls -1 --", Reply::ok("v1\ncurrent\n"));
    fake.on("cat -- \"$1/current\"", Reply::ok("1\n"));
    // Version 1 had other pictures.
    fake.on(
        "sha256sum -- *.png",
        Reply::ok("0000  aria_lumen.png\n1111  aria_lumen_happy.png\n"),
    );
    fake.on("echo same", Reply::ok("different\n"));
    fake.on(
        "GET /api/personas/?directory=/data/personas/aria_lumen",
        Reply::ok(r#"{"personas": [{"name": "Aria Lumen"}]}"#),
    );
    fake.on(
        "GET /api/personas/Aria%20Lumen/expressions",
        Reply::ok(r#"{"expressions": {"happy": "/personas/Aria Lumen/image?expression=happy"}}"#),
    );
    // The undos find what their runs did.
    fake.on("echo restored", Reply::ok("restored\n"));
    fake.on("found=none", Reply::ok("removed\n"));
    fake
}

fn run(
    fake: &RecordingFake,
    plan: Plan<'_, PersonaState>,
    cancel: &Cancel,
) -> (Result<Ran, Box<Stopped>>, PersonaState) {
    let mut state = PersonaState::default();
    let result = Runner::new(fake, cancel, "bob@desk", &mut |_: &Event| {}).run(plan, &mut state);
    (result, state)
}

#[test]
fn new_files_are_a_new_version_uploaded_swapped_in_checked_and_recorded_inside_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let files = aria(dir.path(), None);
    let target = target();
    let fake = serving_v1();
    let plan = persona::publish(&target, &files);
    let titles: Vec<&str> = plan.titles().iter().map(|s| s.id).collect();
    assert_eq!(
        titles,
        [
            "lock", "files", "by_hand", "version", "upload", "swap", "check", "record"
        ]
    );
    let (result, state) = run(&fake, plan, &Cancel::new());
    let ran = result.expect("publishes");
    assert_eq!(ran.steps.len(), titles.len());
    let published = state.published("aria_lumen");
    assert_eq!((published.version, published.new_version), (2, true));
    assert_eq!(
        published.checked,
        "the backend lists Aria Lumen with 1 expressions"
    );
    for name in ["aria_lumen.png", "aria_lumen_happy.png", ".card-name"] {
        assert!(
            fake.file(&format!("{KEPT}/v2.part/{name}")).is_some(),
            "{name}"
        );
    }
    let commands = fake.commands();
    let at = |needle: &str| commands.iter().position(|c| c.contains(needle)).unwrap();
    assert!(at("echo taken") < at("not-writable"));
    assert!(
        at("echo same") < at("mkdir -- \"$3.none\""),
        "looks before it swaps"
    );
    assert!(at("current.part") < at(RECORD_NEEDLE));
    assert!(at(RECORD_NEEDLE) < at("echo released"));
    assert_eq!(fake.count("publish-persona production aria_lumen run="), 9);
    assert_eq!(
        fake.count(
            "step=record outcome=done changed=true publish persona aria_lumen v2 by bob@desk"
        ),
        1
    );
}

#[test]
fn the_same_files_again_are_the_same_version_and_a_live_folder_already_them_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let files = aria(dir.path(), None);
    let fake = serving_v1();
    let sums: Vec<String> = files
        .files
        .iter()
        .map(|(name, _, sha)| format!("{sha}  {name}"))
        .collect();
    fake.on("sha256sum -- *.png", Reply::ok(sums.join("\n")));
    fake.on("echo same", Reply::ok("same\n"));
    let target = target();
    let (result, state) = run(&fake, persona::publish(&target, &files), &Cancel::new());
    result.expect("publishes");
    assert_eq!((state.version, state.new_version), (1, false));
    assert_eq!(fake.count("put "), 0, "nothing uploaded");
    assert_eq!(fake.count("mkdir -- \"$3.none\""), 0, "nothing swapped");
    assert_eq!(fake.count("step=swap outcome=done changed=false"), 1);
}

/// Each step's needle (`None`: a step this side does alone) and what a failure there puts
/// back, newest first.
const STEPS: [(&str, Option<&str>, &[&str]); 7] = [
    ("files", None, &[]),
    ("by_hand", Some("not-writable"), &[]),
    ("version", Some("ls -1 --"), &[]),
    (
        "upload",
        Some("put /opt/deskmate/shared/published/personas/aria_lumen/v2.part/aria_lumen_happy.png"),
        &["upload"],
    ),
    ("swap", Some("mkdir -- \"$3.none\""), &["swap", "upload"]),
    (
        "check",
        Some("GET /api/personas/?directory"),
        &["swap", "upload"],
    ),
    ("record", Some(RECORD_NEEDLE), &["record", "swap", "upload"]),
];

fn expected_state(undone: &[&str]) -> &'static str {
    if undone.is_empty() {
        "Nothing on the server was changed."
    } else {
        "What was changed has been put back: the server is as it was before."
    }
}

#[test]
fn a_failure_at_each_step_puts_back_the_folder_that_served_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let target = target();
    for (step, needle, undone) in STEPS {
        let fake = serving_v1();
        // The files' own check fails on a file DeskMate would not read.
        let files = aria(dir.path(), needle.is_none().then_some("notes.txt"));
        if let Some(needle) = needle {
            fake.on(needle, Reply::Lost);
        }
        let (result, _) = run(&fake, persona::publish(&target, &files), &Cancel::new());
        let stopped = result.expect_err("fails");
        assert_eq!(stopped.step, step);
        assert!(!stopped.cancelled(), "{step}");
        assert_eq!(stopped.undone, undone, "{step}");
        assert_eq!(stopped.state, expected_state(undone), "{step}");
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
fn a_cancel_at_each_step_puts_back_the_folder_that_served_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let files = aria(dir.path(), None);
    let target = target();
    for (step, needle, undone) in STEPS {
        let fake = serving_v1();
        let cancel = Cancel::new();
        match needle {
            Some(needle) => {
                fake.on(needle, Reply::Cancel(cancel.clone()));
            }
            // Cancelled before the first step: the runner starts none.
            None => cancel.cancel(),
        }
        let (result, _) = run(&fake, persona::publish(&target, &files), &cancel);
        let stopped = result.expect_err("cancelled");
        assert_eq!(stopped.step, step);
        assert!(stopped.cancelled(), "{step}: {}", stopped.error);
        assert_eq!(stopped.undone, undone, "{step}");
        assert_eq!(stopped.state, expected_state(undone), "{step}");
        assert_eq!(
            fake.count(&format!("step={step} outcome=cancelled")),
            1,
            "{step}"
        );
        assert_eq!(fake.count("echo released"), 1, "{step}");
        check_put_back(&fake, step);
    }
}

/// What a stop at `step` put back: the unserved version, the live folder, `current`.
fn check_put_back(fake: &RecordingFake, step: &str) {
    let later = |steps: &[&str]| steps.contains(&step);
    let removed = fake
        .commands()
        .iter()
        .any(|c| c.contains("found=none") && c.contains(&format!("{KEPT}/v2 yes")));
    assert_eq!(
        removed,
        later(&["upload", "swap", "check", "record"]),
        "{step}"
    );
    assert_eq!(
        fake.count("echo restored"),
        usize::from(later(&["swap", "check", "record"])),
        "{step}"
    );
    let current_back = fake
        .commands()
        .iter()
        .any(|c| c.contains("current.part") && c.ends_with(" 1"));
    assert_eq!(current_back, step == "record", "{step}");
}

#[test]
fn a_publish_while_another_holds_the_lock_is_refused_with_who_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = aria(dir.path(), None);
    let target = target();
    let fake = serving_v1();
    fake.on(
        "echo taken",
        Reply::ok("held\t60\tcarol@laptop\tupdate 1.3.0\tlaptop\t9\n"),
    );
    let (result, _) = run(&fake, persona::publish(&target, &files), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "release.locked");
    assert!(
        stopped
            .error
            .to_string()
            .contains("carol@laptop, for update 1.3.0")
    );
    assert_eq!(fake.count("not-writable"), 0, "no step ran");
    assert_eq!(
        fake.calls().len(),
        2,
        "the lock's refusal and its audit line only"
    );
    assert_eq!(fake.count("echo released"), 0);
}

#[test]
fn a_folder_the_account_cannot_change_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let files = aria(dir.path(), None);
    let target = target();
    let fake = serving_v1();
    fake.on("not-writable", Reply::ok("not-writable\n"));
    let (result, _) = run(&fake, persona::publish(&target, &files), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "publish.not_writable");
    assert_eq!(stopped.state, "Nothing on the server was changed.");
    assert_eq!(fake.count("put "), 0);
}

/// A server keeping versions 1 and 2 of Aria, 2 serving.
fn serving_v2() -> RecordingFake {
    let fake = serving_v1();
    fake.on(
        "ls -1 --",
        Reply::ok("v1\nv2\ncurrent\naria_lumen.png\naria_lumen_happy.png\n"),
    );
    fake.on("cat -- \"$1/current\"", Reply::ok("2\n"));
    fake.on(".card-name", Reply::ok("Aria Lumen\n"));
    fake
}

#[test]
fn a_rollback_swaps_the_version_before_back_in_and_records_it() {
    let target = target();
    let fake = serving_v2();
    let plan = persona::rollback(&target, "aria_lumen", None);
    let ids: Vec<&str> = plan.titles().iter().map(|s| s.id).collect();
    assert_eq!(ids, ["lock", "version", "swap", "check", "record"]);
    let (result, state) = run(&fake, plan, &Cancel::new());
    result.expect("rolls back");
    assert_eq!((state.version, state.new_version), (1, false));
    assert!(
        fake.commands()
            .iter()
            .any(|c| c.contains("mkdir -- \"$3.none\"") && c.contains(&format!("{KEPT}/v1 ")))
    );
    assert_eq!(fake.count("rollback persona aria_lumen v1 by bob@desk"), 1);
    assert_eq!(fake.count("rollback-persona production aria_lumen run="), 6);
}

#[test]
fn a_rollback_whose_check_fails_puts_the_folder_that_served_back() {
    let target = target();
    for (step, needle) in [
        ("swap", "mkdir -- \"$3.none\""),
        ("check", "GET /api/personas/Aria%20Lumen/expressions"),
        ("record", RECORD_NEEDLE),
    ] {
        let fake = serving_v2();
        fake.on(needle, Reply::Lost);
        let (result, _) = run(
            &fake,
            persona::rollback(&target, "aria_lumen", None),
            &Cancel::new(),
        );
        let stopped = result.expect_err("fails");
        assert_eq!(stopped.step, step);
        assert_eq!(fake.count("echo restored"), 1, "{step}");
        let current_back = fake
            .commands()
            .iter()
            .any(|c| c.contains("current.part") && c.ends_with(" 2"));
        assert_eq!(current_back, step == "record", "{step}");
    }
}

#[test]
fn a_rollback_to_a_version_not_kept_is_refused_and_changes_nothing() {
    let target = target();
    let fake = serving_v2();
    let (result, _) = run(
        &fake,
        persona::rollback(&target, "aria_lumen", Some(9)),
        &Cancel::new(),
    );
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "publish.no_older_version");
    assert_eq!(fake.count("$3.none"), 0);
    assert_eq!(stopped.state, "Nothing on the server was changed.");
}
