//! A settings change through the recording fake: its order, a failure and a cancel at each
//! step with the undo each needs, the lock held and let go by its holder only, the audit
//! lines, and that no secret reaches a command line, an audit line or an event.

use std::cell::RefCell;
use std::time::Duration;

use super::*;
use crate::cancel::Cancel;
use crate::ops::fake::{RecordingFake, Reply};
use crate::ops::tests::{install_spec, server};
use crate::ops::{Event, Ran, Runner, Stopped};

const BACKEND: &str = "shared/env/backend.env";
const POSTGRES: &str = "shared/env/postgres.env";
const OLD_PASSWORD: &str = "OldPass0000";
const NEW_PASSWORD: &str = "CanaryNewPass0b7e4f19";
const API_KEY: &str = "sk-canary-0b7e4f19";

fn backend_text() -> String {
    format!(
        "SECRET_KEY=s1\nDATABASE_URL=postgresql://deskmate:{OLD_PASSWORD}@postgres:5432/deskmate\nLOG_LEVEL=info\n"
    )
}

fn postgres_text() -> String {
    format!("POSTGRES_USER=deskmate\nPOSTGRES_PASSWORD={OLD_PASSWORD}\n")
}

/// An installed, healthy stack whose lock is free.
fn installed() -> RecordingFake {
    let fake = server();
    fake.on(
        &format!(" {BACKEND}"),
        Reply::ok(format!("present\n{}", backend_text())),
    );
    fake.on(
        &format!(" {POSTGRES}"),
        Reply::ok(format!("present\n{}", postgres_text())),
    );
    // One hash per file asked about: one file, or both.
    fake.on("sha256sum <", Reply::ok("-\n"));
    fake.on(
        &format!("{BACKEND} /opt/deskmate/{POSTGRES}"),
        Reply::ok("-\n-\n"),
    );
    fake.on(
        "docker ps -a --filter",
        Reply::ok("c1\tbackend\trunning\tUp 3 seconds (healthy)\t1.0.0\n"),
    );
    fake.on("echo running", Reply::ok("done\n"));
    fake.on("GET /api/health", Reply::ok(r#"{"status":"healthy"}"#));
    fake
}

/// A simple `KEY=VALUE` editor, as the stack's `config::set_line`.
fn set_line(text: &str, key: &str, value: &str) -> String {
    let mut found = false;
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| match l.split_once('=') {
            Some((k, _)) if k == key => {
                found = true;
                format!("{key}={value}")
            }
            _ => l.to_string(),
        })
        .collect();
    if !found {
        lines.push(format!("{key}={value}"));
    }
    lines.join("\n") + "\n"
}

fn spec(verb: &'static str, key: &str, edits: Vec<EnvEdit>, database: bool) -> SettingsSpec {
    let mut running = install_spec();
    running.health_timeout = Duration::from_millis(50);
    SettingsSpec {
        scope: Scope {
            dir: "/opt/deskmate".into(),
            environment: "production".into(),
            subject: key.into(),
        },
        verb,
        key: key.into(),
        files: vec![BACKEND.into(), POSTGRES.into()],
        edits,
        set_line,
        database: database.then(|| DatabasePassword {
            new: Secret::new(NEW_PASSWORD),
            file: POSTGRES.into(),
            key: "POSTGRES_PASSWORD".into(),
        }),
        services: if database {
            vec!["postgres".into(), "backend".into()]
        } else {
            vec!["backend".into()]
        },
        running,
        compose: Compose::V2,
        proxy_wait: Duration::from_millis(10),
    }
}

fn edit(file: &str, key: &str, value: &str, secret: bool) -> EnvEdit {
    EnvEdit {
        file: file.into(),
        key: key.into(),
        value: Secret::new(value),
        secret,
    }
}

fn log_level() -> SettingsSpec {
    spec(
        "set",
        "LOG_LEVEL",
        vec![edit(BACKEND, "LOG_LEVEL", "debug", false)],
        false,
    )
}

fn api_key() -> SettingsSpec {
    spec(
        "set",
        "OPENAI_API_KEY",
        vec![edit(BACKEND, "OPENAI_API_KEY", API_KEY, true)],
        false,
    )
}

fn rotation() -> SettingsSpec {
    spec(
        "rotate",
        "POSTGRES_PASSWORD",
        vec![
            edit(POSTGRES, "POSTGRES_PASSWORD", NEW_PASSWORD, true),
            edit(
                BACKEND,
                "DATABASE_URL",
                &format!("postgresql://deskmate:{NEW_PASSWORD}@postgres:5432/deskmate"),
                true,
            ),
        ],
        true,
    )
}

fn change(
    fake: &RecordingFake,
    spec: &SettingsSpec,
    cancel: &Cancel,
) -> (Result<Ran, Box<Stopped>>, Vec<Event>) {
    let events = RefCell::new(Vec::new());
    let mut on_event = |e: &Event| events.borrow_mut().push(e.clone());
    let result = Runner::new(fake, cancel, "alice@laptop", &mut on_event)
        .run(plan(spec), &mut Changing::default());
    (result, events.into_inner())
}

fn text(fake: &RecordingFake, path: &str) -> String {
    String::from_utf8(
        fake.file(&format!("/opt/deskmate/{path}"))
            .unwrap_or_default(),
    )
    .unwrap()
}

#[test]
fn the_plan_reads_sets_the_database_writes_recreates_and_checks_in_that_order() {
    let titles = |spec: &SettingsSpec| -> Vec<&'static str> {
        plan(spec).titles().iter().map(|s| s.id).collect()
    };
    assert_eq!(
        titles(&rotation()),
        ["lock", "read", "database", "files", "restart", "proxy"]
    );
    assert_eq!(
        titles(&log_level()),
        ["lock", "read", "files", "restart", "proxy"]
    );
    let rotation = rotation();
    let plan = plan(&rotation);
    let words: Vec<String> = plan.titles().into_iter().map(|s| s.title).collect();
    assert!(
        words[4].contains("POSTGRES_PASSWORD (postgres, backend)"),
        "{words:?}"
    );
}

#[test]
fn a_setting_is_written_whole_recreated_and_checked_inside_the_lock() {
    let fake = installed();
    let (result, _) = change(&fake, &log_level(), &Cancel::new());
    let ran = result.expect("changes");
    let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
    assert_eq!(ids, ["lock", "read", "files", "restart", "proxy"]);
    assert_eq!(
        text(&fake, BACKEND),
        backend_text().replace("LOG_LEVEL=info", "LOG_LEVEL=debug")
    );
    assert!(
        fake.file(&format!("/opt/deskmate/{POSTGRES}")).is_none(),
        "unchanged"
    );
    assert_eq!(fake.count("psql"), 0);
    let commands = fake.commands();
    let at = |needle: &str| commands.iter().position(|c| c.contains(needle)).unwrap();
    assert!(at("echo taken") < at(&format!(" {BACKEND}")));
    assert!(at("up -d --remove-orphans") < at("echo released"));
    // The audit: each step, and a setting that is not a secret with its value.
    assert_eq!(fake.count("config production LOG_LEVEL run="), 6);
    assert_eq!(
        fake.count("step=files outcome=done changed=true config set LOG_LEVEL=debug"),
        1
    );
    assert_eq!(fake.count("step=restart outcome=done changed=true"), 1);
}

#[test]
fn a_database_password_is_rotated_in_the_database_first_then_in_both_files() {
    let fake = installed();
    let (result, _) = change(&fake, &rotation(), &Cancel::new());
    result.expect("rotates");
    assert_eq!(fake.count("psql"), 1);
    let sent = fake.stdin("psql");
    assert_eq!(
        sent,
        [format!(
            "ALTER USER deskmate WITH PASSWORD '{NEW_PASSWORD}';\n"
        )]
    );
    assert!(text(&fake, POSTGRES).contains(&format!("POSTGRES_PASSWORD={NEW_PASSWORD}")));
    assert!(text(&fake, BACKEND).contains(&format!(":{NEW_PASSWORD}@postgres")));
    let commands = fake.commands();
    let psql = commands.iter().position(|c| c.contains("psql")).unwrap();
    let calls = fake.calls();
    let first_put = calls
        .iter()
        .position(|c| matches!(c, crate::ops::fake::Call::Put { .. }))
        .unwrap();
    let psql_call = calls
        .iter()
        .position(|c| matches!(c, crate::ops::fake::Call::Exec(e) if e == &commands[psql]))
        .unwrap();
    assert!(psql_call < first_put, "the database first");
}

/// The command each step sends that a test can break, by step.
const BREAK: [(&str, &str); 5] = [
    ("read", " shared/env/backend.env"),
    ("database", "psql"),
    ("files", "put /opt/deskmate/shared/env/postgres.env"),
    ("restart", "up -d --remove-orphans"),
    ("proxy", "GET /api/health"),
];

/// What each stop must have put back (the steps, newest first).
fn undone_at(step: &str) -> Vec<&'static str> {
    match step {
        "read" => vec![],
        "database" => vec!["database"],
        "files" => vec!["files", "database"],
        _ => vec!["restart", "files", "database"],
    }
}

fn assert_as_before(fake: &RecordingFake, step: &str, stopped: &Stopped) {
    assert_eq!(stopped.step, step);
    assert_eq!(stopped.undone, undone_at(step), "{step}");
    assert!(
        stopped.not_undone.is_empty(),
        "{step}: {:?}",
        stopped.not_undone
    );
    if step == "read" {
        assert_eq!(stopped.state, "Nothing on the server was changed.");
    } else {
        assert_eq!(
            stopped.state, "What was changed has been put back: the server is as it was before.",
            "{step}"
        );
    }
    // Whatever was written is the old text again, and the old password in the database.
    for (path, old) in [(BACKEND, backend_text()), (POSTGRES, postgres_text())] {
        if let Some(now) = fake.file(&format!("/opt/deskmate/{path}")) {
            assert_eq!(String::from_utf8(now).unwrap(), old, "{step}: {path}");
        }
    }
    let sent = fake.stdin("psql");
    if step != "read" {
        assert!(
            sent.last().unwrap().contains(OLD_PASSWORD),
            "{step}: {sent:?}"
        );
    }
    // What serves was recreated with the old files once the new ones had been, and only
    // once the old password was back in the database.
    let recreated = fake.count("up -d --remove-orphans");
    assert_eq!(
        recreated,
        if ["restart", "proxy"].contains(&step) {
            2
        } else {
            0
        },
        "{step}"
    );
    if recreated == 2 {
        let commands = fake.commands();
        let last_psql = commands.iter().rposition(|c| c.contains("psql")).unwrap();
        let last_up = commands
            .iter()
            .rposition(|c| c.contains("up -d --remove-orphans"))
            .unwrap();
        assert!(last_psql < last_up, "{step}: the password back first");
        let calls = fake.calls();
        let ups: Vec<usize> = (0..calls.len())
            .filter(|&i| {
                matches!(&calls[i], crate::ops::fake::Call::Exec(e) if e.contains("up -d --remove-orphans"))
            })
            .collect();
        assert!(
            calls[ups[0]..ups[1]]
                .iter()
                .any(|c| matches!(c, crate::ops::fake::Call::Put { .. })),
            "{step}: the old files back first"
        );
    }
    assert_eq!(fake.count("echo released"), 1, "{step}: the lock is let go");
}

#[test]
fn a_failure_at_each_step_puts_the_old_setting_back_and_serving() {
    for (step, needle) in BREAK {
        let fake = installed();
        if step == "proxy" {
            // The proxy never answers healthy until the old setting is back.
            fake.once(needle, Reply::ok(r#"{"status":"starting"}"#));
            fake.once(needle, Reply::ok(r#"{"status":"starting"}"#));
        } else {
            fake.once(needle, Reply::Lost);
        }
        let (result, events) = change(&fake, &rotation(), &Cancel::new());
        let stopped = result.expect_err(step);
        assert!(!stopped.cancelled());
        assert_as_before(&fake, step, &stopped);
        assert_eq!(
            fake.count(&format!("step={step} outcome=failed")),
            1,
            "{step}"
        );
        for undone in undone_at(step) {
            assert_eq!(
                fake.count(&format!("step={undone} outcome=undone changed=true")),
                1,
                "{step}: {undone}"
            );
        }
        assert!(matches!(
            events.last(),
            Some(Event::Done {
                outcome: crate::ops::Outcome::Failed,
                ..
            })
        ));
    }
}

#[test]
fn a_cancel_at_each_step_puts_the_old_setting_back_and_serving() {
    for (step, needle) in BREAK {
        let fake = installed();
        let cancel = Cancel::new();
        fake.once(needle, Reply::Cancel(cancel.clone()));
        let (result, _) = change(&fake, &rotation(), &cancel);
        let stopped = result.expect_err(step);
        assert!(stopped.cancelled(), "{step}: {:?}", stopped.error);
        assert_as_before(&fake, step, &stopped);
        assert_eq!(fake.count("outcome=cancelled"), 1, "{step}");
    }
}

#[test]
fn an_unhealthy_stack_with_the_new_value_is_said_plainly() {
    let fake = installed();
    fake.once(
        "docker ps -a --filter",
        Reply::ok("c1\tbackend\texited\tExited (1)\t1.0.0\n"),
    );
    fake.once("echo running", Reply::ok("failed\nbackend exited\n"));
    let (result, _) = change(&fake, &log_level(), &Cancel::new());
    let stopped = result.expect_err("unhealthy");
    assert_eq!(stopped.error.code(), "config.unhealthy");
    assert!(stopped.error.to_string().contains("With the new LOG_LEVEL"));
    assert_eq!(stopped.undone, ["restart", "files"]);
    assert_eq!(text(&fake, BACKEND), backend_text());
}

#[test]
fn a_stack_without_its_settings_files_is_refused_before_anything_changes() {
    let fake = installed();
    fake.on(&format!(" {POSTGRES}"), Reply::ok("absent\n"));
    let (result, _) = change(&fake, &rotation(), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "config.not_installed");
    assert_eq!(fake.count("psql"), 0);
    assert!(
        fake.calls()
            .iter()
            .all(|c| !matches!(c, crate::ops::fake::Call::Put { .. }))
    );
}

#[test]
fn a_change_during_an_update_is_refused_with_who_holds_the_lock_and_that_lock_is_left() {
    let fake = installed();
    fake.on(
        "echo taken",
        Reply::ok("held\t30\tbob@desktop\tupdate 1.3.0\tdesktop\t9\n"),
    );
    let (result, _) = change(&fake, &rotation(), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "release.locked");
    assert!(
        stopped
            .error
            .to_string()
            .contains("bob@desktop, for update 1.3.0")
    );
    assert_eq!(fake.count(&format!(" {BACKEND}")), 0, "nothing read");
    assert_eq!(fake.count("psql"), 0);
    assert_eq!(
        fake.count("echo released"),
        0,
        "another's lock is never let go"
    );
}

#[test]
fn the_lock_is_let_go_with_the_token_it_was_taken_with() {
    let fake = installed();
    change(&fake, &log_level(), &Cancel::new())
        .0
        .expect("changes");
    let commands = fake.commands();
    let take = commands.iter().find(|c| c.contains("echo taken")).unwrap();
    let release = commands
        .iter()
        .find(|c| c.contains("echo released"))
        .unwrap();
    let token = take
        .split(|c: char| c == '\'' || c.is_whitespace())
        .find(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .expect("the take names its token");
    assert!(release.contains(token));
    assert!(
        take.contains("config LOG_LEVEL"),
        "the lock says what holds it: {take}"
    );
}

#[test]
fn no_secret_reaches_a_command_line_an_audit_line_or_an_event() {
    for (spec, canaries) in [
        (api_key(), vec![API_KEY]),
        (rotation(), vec![NEW_PASSWORD, OLD_PASSWORD]),
    ] {
        // Once through, once failing at the end (every undo runs).
        for fail in [false, true] {
            let fake = installed();
            if fail {
                fake.once("GET /api/health", Reply::ok(r#"{"status":"starting"}"#));
                fake.once("GET /api/health", Reply::ok(r#"{"status":"starting"}"#));
                fake.once(
                    "psql",
                    Reply::fail(1, format!("LINE 1: ... PASSWORD '{NEW_PASSWORD}'")),
                );
            }
            let (result, events) = change(&fake, &spec, &Cancel::new());
            let said = match &result {
                Ok(ran) => format!("{:?}", ran.steps),
                Err(stopped) => format!("{stopped} {:?}", stopped.done),
            };
            let events = format!("{events:?}");
            for canary in &canaries {
                for command in fake.commands() {
                    assert!(!command.contains(canary), "{canary} in `{command}`");
                }
                assert!(!events.contains(canary), "{canary} in the events");
                assert!(!said.contains(canary), "{canary} in the report");
            }
            assert!(
                fake.count("(a secret)") >= 1 || fail,
                "the audit names the key"
            );
        }
        // The value did reach the server: in a file, over the channel.
        let fake = installed();
        change(&fake, &spec, &Cancel::new()).0.expect("changes");
        assert!(text(&fake, BACKEND).contains(canaries[0]));
    }
}
