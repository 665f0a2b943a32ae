//! The offsite target through the recording fake: its order, a failure and a cancel at each
//! step putting the previous target's files back, no deploy lock, the audit lines, and no
//! key of the server or the store on a command line, in the audit or in an event.

use std::cell::RefCell;

use super::*;
use crate::cancel::Cancel;
use crate::ops::fake::{Call, RecordingFake, Reply};
use crate::ops::tests::server;
use crate::ops::{Event, Ran, Runner, Stopped};

const FOLDER: &str = "shared/env/offsite";
const PRIVATE_KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nkeycanary7f3a\n-----END OPENSSH PRIVATE KEY-----\n";
const S3_SECRET: &str = "s3-secret-canary-9c1e";
const OLD_TARGET: &str = "s3:https://store.example/bucket/old\n";

/// The read of one file of the offsite folder (and nothing else).
fn reading(name: &str) -> String {
    format!("echo absent' sh /opt/deskmate {FOLDER}/{name}")
}

/// A server whose stack has a previous S3 target, and an offsite host that answers.
fn ready() -> RecordingFake {
    let fake = server();
    fake.on("echo present", Reply::ok("absent\n"));
    fake.on(
        &reading("target"),
        Reply::ok(format!("present\n{OLD_TARGET}")),
    );
    fake.on(&reading("port"), Reply::ok("present\n0\n"));
    fake.on(
        &reading("s3.env"),
        Reply::ok("present\nAWS_ACCESS_KEY_ID='OLD'\n"),
    );
    fake.on(
        &reading("key"),
        Reply::ok(format!("present\n{PRIVATE_KEY}")),
    );
    // One hash per file asked about, for each set of files the steps write.
    let path = |name: &str| format!("/opt/deskmate/{FOLDER}/{name}");
    fake.on("sha256sum <", Reply::ok("-\n"));
    for names in [
        &["target", "port", "s3.env"][..],
        &["target", "port", "known_hosts", "key", "append-only"][..],
        &["target", "port", "key", "s3.env"][..],
    ] {
        let needle: Vec<String> = names.iter().map(|n| path(n)).collect();
        fake.on(&needle.join(" "), Reply::ok("-\n".repeat(names.len())));
    }
    fake.on(
        "ssh-keyscan",
        Reply::ok(
            "--public--\nssh-ed25519 AAAApub deskmate-backup@vps\n--hosts--\nSHA256:good\t[h]:2222 ssh-ed25519 AAAAhost\n",
        ),
    );
    fake.on("offsite/key\"", Reply::ok(PRIVATE_KEY));
    fake.on("deskmate-offsite", Reply::ok("offsite_repository\tmade\n"));
    fake
}

fn spec(target: Target) -> OffsiteSpec {
    OffsiteSpec {
        scope: Scope {
            dir: "/opt/deskmate".into(),
            environment: "production".into(),
            subject: "sftp".into(),
        },
        folder: FOLDER.into(),
        target,
        scripts: crate::ops::tests::backup_scripts(),
    }
}

fn sftp(fingerprint: Option<&str>) -> OffsiteSpec {
    spec(Target::Sftp {
        repository: "sftp:backup@h:/srv/offsite".into(),
        host: "h".into(),
        port: 2222,
        fingerprint: fingerprint.map(str::to_string),
    })
}

fn s3() -> OffsiteSpec {
    spec(Target::S3 {
        repository: "s3:https://store.example/bucket/new".into(),
        env: Secret::new(format!(
            "AWS_ACCESS_KEY_ID='AKIA1'\nAWS_SECRET_ACCESS_KEY='{S3_SECRET}'\n"
        )),
    })
}

fn set(
    fake: &RecordingFake,
    spec: &OffsiteSpec,
    cancel: &Cancel,
) -> (Result<Ran, Box<Stopped>>, Offsite, Vec<Event>) {
    let events = RefCell::new(Vec::new());
    let mut on_event = |e: &Event| events.borrow_mut().push(e.clone());
    let mut state = Offsite::default();
    let result =
        Runner::new(fake, cancel, "alice@laptop", &mut on_event).run(plan(spec), &mut state);
    (result, state, events.into_inner())
}

fn file(fake: &RecordingFake, name: &str) -> Option<String> {
    fake.file(&format!("/opt/deskmate/{FOLDER}/{name}"))
        .map(|b| String::from_utf8(b).unwrap())
}

fn ids(spec: &OffsiteSpec) -> Vec<&'static str> {
    plan(spec).titles().iter().map(|s| s.id).collect()
}

#[test]
fn each_request_has_its_steps_and_none_takes_the_deploy_lock() {
    assert_eq!(ids(&sftp(None)), ["probe"]);
    assert_eq!(
        ids(&sftp(Some("SHA256:good"))),
        ["probe", "pin", "scripts", "files", "init"]
    );
    assert_eq!(ids(&s3()), ["scripts", "files", "init"]);
    assert_eq!(ids(&spec(Target::Remove)), ["remove"]);
}

#[test]
fn an_sftp_target_is_pinned_written_and_proven_and_audited() {
    let fake = ready();
    let (result, state, _) = set(&fake, &sftp(Some("SHA256:good")), &Cancel::new());
    let ran = result.expect("set");
    let done: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
    assert_eq!(done, ["probe", "pin", "scripts", "files", "init"]);
    assert_eq!(
        file(&fake, "target").unwrap(),
        "sftp:backup@h:/srv/offsite\n"
    );
    assert_eq!(file(&fake, "port").unwrap(), "2222\n");
    assert_eq!(
        file(&fake, "known_hosts").unwrap(),
        "[h]:2222 ssh-ed25519 AAAAhost\n"
    );
    assert!(state.repository_created);
    assert_eq!(
        state.public_key.as_deref(),
        Some("ssh-ed25519 AAAApub deskmate-backup@vps")
    );
    assert_eq!(state.key.as_ref().map(Secret::expose), Some(PRIVATE_KEY));
    assert_eq!(fake.count(".lock/deploy"), 0, "no deploy lock");
    assert_eq!(fake.count("backup-target production sftp run="), 5);
    assert_eq!(
        fake.count("step=files outcome=done changed=true wrote target"),
        1
    );
    assert_eq!(fake.count("step=init outcome=done"), 1);
}

#[test]
fn without_a_fingerprint_only_the_host_is_asked_and_nothing_is_set() {
    let fake = ready();
    let (result, state, _) = set(&fake, &sftp(None), &Cancel::new());
    result.expect("asked");
    assert_eq!(state.host_keys.len(), 1);
    assert!(state.public_key.is_some());
    assert!(!fake.calls().iter().any(|c| matches!(c, Call::Put { .. })));
    assert_eq!(fake.count("deskmate-offsite"), 0);
}

#[test]
fn a_host_key_that_is_not_the_one_given_is_refused_before_anything_is_written() {
    let fake = ready();
    let (result, _, _) = set(&fake, &sftp(Some("SHA256:other")), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.step, "pin");
    assert_eq!(stopped.error.code(), "backup.host_key_mismatch");
    assert!(stopped.error.to_string().contains("SHA256:good"));
    assert!(!fake.calls().iter().any(|c| matches!(c, Call::Put { .. })));
    assert_eq!(stopped.state, "Nothing on the server was changed.");

    let fake = ready();
    fake.on(
        "ssh-keyscan",
        Reply::ok("--public--\nssh-ed25519 AAAApub x\n--hosts--\n"),
    );
    let (result, _, _) = set(&fake, &sftp(Some("SHA256:good")), &Cancel::new());
    let stopped = result.expect_err("unreachable");
    assert_eq!(
        (stopped.step, stopped.error.code()),
        ("probe", "backup.offsite_unreachable")
    );
}

/// The command each step sends that a test can break, by step.
const BREAK: [(&str, &str); 5] = [
    ("probe", "ssh-keyscan"),
    ("pin", "offsite/key\""),
    ("scripts", "sha256sum <"),
    ("files", "put /opt/deskmate/shared/env/offsite/known_hosts"),
    ("init", "deskmate-offsite"),
];

#[test]
fn a_failure_or_cancel_at_each_step_leaves_the_previous_target() {
    for (step, needle) in BREAK {
        for cancelled in [false, true] {
            let fake = ready();
            let cancel = Cancel::new();
            let reply = if cancelled {
                Reply::Cancel(cancel.clone())
            } else {
                Reply::Lost
            };
            fake.once(needle, reply);
            let (result, _, _) = set(&fake, &sftp(Some("SHA256:good")), &cancel);
            let stopped = result.expect_err(step);
            assert_eq!(stopped.step, step);
            assert_eq!(stopped.cancelled(), cancelled, "{step}");
            let wrote = ["files", "init"].contains(&step);
            assert_eq!(
                stopped.undone,
                if wrote { vec!["files"] } else { vec![] },
                "{step}"
            );
            if wrote {
                // The S3 target is back; the SFTP host key that was not there is gone.
                assert_eq!(file(&fake, "target").as_deref(), Some(OLD_TARGET), "{step}");
                assert_eq!(file(&fake, "port").as_deref(), Some("0\n"), "{step}");
                let removed = fake
                    .commands()
                    .into_iter()
                    .filter(|c| c.contains("rm -f --") && c.contains("offsite/known_hosts"))
                    .count();
                assert_eq!(removed, 1, "{step}");
                assert!(
                    stopped.state.contains("put back"),
                    "{step}: {}",
                    stopped.state
                );
                assert_eq!(fake.count("step=files outcome=undone changed=true"), 1);
            } else {
                assert!(!fake.calls().iter().any(|c| matches!(c, Call::Put { .. })));
            }
            let outcome = if cancelled { "cancelled" } else { "failed" };
            assert_eq!(
                fake.count(&format!("step={step} outcome={outcome}")),
                1,
                "{step}"
            );
            assert_eq!(fake.count(".lock/deploy"), 0);
        }
    }
}

#[test]
fn an_s3_target_that_cannot_be_reached_puts_the_previous_one_back() {
    let fake = ready();
    fake.on(
        "deskmate-offsite",
        Reply::fail(1, "error\tbackup.offsite_unreachable\tconnection refused\n"),
    );
    let (result, _, _) = set(&fake, &s3(), &Cancel::new());
    let stopped = result.expect_err("unreachable");
    assert_eq!(stopped.error.code(), "backup.offsite_unreachable");
    assert_eq!(stopped.undone, ["files"]);
    assert_eq!(file(&fake, "target").as_deref(), Some(OLD_TARGET));
    assert_eq!(
        file(&fake, "s3.env").as_deref(),
        Some("AWS_ACCESS_KEY_ID='OLD'\n")
    );
}

#[test]
fn removing_the_target_is_undone_by_putting_it_back() {
    let fake = ready();
    let (result, _, _) = set(&fake, &spec(Target::Remove), &Cancel::new());
    result.expect("removed");
    assert_eq!(fake.count("rm -f -- \"$1/$2/target\""), 1);
    assert_eq!(fake.count("step=remove outcome=done changed=true"), 1);

    let fake = ready();
    fake.once("rm -f -- \"$1/$2/target\"", Reply::Lost);
    let (result, _, _) = set(&fake, &spec(Target::Remove), &Cancel::new());
    let stopped = result.expect_err("fails");
    assert_eq!(stopped.undone, ["remove"]);
    assert_eq!(file(&fake, "target").as_deref(), Some(OLD_TARGET));

    let fake = ready();
    fake.on(
        "rm -f -- \"$1/$2/target\"",
        Reply::fail(1, "rm: cannot remove: Permission denied\n"),
    );
    let (result, _, _) = set(&fake, &spec(Target::Remove), &Cancel::new());
    let stopped = result.expect_err("refused");
    assert_eq!(stopped.error.code(), "backup.target_failed");
    assert!(stopped.error.to_string().contains("Permission denied"));
}

#[test]
fn no_key_reaches_a_command_line_an_audit_line_or_an_event() {
    for (spec, canary) in [
        (sftp(Some("SHA256:good")), "keycanary7f3a"),
        (s3(), S3_SECRET),
    ] {
        for fail in [false, true] {
            let fake = ready();
            if fail {
                fake.on("deskmate-offsite", Reply::Lost);
            }
            let (result, _, events) = set(&fake, &spec, &Cancel::new());
            assert_eq!(result.is_err(), fail);
            for command in fake.commands() {
                assert!(!command.contains(canary), "{canary} in `{command}`");
            }
            assert!(!format!("{events:?}").contains(canary));
        }
    }
    // The keys did reach the server, in files over the channel.
    let fake = ready();
    set(&fake, &s3(), &Cancel::new()).0.expect("set");
    assert!(file(&fake, "s3.env").unwrap().contains(S3_SECRET));
}

#[test]
fn a_folder_holds_the_target_and_port_and_only_what_else_is_said() {
    let files = folder_files("f", "sftp:x", 22, "", "KEY", "", true);
    let names: Vec<(&str, bool)> = files.iter().map(|f| (f.path.as_str(), f.secret)).collect();
    assert_eq!(
        names,
        [
            ("f/target", false),
            ("f/port", false),
            ("f/key", true),
            ("f/append-only", false)
        ]
    );
    let files = folder_files("f", "s3:x", 0, "", "", "A=1\n", false);
    assert_eq!(files[2].path, "f/s3.env");
    assert!(files[2].secret);
}
