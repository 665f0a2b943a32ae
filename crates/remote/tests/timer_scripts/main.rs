//! The server's own timers, run for real: the shipped `deskmate-backup` and
//! `deskmate-maintain` with `--timer`, in a temporary stack folder, with `docker` and `restic`
//! stood in for on PATH (no engine needed). What they leave is read back with the app's own
//! code: the deploy lock with `ops::lock` (through a `Remote` that runs commands here) and the
//! audit log with `ops::audit::parse`, as `release audit` reads it.

mod server;

use std::io::Write;
use std::process::{Command, Stdio};

use deskmate_remote::ops::audit::StepOutcome;
use deskmate_remote::ops::lock::{self, Released};
use server::{DOCKER, Here, Server, one_run, steps};

#[test]
fn a_timer_maintenance_takes_the_deploy_lock_audits_each_step_and_lets_go() {
    let server = Server::new("deskmate");
    let (status, out, err) = server.run("bin/deskmate-maintain", &["--timer"]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.contains("step\tdatabase\t4000\t3000\t"), "{out}");
    // Every docker call of the run was made inside the lock; the lock is gone after.
    let calls = server.calls();
    assert!(calls.contains("VACUUM"), "{calls}");
    assert!(calls.lines().all(|l| l.starts_with("locked\t")), "{calls}");
    assert!(!server.lock().exists());

    let lines = server.audit();
    one_run(&lines, "maintain", "production");
    use StepOutcome::{Done, Undone};
    assert_eq!(
        steps(&lines),
        [
            ("lock", Done),
            ("database", Done),
            ("images", Done),
            ("cache", Done),
            ("records", Done),
            ("maintain", Done),
            ("lock", Undone),
        ]
    );
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(
        lines[0].detail,
        format!("held by maintain timer on {}", host.trim())
    );
    assert!(lines[1].changed, "the database shrank");
    assert_eq!(lines[5].detail, "freed 1000 bytes; 0 step(s) failed");
    assert!(lines[5].changed);
    assert_eq!(lines[6].detail, "let go");
}

#[test]
fn maintenance_run_by_the_app_takes_no_lock_and_writes_no_audit_as_before() {
    // The app's runner holds the lock and writes the audit itself.
    let server = Server::new("deskmate");
    let (status, out, err) = server.run("bin/deskmate-maintain", &[]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(server.calls().lines().all(|l| l.starts_with("free\t")));
    assert!(server.audit().is_empty());
    assert!(!server.stack.join(".lock").exists());
    let (status, _, err) = server.run("bin/deskmate-maintain", &["--plan", "--timer"]);
    assert_eq!(status, 1);
    assert!(err.starts_with("error\tmaintain.bad_option\t"), "{err}");
}

#[test]
fn a_timer_run_while_the_app_holds_the_lock_skips_and_leaves_the_lock_alone() {
    let server = Server::new("deskmate");
    let dir = server.dir();
    lock::take(&Here, &dir, "feedc0de", "alice@laptop", "update 1.2.0").unwrap();
    let owner = std::fs::read(server.lock().join("owner")).unwrap();

    for (script, args, operation) in [
        ("bin/deskmate-maintain", &["--timer"][..], "maintain"),
        (
            "bin/deskmate-backup",
            &["--verify", "--timer"][..],
            "backup",
        ),
    ] {
        let (status, out, err) = server.run(script, args);
        assert_eq!(status, 0, "a skipped run is no failure: {out}{err}");
        assert!(
            out.starts_with("skipped\talice@laptop holds the deploy lock for update 1.2.0, since "),
            "{out}"
        );
        let lines = server.audit();
        let last = lines.last().unwrap();
        assert_eq!(last.operation, operation);
        assert_eq!(
            (last.step.as_str(), last.outcome),
            ("lock", StepOutcome::Cancelled)
        );
        assert!(
            last.detail
                .starts_with("skipped: alice@laptop holds the deploy lock for update 1.2.0"),
            "{last:?}"
        );
        assert!(!last.changed);
    }
    assert_eq!(server.audit().len(), 2, "one line per skipped run");
    assert_eq!(server.calls(), "", "nothing ran");
    assert_eq!(std::fs::read(server.lock().join("owner")).unwrap(), owner);
    let holder = lock::holder(&Here, &dir).unwrap().unwrap();
    assert_eq!(
        (holder.who.as_str(), holder.action.as_str()),
        ("alice@laptop", "update 1.2.0")
    );
    assert_eq!(
        lock::release(&Here, &dir, "feedc0de").unwrap(),
        Released::Released
    );
}

#[test]
fn a_lock_left_behind_long_ago_is_not_broken_by_a_timer() {
    let server = Server::new("deskmate");
    let dir = server.dir();
    lock::take(&Here, &dir, "0badc0de", "bob@old-laptop", "rollback").unwrap();
    // Taken three days ago, by a computer that closed midway.
    let then = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3 * 86_400;
    std::fs::write(
        server.lock().join("holder"),
        format!("{then}\tbob@old-laptop\n"),
    )
    .unwrap();
    let (status, out, _) = server.run("bin/deskmate-maintain", &["--timer"]);
    assert_eq!(status, 0);
    assert!(out.contains("since 3 days"), "{out}");
    assert!(out.contains("clear the lock in DeskMate Studio"), "{out}");
    let holder = lock::holder(&Here, &dir).unwrap().unwrap();
    assert_eq!(holder.who, "bob@old-laptop");
    assert!(holder.seconds >= 3 * 86_400);
    assert_eq!(server.calls(), "");
}

#[test]
fn the_app_reads_a_timer_s_lock_is_refused_by_it_and_cannot_let_it_go() {
    let server = Server::new("deskmate");
    let dir = server.dir();
    // The library's take, held by a bash that waits for its stdin to close.
    let mut held = Command::new("bash")
        .arg("-c")
        .arg(
            r#"set -euo pipefail; stack=$1; area=maintain; . "$stack/bin/deskmate-lib"
take_deploy_lock "maintain timer on vps1" "scheduled maintenance"; echo taken; cat > /dev/null"#,
        )
        .arg("bash")
        .arg(&server.stack)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = [0u8; 6];
    std::io::Read::read_exact(held.stdout.as_mut().unwrap(), &mut said).unwrap();
    assert_eq!(&said, b"taken\n");

    let holder = lock::holder(&Here, &dir).unwrap().expect("a holder");
    assert_eq!(holder.who, "maintain timer on vps1");
    assert_eq!(holder.action, "scheduled maintenance");
    assert_eq!(holder.pid, held.id());
    assert!(!holder.host.is_empty() && holder.seconds < 60);
    let owner = std::fs::read_to_string(server.lock().join("owner")).unwrap();
    let token = owner.split('\t').next().unwrap();
    assert!(
        token.len() == 16 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{owner}"
    );

    let refused = lock::take(&Here, &dir, "feedc0de", "alice@laptop", "update 1.2.0")
        .expect_err("refused while the timer holds it");
    assert_eq!(refused.code(), "release.locked");
    assert!(
        refused
            .to_string()
            .contains("maintain timer on vps1, for scheduled maintenance, since"),
        "{refused}"
    );
    assert!(matches!(
        lock::release(&Here, &dir, "feedc0de").unwrap(),
        Released::HeldByOther(Some(_))
    ));
    assert!(server.lock().exists(), "only its holder lets it go");

    held.stdin.take().unwrap().write_all(b"").unwrap();
    assert!(held.wait().unwrap().success());
    assert!(!server.lock().exists(), "let go on exit");
}

#[test]
fn a_timer_s_exit_hook_leaves_a_lock_taken_since_by_someone_else() {
    let server = Server::new("deskmate");
    let dir = server.dir();
    // The owner clears the timer's lock midway (it asked first), and an update takes it.
    server.stub(
        "docker",
        &DOCKER.replace(
            "exec*VACUUM*)",
            "exec*VACUUM*) rm -rf \"$STACK/.lock/deploy\"; mkdir \"$STACK/.lock/deploy\"; \
             printf 'feedc0de\\tlaptop\\t1\\n' > \"$STACK/.lock/deploy/owner\";",
        ),
    );
    let (status, out, err) = server.run("bin/deskmate-maintain", &["--timer"]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(server.lock().exists(), "the update's lock stays");
    assert_eq!(
        std::fs::read_to_string(server.lock().join("owner")).unwrap(),
        "feedc0de\tlaptop\t1\n"
    );
    let last = server.audit().pop().unwrap();
    assert_eq!(
        (last.step.as_str(), last.outcome),
        ("lock", StepOutcome::Undone)
    );
    assert!(last.detail.starts_with("left alone"), "{last:?}");
    lock::clear(&Here, &dir).unwrap();
}

const VERIFY_PASSES: &str = "#!/bin/bash\n\
    [ -d \"$1/.lock/deploy\" ] && echo held > \"$STUBS/verify-saw-lock\"\n\
    printf 'database\\t3 tables, row counts equal\\nforgotten\\t2\\nresult\\tverified\\n'\n";

const VERIFY_FAILS: &str = "#!/bin/bash\n\
    printf 'error\\tbackup.verify_failed\\tpg_restore refused the dump: password=hunter2\\n' >&2\n\
    exit 1\n";

#[test]
fn a_timer_backup_audits_the_backup_and_its_trial_restore_inside_the_lock() {
    let server = Server::new("deskmate");
    server.script(deskmate_stack::backup::VERIFY_SCRIPT, VERIFY_PASSES);
    let (status, out, err) = server.run("bin/deskmate-backup", &["--verify", "--timer"]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(
        out.contains("snapshot\t0123456789abcdef\n") && out.contains("\n--verify--\ndatabase\t"),
        "{out}"
    );
    assert!(out.contains("result\tverified"), "{out}");
    assert!(
        server.stubs.join("verify-saw-lock").exists(),
        "the trial restore ran inside the lock"
    );
    let calls = server.calls();
    assert!(calls.lines().all(|l| l.starts_with("locked\t")), "{calls}");
    assert!(!server.lock().exists());
    assert!(!server.stack.join("backups/timer-verify.out").exists());

    let lines = server.audit();
    one_run(&lines, "backup", "production");
    use StepOutcome::{Done, Undone};
    assert_eq!(
        steps(&lines),
        [
            ("lock", Done),
            ("backup", Done),
            ("verify", Done),
            ("lock", Undone)
        ]
    );
    assert_eq!(lines[1].detail, "backup 0123456789abcdef of 1.0.0");
    assert!(lines[1].changed);
    assert_eq!(
        lines[2].detail,
        "backup 0123456789abcdef restores whole; 2 older backup(s) forgotten"
    );
    assert!(lines[2].changed, "retention forgot two");
}

#[test]
fn a_failed_trial_restore_is_audited_by_its_code_alone_and_the_lock_let_go() {
    let server = Server::new("deskmate");
    server.script(deskmate_stack::backup::VERIFY_SCRIPT, VERIFY_FAILS);
    let (status, out, err) = server.run("bin/deskmate-backup", &["--verify", "--timer"]);
    assert_eq!(status, 1, "{out}");
    assert!(
        err.contains("error\tbackup.verify_failed\t"),
        "the journal keeps the words: {err}"
    );
    assert!(!server.lock().exists());
    let lines = server.audit();
    use StepOutcome::{Done, Failed, Undone};
    assert_eq!(
        steps(&lines),
        [
            ("lock", Done),
            ("backup", Done),
            ("verify", Failed),
            ("lock", Undone)
        ]
    );
    assert!(
        lines[2].detail.starts_with("backup.verify_failed: "),
        "{:?}",
        lines[2]
    );
    let text = std::fs::read_to_string(server.stack.join("log/audit.log")).unwrap();
    assert!(
        !text.contains("hunter2"),
        "a script's words never reach the log"
    );
}

#[test]
fn a_timer_backup_that_cannot_start_is_audited_as_failed_in_its_environment() {
    // A staging stack lives in BASE-staging; nothing is installed in it yet.
    let server = Server::new("deskmate-staging");
    std::fs::remove_file(server.stack.join("current")).unwrap();
    let (status, _, err) = server.run("bin/deskmate-backup", &["--verify", "--timer"]);
    assert_eq!(status, 1);
    assert!(err.starts_with("error\tbackup.not_installed\t"), "{err}");
    assert!(!server.lock().exists());
    let lines = server.audit();
    one_run(&lines, "backup", "staging");
    use StepOutcome::{Done, Failed, Undone};
    assert_eq!(
        steps(&lines),
        [("lock", Done), ("backup", Failed), ("lock", Undone)]
    );
    assert!(lines[1].detail.starts_with("backup.not_installed: "));
}

#[test]
fn a_backup_run_by_the_app_never_touches_the_deploy_lock() {
    // An update backs up first while it holds the lock: the backup must not wait for it.
    let server = Server::new("deskmate");
    let dir = server.dir();
    lock::take(&Here, &dir, "feedc0de", "alice@laptop", "update 1.2.0").unwrap();
    let (status, out, err) = server.run("bin/deskmate-backup", &[""]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.ends_with("result\tok\n"), "{out}");
    assert!(
        server.audit().is_empty(),
        "the app's runner audits its own runs"
    );
    assert_eq!(
        lock::release(&Here, &dir, "feedc0de").unwrap(),
        Released::Released
    );
}

#[test]
fn a_timer_run_stopped_midway_is_audited_as_cancelled_and_lets_go() {
    let server = Server::new("deskmate");
    // The database step works until the test has stopped the run (systemctl stop).
    server.stub(
        "docker",
        &DOCKER.replace(
            "exec*VACUUM*)",
            "exec*VACUUM*) touch \"$STUBS/working\"; \
             for _ in $(seq 100); do [ -e \"$STUBS/go\" ] && break; sleep 0.1; done;",
        ),
    );
    let mut child = server
        .command("bin/deskmate-maintain", &["--timer"])
        .spawn()
        .unwrap();
    let working = server.stubs.join("working");
    for _ in 0..100 {
        if working.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(working.exists() && server.lock().exists());
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::fs::write(server.stubs.join("go"), "").unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(143));
    assert!(!server.lock().exists());
    let lines = server.audit();
    use StepOutcome::{Cancelled, Done, Undone};
    assert_eq!(
        steps(&lines),
        [("lock", Done), ("maintain", Cancelled), ("lock", Undone)]
    );
    assert_eq!(lines[1].detail, "stopped by a signal (exit 143)");
}

#[test]
fn maintenance_keeps_the_last_release_that_served_not_a_newer_one_that_never_did() {
    // 1.0.0 served, then 1.1.0 (current); 1.2.0-broken is the newest folder but failed its
    // update and never served. Its images go; 1.0.0's (the way back) stay.
    let server = Server::new("deskmate");
    for (version, age) in [("1.0.0", 3), ("1.1.0", 2), ("1.2.0-broken", 1)] {
        let folder = server.stack.join("releases").join(version);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(".env"), "COMPOSE_PROJECT_NAME=deskmate\n").unwrap();
        std::fs::write(
            folder.join("release.json"),
            format!(r#"{{"images": [{{"image": "deskmate/backend:{version}"}}]}}"#),
        )
        .unwrap();
        // Folders by age, newest last, as updates leave them.
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age * 60);
        std::fs::File::open(&folder)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    std::fs::remove_file(server.stack.join("current")).unwrap();
    std::os::unix::fs::symlink("releases/1.1.0", server.stack.join("current")).unwrap();
    std::fs::write(
        server.stack.join("state/served.tsv"),
        "1.0.0\t2026-12-01T00:00:00Z\n1.1.0\t2026-12-02T00:00:00Z\n",
    )
    .unwrap();
    // Every image is there to be removed.
    server.stub(
        "docker",
        &DOCKER.replace(
            r#""image inspect"*) exit 1 ;;"#,
            r#""image inspect"*) echo 1000 ;;"#,
        ),
    );
    let (status, out, err) = server.run("bin/deskmate-maintain", &[]);
    assert_eq!(status, 0, "{out}{err}");
    let calls = server.calls();
    assert!(
        calls.contains("rmi deskmate/backend:1.2.0-broken"),
        "{calls}"
    );
    assert!(!calls.contains("rmi deskmate/backend:1.0.0"), "{calls}");
    assert!(!calls.contains("rmi deskmate/backend:1.1.0"), "{calls}");
    assert!(out.contains("kept 1.1.0 and 1.0.0"), "{out}");
}

#[test]
fn the_weekly_check_takes_the_lock_records_its_outcome_and_a_damaged_repository_fails_by_code() {
    let server = Server::new("deskmate");
    std::fs::create_dir_all(server.stack.join("backups/restic")).unwrap();
    std::fs::write(server.stack.join("backups/restic/config"), "").unwrap();
    let (status, out, err) = server.run("bin/deskmate-backup", &["--check", "--timer"]);
    assert_eq!(status, 0, "{out}{err}");
    let checks = || std::fs::read_to_string(server.stack.join("backups/checks.tsv")).unwrap();
    assert!(
        checks().lines().last().unwrap().contains("\tok\t"),
        "{}",
        checks()
    );
    let lines = server.audit();
    one_run(&lines, "backup-check", "production");
    use StepOutcome::{Done, Failed, Undone};
    assert_eq!(
        steps(&lines),
        [("lock", Done), ("check", Done), ("lock", Undone)]
    );
    assert!(!server.lock().exists());

    // Damaged: restic check fails; recorded, and the script ends with its code.
    server.stub(
        "restic",
        "#!/bin/bash\n[ \"$1\" = check ] && { echo 'error: pack 1f2e3d: not found'; exit 1; }\nexit 0\n",
    );
    let (status, out, err) = server.run("bin/deskmate-backup", &["--check", "--timer"]);
    assert_eq!(status, 1, "{out}{err}");
    assert!(err.contains("error\tbackup.check_failed\t"), "{err}");
    let last = checks().lines().last().unwrap().to_string();
    assert!(
        last.contains("\tfailed\terror: pack 1f2e3d: not found"),
        "{last}"
    );
    let lines = server.audit();
    assert!(
        lines
            .iter()
            .any(|l| l.step == "check" && l.outcome == Failed),
        "{lines:?}"
    );
}
