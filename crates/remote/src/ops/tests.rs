//! The runner's rules, through the recording fake: order, a failure and a cancel at every
//! step, undo in reverse, the lock taken and let go by its holder only, the audit lines.

use std::cell::RefCell;

use super::fake::{RecordingFake, Reply};
use super::*;
use std::time::Duration;

use crate::cancel::Cancel;
use crate::error::RemoteError;
use crate::ops::install::{InstallSpec, ProxyProbe, WantedImage};

/// A fake whose lock is free and whose audit log takes every line.
pub(crate) fn server() -> RecordingFake {
    let fake = RecordingFake::new();
    fake.on("echo taken", Reply::ok("taken\n"));
    fake.on("echo released", Reply::ok("released\n"));
    fake
}

/// The backup scripts an operation puts before it runs them.
pub(crate) fn backup_scripts() -> Vec<crate::parts::stack_files::SpecFile> {
    vec![crate::parts::stack_files::SpecFile {
        path: "bin/deskmate-lib.sh".into(),
        contents: b"say() { :; }\n".to_vec(),
        secret: false,
    }]
}

pub(crate) fn scope() -> Scope {
    Scope {
        dir: "/opt/deskmate".into(),
        environment: "production".into(),
        subject: "1.2.0".into(),
    }
}

/// A one-service release of 1.0.0 in `/opt/deskmate`.
pub(crate) fn install_spec() -> InstallSpec {
    InstallSpec {
        dir: "/opt/deskmate".into(),
        version: "1.0.0".into(),
        project: "deskmate".into(),
        environment: "production".into(),
        files: vec![crate::parts::stack_files::SpecFile {
            path: "releases/1.0.0/compose.yaml".into(),
            contents: b"services: {}\n".to_vec(),
            secret: false,
        }],
        host_files: Vec::new(),
        host_root: String::new(),
        unit: "deskmate.service".into(),
        timers: Vec::new(),
        firewall: Vec::new(),
        images: vec![WantedImage {
            tag: "deskmate/backend:1.0.0".into(),
            id: "sha256:b1".into(),
        }],
        archives: Vec::new(),
        services: vec!["backend".into()],
        proxy: ProxyProbe {
            port: 8443,
            https: false,
            host: "localhost".into(),
        },
        health_timeout: Duration::from_secs(5),
    }
}

/// Runs shellcheck (POSIX sh) on every script the fake was sent (`sh -c SCRIPT sh ARGS…`, as
/// `exec::script` builds them), so each command an operation sends is checked as the
/// server's own scripts are. One shellcheck run for all of them.
pub(crate) fn shellcheck_sent(fake: &RecordingFake) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for command in fake.commands() {
        let Some(words) = shlex::split(&command) else {
            panic!("a command that does not split as shell words: {command}");
        };
        let [sh, dash_c, body, ..] = &words[..] else {
            continue;
        };
        if sh != "sh" || dash_c != "-c" || !seen.insert(body.clone()) {
            continue;
        }
        let path = dir.path().join(format!("{}.sh", files.len()));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        files.push(path);
    }
    assert!(!files.is_empty(), "no script was sent");
    let out = std::process::Command::new("shellcheck")
        .args(["-s", "sh", "-S", "warning"])
        .args(&files)
        .output()
        .expect("shellcheck runs (cargo xtask setup installs it)");
    if !out.status.success() {
        let mut report = String::from_utf8_lossy(&out.stdout).into_owned();
        for (i, path) in files.iter().enumerate() {
            report.push_str(&format!(
                "\n--- {i}.sh ---\n{}",
                std::fs::read_to_string(path).unwrap()
            ));
        }
        panic!("{report}");
    }
}

/// What the steps of a test plan did, in order.
#[derive(Default)]
struct Log(Vec<String>);

/// Three steps that each change something and know how to put it back; `fail` makes the
/// step of that index fail, `cancel_in` cancels during that step.
fn three<'a>(fail: Option<usize>, cancel_in: Option<(usize, &'a Cancel)>) -> Plan<'a, Log> {
    let mut plan = Plan::new("test", scope(), Guard::DeployLock);
    for (i, id) in ["one", "two", "three"].into_iter().enumerate() {
        plan = plan.step(
            Step::new(id, format!("Step {id}"), move |cx: &mut Cx<'_, Log>| {
                cx.state.0.push(format!("run {id}"));
                if let Some((at, cancel)) = cancel_in
                    && at == i
                {
                    cancel.cancel();
                    return Err(RemoteError::Cancelled);
                }
                if fail == Some(i) {
                    return Err(RemoteError::Protocol {
                        reason: format!("{id} broke"),
                    });
                }
                Ok(Did::changed(format!("{id} done")))
            })
            .undo(move |cx| {
                cx.state.0.push(format!("undo {id}"));
                Ok(Did::changed(format!("{id} put back")))
            }),
        );
    }
    plan
}

fn run<S>(
    fake: &RecordingFake,
    plan: Plan<'_, S>,
    state: &mut S,
    cancel: &Cancel,
) -> (Result<Ran, Box<Stopped>>, Vec<Event>) {
    let events = RefCell::new(Vec::new());
    let mut on_event = |e: &Event| events.borrow_mut().push(e.clone());
    let result = Runner::new(fake, cancel, "alice@laptop", &mut on_event).run(plan, state);
    (result, events.into_inner())
}

fn kinds(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Plan { .. } => "plan".into(),
            Event::Started { step, .. } => format!("start {step}"),
            Event::Finished { step, .. } => format!("finish {step}"),
            Event::Failed { step, .. } => format!("fail {step}"),
            Event::Undone { step, .. } => format!("undo {step}"),
            Event::Done { outcome, .. } => format!("done {outcome:?}"),
            Event::Progress { .. } | Event::Heartbeat { .. } | Event::Note { .. } => {
                "progress".into()
            }
        })
        .collect()
}

fn audit_lines(fake: &RecordingFake) -> Vec<String> {
    fake.commands()
        .into_iter()
        .filter(|c| c.contains("audit.log"))
        .collect()
}

#[test]
fn a_plan_runs_in_order_inside_the_lock_and_audits_each_step() {
    let fake = server();
    let mut log = Log::default();
    let (result, events) = run(&fake, three(None, None), &mut log, &Cancel::new());
    let ran = result.expect("runs");
    assert_eq!(log.0, ["run one", "run two", "run three"]);
    assert_eq!(
        kinds(&events),
        [
            "plan",
            "start lock",
            "finish lock",
            "start one",
            "finish one",
            "start two",
            "finish two",
            "start three",
            "finish three",
            "undo lock",
            "done Succeeded"
        ]
    );
    let Event::Plan { steps, .. } = &events[0] else {
        panic!("the plan comes first")
    };
    let ids: Vec<&str> = steps.iter().map(|s| s.id).collect();
    assert_eq!(ids, ["lock", "one", "two", "three"]);
    assert!(ran.changed());
    // One audit line per step, the lock's taking and letting go included.
    let audit = audit_lines(&fake);
    assert_eq!(audit.len(), 5);
    assert!(audit[1].contains("step=one outcome=done changed=true"));
    // The lock is let go with the token it was taken with, and only then.
    let commands = fake.commands();
    let take = commands
        .iter()
        .position(|c| c.contains("echo taken"))
        .unwrap();
    let release = commands
        .iter()
        .position(|c| c.contains("echo released"))
        .unwrap();
    assert!(take < release);
    let token = commands[take]
        .split(|c: char| c == '\'' || c.is_whitespace())
        .find(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .expect("the take names its token");
    assert!(commands[release].contains(token));
}

#[test]
fn a_failure_at_each_step_undoes_it_and_every_step_before_in_reverse() {
    for at in 0..3 {
        let fake = server();
        let mut log = Log::default();
        let (result, events) = run(&fake, three(Some(at), None), &mut log, &Cancel::new());
        let stopped = result.expect_err("fails");
        let ids = ["one", "two", "three"];
        assert_eq!(stopped.step, ids[at]);
        let mut expected: Vec<String> = ids[..=at].iter().map(|id| format!("run {id}")).collect();
        expected.extend(ids[..=at].iter().rev().map(|id| format!("undo {id}")));
        assert_eq!(log.0, expected, "failing at {at}");
        assert_eq!(stopped.undone.len(), at + 1);
        assert!(stopped.state.contains("put back"), "{}", stopped.state);
        assert_eq!(fake.count("echo released"), 1, "the lock is let go");
        assert!(matches!(
            events.last(),
            Some(Event::Done {
                outcome: Outcome::Failed,
                ..
            })
        ));
        let audit = audit_lines(&fake);
        assert!(
            audit
                .iter()
                .any(|l| l.contains(&format!("step={} outcome=failed", ids[at])))
        );
        assert_eq!(
            audit
                .iter()
                .filter(|l| l.contains("outcome=undone"))
                .count(),
            at + 2,
            "each undo and the lock's letting go"
        );
    }
}

#[test]
fn a_cancel_inside_each_step_undoes_what_ran_and_says_so() {
    for at in 0..3 {
        let fake = server();
        let cancel = Cancel::new();
        let mut log = Log::default();
        let (result, events) = run(&fake, three(None, Some((at, &cancel))), &mut log, &cancel);
        let stopped = result.expect_err("cancelled");
        assert!(stopped.cancelled());
        assert_eq!(stopped.error.code(), "ssh.cancelled");
        assert_eq!(
            log.0.iter().filter(|l| l.starts_with("undo")).count(),
            at + 1
        );
        assert_eq!(fake.count("echo released"), 1);
        assert!(matches!(
            events.last(),
            Some(Event::Done {
                outcome: Outcome::Cancelled,
                ..
            })
        ));
        assert!(
            audit_lines(&fake)
                .iter()
                .any(|l| l.contains("outcome=cancelled"))
        );
    }
}

#[test]
fn a_cancel_between_steps_starts_nothing_more() {
    let fake = server();
    let cancel = Cancel::new();
    let mut log = Log::default();
    let plan = Plan::new("test", scope(), Guard::DeployLock)
        .step(
            Step::new("one", "One", |cx: &mut Cx<'_, Log>| {
                cx.state.0.push("run one".into());
                cx.cancel.cancel();
                Ok(Did::changed("done"))
            })
            .undo(|cx| {
                cx.state.0.push("undo one".into());
                Ok(Did::changed("back"))
            }),
        )
        .step(Step::new("two", "Two", |cx: &mut Cx<'_, Log>| {
            cx.state.0.push("run two".into());
            Ok(Did::changed("done"))
        }));
    let (result, _) = run(&fake, plan, &mut log, &cancel);
    let stopped = result.expect_err("cancelled");
    assert_eq!(stopped.step, "two");
    assert_eq!(log.0, ["run one", "undo one"]);
}

#[test]
fn a_lock_held_by_another_change_refuses_before_anything_runs_and_is_left_alone() {
    let fake = server();
    fake.on(
        "echo taken",
        Reply::ok("held\t125\tbob@desktop\tupdate 1.3.0\tdesktop\t77\n"),
    );
    let mut log = Log::default();
    let (result, events) = run(&fake, three(None, None), &mut log, &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.step, "lock");
    assert_eq!(stopped.error.code(), "release.locked");
    let message = stopped.error.to_string();
    assert!(
        message.contains("bob@desktop, for update 1.3.0, since 2 min ago"),
        "{message}"
    );
    assert!(log.0.is_empty(), "no step ran");
    assert_eq!(
        fake.count("echo released"),
        0,
        "another's lock is never let go"
    );
    assert_eq!(stopped.state, "Nothing on the server was changed.");
    assert_eq!(
        kinds(&events),
        ["plan", "start lock", "fail lock", "done Failed"]
    );
}

#[test]
fn an_undo_that_fails_leaves_the_server_described_as_part_way() {
    let fake = server();
    let mut log = Log::default();
    let plan = Plan::new("test", scope(), Guard::DeployLock)
        .step(
            Step::new("switch", "Switch", |_: &mut Cx<'_, Log>| {
                Ok(Did::changed("now 2"))
            })
            .undo(|_| {
                Err(RemoteError::Protocol {
                    reason: "gone".into(),
                })
            }),
        )
        .step(Step::new("watch", "Watch", |_: &mut Cx<'_, Log>| {
            Err(RemoteError::Protocol {
                reason: "unhealthy".into(),
            })
        }));
    let (result, events) = run(&fake, plan, &mut log, &Cancel::new());
    let stopped = result.expect_err("fails");
    assert_eq!(stopped.not_undone.len(), 1);
    assert!(
        stopped.state.starts_with("The server is part-way"),
        "{}",
        stopped.state
    );
    assert!(stopped.state.contains("Switch"));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Undone {
            step: "switch",
            ok: false,
            ..
        }
    )));
    assert!(
        audit_lines(&fake)
            .iter()
            .any(|l| l.contains("step=switch outcome=undo_failed"))
    );
}

#[test]
fn a_read_only_plan_never_touches_the_lock() {
    let fake = server();
    let plan = Plan::new("look", scope(), Guard::ReadOnly).step(Step::new(
        "read",
        "Read",
        |_: &mut Cx<'_, ()>| Ok(Did::unchanged("read")),
    ));
    let (result, events) = run(&fake, plan, &mut (), &Cancel::new());
    let ran = result.expect("runs");
    assert!(!ran.changed());
    assert_eq!(fake.count(".lock/deploy"), 0);
    assert_eq!(
        kinds(&events),
        ["plan", "start read", "finish read", "done Succeeded"]
    );
}

#[test]
fn a_lost_connection_in_a_step_is_reported_with_that_step() {
    let fake = server();
    fake.on("docker load", Reply::Lost);
    let plan = Plan::new("test", scope(), Guard::DeployLock).step(Step::new(
        "images",
        "Images",
        |cx: &mut Cx<'_, ()>| {
            cx.remote.capture("docker load -i x", 1024)?;
            Ok(Did::changed("loaded"))
        },
    ));
    let (result, _) = run(&fake, plan, &mut (), &Cancel::new());
    let stopped = result.expect_err("lost");
    assert_eq!(stopped.step, "images");
    assert_eq!(stopped.error.code(), "ssh.protocol");
}

#[test]
fn heartbeats_are_spaced_and_progress_is_typed() {
    let fake = server();
    let plan = Plan::new("test", scope(), Guard::ReadOnly).step(Step::new(
        "dump",
        "Dump",
        |cx: &mut Cx<'_, ()>| {
            for i in 0..1000 {
                cx.heartbeat();
                if i % 500 == 0 {
                    cx.progress(i, Some(1000), Unit::Rows);
                }
            }
            Ok(Did::unchanged("dumped"))
        },
    ));
    let (_, events) = run(&fake, plan, &mut (), &Cancel::new());
    let beats = events
        .iter()
        .filter(|e| matches!(e, Event::Heartbeat { .. }))
        .count();
    assert!(
        beats <= 1,
        "a tight loop sends at most one heartbeat, sent {beats}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(
                e,
                Event::Progress {
                    unit: Unit::Rows,
                    ..
                }
            ))
            .count(),
        2
    );
}

#[test]
fn a_lock_the_caller_holds_is_used_and_left_to_the_caller() {
    let fake = server();
    let mut log = Log::default();
    let events = RefCell::new(Vec::new());
    let mut on_event = |e: &Event| events.borrow_mut().push(e.clone());
    Runner::new(&fake, &Cancel::new(), "alice@laptop", &mut on_event)
        .holding("00112233aabbccdd")
        .run(three(Some(1), None), &mut log)
        .expect_err("fails");
    let take = fake
        .commands()
        .into_iter()
        .find(|c| c.contains("echo taken"))
        .unwrap();
    assert!(take.contains("00112233aabbccdd"), "{take}");
    assert_eq!(fake.count("echo released"), 0, "the caller lets it go");
    assert_eq!(log.0, ["run one", "run two", "undo two", "undo one"]);
}
