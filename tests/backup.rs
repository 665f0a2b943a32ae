//! `backup create|list|verify` against a real installed stack: the real engine, PostgreSQL,
//! restic 0.14 (Debian's) on the server, the Qdrant and backend doubles. Each test installs
//! the test bed's good-1 in its own server's folder, writes real rows through the backend,
//! and removes everything when it ends.

mod support;

use std::path::Path;

use deskmate_api::servers::{InstallOptions, RestoreOptions, RestoreReport, TlsChoice};
use deskmate_api::{ApiError, Cancel, Environment};
use deskmate_remote::ops::audit::StepOutcome;
use deskmate_test_server::docker::{docker, release};
use support::stack::{Installed, http, installed, installed_as, memories};

/// Restores backup `id` into the installed stack, collecting the steps' ids.
fn restore(
    it: &Installed,
    id: &str,
    options: &RestoreOptions,
    steps: &mut Vec<&'static str>,
) -> Result<RestoreReport, ApiError> {
    it.servers.backup_restore(
        "home",
        Environment::Production,
        id,
        options,
        &mut |e| steps.extend(support::events::finished(e)),
        &Cancel::new(),
    )
}

#[test]
fn a_backup_is_proven_by_a_trial_restore_and_listed_as_verified() {
    let it = installed(3);
    // Every command line on this machine (the server's too) while the backup runs: the
    // canary below looks for the secrets in them.
    let running = std::sync::atomic::AtomicBool::new(true);
    let (outcome, command_lines) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut seen = String::new();
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(out) = std::process::Command::new("ps")
                    .args(["-eo", "args"])
                    .output()
                {
                    seen.push_str(&String::from_utf8_lossy(&out.stdout));
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            seen
        });
        let outcome = it.servers.backup_create(
            "home",
            Environment::Production,
            true,
            &mut |_| {},
            &Cancel::new(),
        );
        running.store(false, std::sync::atomic::Ordering::Relaxed);
        (outcome.unwrap(), sampler.join().unwrap())
    });
    assert!(
        command_lines.contains("deskmate-backup"),
        "the sampler saw the backup run"
    );
    assert!(outcome.verified, "{outcome:?}");
    assert!(outcome.backup.repository_created);
    assert_eq!(outcome.backup.release, "1.0.0");
    assert!(
        outcome.backup.bytes > 0 && outcome.backup.added > 0,
        "{outcome:?}"
    );
    assert!(
        outcome.backup.vectors.starts_with("1 collections"),
        "{outcome:?}"
    );
    assert_eq!(outcome.backup.files, "1 files");
    let verification = outcome.verification.unwrap();
    assert!(
        verification.database.contains("row counts equal"),
        "{verification:?}"
    );
    assert!(verification.vectors.contains("point counts equal"));
    assert!(verification.files.contains("hashes equal"));
    // The trial restore's containers and network are gone again; the stack still serves.
    let left = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=org.deskmate.verify={}", outcome.backup.snapshot),
    ]);
    assert!(left.trim().is_empty(), "trial containers left: {left}");
    let (status, _) = http(it.port, "GET", "/api/health", "");
    assert!(status.contains("200"));

    let list = it
        .servers
        .backup_list("home", Environment::Production)
        .unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].id.starts_with(&outcome.backup.snapshot));
    // The health report sees the verified backup (its dead man's switch is satisfied).
    let health = it.servers.health("home").unwrap();
    let finding = health
        .report
        .findings
        .iter()
        .find(|f| f.id == "backup.verified")
        .unwrap();
    assert_eq!(finding.level, deskmate_api::Level::Pass, "{finding:?}");
    assert!(finding.detail.contains("minutes old"), "{}", finding.detail);
    assert_eq!(list[0].verified, Some(true));
    assert_eq!(list[0].size, Some(outcome.backup.bytes));

    // Plain restic, as docs/backups.md shows an owner, reads the same repository.
    let password = Path::new(&it.stack).join("shared/env/restic.password");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&password).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let out = std::process::Command::new("restic")
        .args([
            "-r",
            &format!("{}/backups/restic", it.stack),
            "ls",
            "latest",
        ])
        .env("RESTIC_PASSWORD_FILE", &password)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains("database.dump") && listing.contains("aria.json"),
        "{listing}"
    );
    assert!(
        !listing.contains("restic.password"),
        "the password is not in its own repository"
    );

    // The password never reached a command line (sshd logs every one at DEBUG3) or the
    // library.
    let secret = std::fs::read_to_string(&password).unwrap();
    assert!(secret.len() >= 32);
    assert!(
        !it.server.log().contains(&secret),
        "the password was on a command line"
    );
    let library = std::fs::read(it.data.path().join("library.sqlite")).unwrap();
    assert!(!String::from_utf8_lossy(&library).contains(&secret));

    // The same through the CLI, as JSON.
    let data: &dyn AsRef<std::ffi::OsStr> = &"backup";
    let run = support::deskmate_with_data(
        it.data.path(),
        &[data, &"create", &"home", &"--no-verify", &"--json"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let made = run.json();
    assert_eq!(made["verified"], false);
    let second = made["id"].as_str().unwrap().to_string();
    assert!(
        made["backup"]["added"].as_u64().unwrap() < outcome.backup.added,
        "deduplicated: {made}"
    );
    let run = support::deskmate_with_data(it.data.path(), &[data, &"list", &"home", &"--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let list = run.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        list[0]["id"].as_str().unwrap().starts_with(&second),
        "newest first: {list}"
    );
    assert_eq!(list[0]["verified"], serde_json::Value::Null);
    assert_eq!(list[1]["verified"], true);
    assert!(list[1]["size"].as_u64().unwrap() > 0);
    // A restore asks first; with no one to ask and no --yes, nothing happens.
    let run = support::deskmate_with_data(
        it.data.path(),
        &[data, &"restore", &"home", &second.as_str(), &"--json"],
    );
    assert_eq!(run.json()["error"]["code"], "usage.confirm");

    // The canary: neither the repository password nor the database password is in a
    // command line (ps while it ran, sshd's log of every command), the audit log on the
    // server, the app's own log, the library, or what the CLI printed.
    let database = std::fs::read_to_string(Path::new(&it.stack).join("shared/env/postgres.env"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("POSTGRES_PASSWORD=").map(str::to_string))
        .unwrap();
    assert!(database.len() >= 20);
    let mut places = vec![
        ("ps while the backup ran", command_lines.clone()),
        ("sshd's command log", it.server.log()),
        (
            "the audit log",
            std::fs::read_to_string(Path::new(&it.stack).join("log/audit.log")).unwrap_or_default(),
        ),
        (
            "the library",
            String::from_utf8_lossy(&std::fs::read(it.data.path().join("library.sqlite")).unwrap())
                .into_owned(),
        ),
        ("the CLI's output", format!("{}{}", run.stdout, run.stderr)),
    ];
    for log in std::fs::read_dir(it.data.path().join("logs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        places.push((
            "the app's log",
            std::fs::read_to_string(log.path()).unwrap_or_default(),
        ));
    }
    for (what, text) in &places {
        for (name, value) in [
            ("repository", secret.trim()),
            ("database", database.as_str()),
        ] {
            assert!(!text.contains(value), "the {name} password is in {what}");
        }
    }
}

#[test]
fn a_database_that_is_down_makes_no_backup_and_says_so() {
    let it = installed(1);
    let first = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            false,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    let postgres = it.project.containers("postgres");
    docker(&["stop", &postgres[0]]);
    let err = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            false,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "backup.database_down", "{err:?}");
    assert!(err.message.contains("PostgreSQL"), "{}", err.message);
    assert!(err.hint.contains("untouched"), "{}", err.hint);
    let list = it
        .servers
        .backup_list("home", Environment::Production)
        .unwrap();
    assert_eq!(list.len(), 1, "only the first backup: {list:?}");
    assert!(list[0].id.starts_with(&first.backup.snapshot));
}

#[test]
fn a_restore_goes_beside_the_stack_switches_to_it_and_keeps_what_was_there() {
    let it = installed(3);
    let made = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            true,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    // Life goes on after the backup: two more memories, a persona changed.
    for i in 0..2 {
        http(
            it.port,
            "POST",
            "/api/memories",
            &format!(r#"{{"persona": "aria", "text": "later {i}"}}"#),
        );
    }
    let persona = Path::new(&it.stack).join("shared/data/personas/aria.json");
    std::fs::write(&persona, r#"{"name": "Aria, changed"}"#).unwrap();
    assert_eq!(memories(it.port), 5);

    // An update from another computer holds the deploy lock: the restore waits its turn,
    // changing nothing, and leaves that lock alone.
    let lock = it.hold_deploy_lock("owner@laptop", 5);
    let err = restore(&it, &made.id, &RestoreOptions::default(), &mut Vec::new()).unwrap_err();
    assert_eq!(err.code, "release.locked", "{err:?}");
    assert!(err.message.contains("owner@laptop"), "{err:?}");
    assert_eq!(memories(it.port), 5);
    assert!(lock.join("holder").exists());
    std::fs::remove_dir_all(&lock).unwrap();

    let mut steps = Vec::new();
    let report = restore(&it, &made.id, &RestoreOptions::default(), &mut steps).unwrap();
    assert_eq!(
        steps,
        [
            "lock", "space", "scripts", "safety", "restore", "switch", "start"
        ]
    );
    assert!(!lock.exists(), "the restore let go of the deploy lock");
    // The backup and the restore are in the audit, step by step, read by the one parser.
    let audit = it
        .servers
        .release_audit_lines("home", Environment::Production)
        .unwrap();
    let done = |operation: &str, step: &str| {
        audit
            .iter()
            .any(|l| l.operation == operation && l.step == step && l.outcome == StepOutcome::Done)
    };
    assert!(done("backup", "backup"), "{audit:?}");
    assert!(
        done("restore", "lock") && done("restore", "start"),
        "{audit:?}"
    );
    assert!(audit.iter().any(|l| l.operation == "restore"
        && l.step == "lock"
        && l.outcome == StepOutcome::Failed
        && l.detail.contains("owner@laptop")));
    assert_eq!(memories(it.port), 3, "the backup's memories are back");
    assert_eq!(
        std::fs::read_to_string(&persona).unwrap(),
        r#"{"name": "Aria"}"#
    );
    // Nothing from before was deleted: its volumes and folder are kept, and the safety
    // backup holds it too.
    assert_eq!(report.kept.len(), 3, "{report:?}");
    let volumes = docker(&["volume", "ls", "--format", "{{.Name}}"]);
    for kept in &report.kept[..2] {
        assert!(volumes.lines().any(|v| v == kept), "{kept} is gone");
    }
    assert!(
        Path::new(&report.kept[2])
            .join("personas/aria.json")
            .exists()
    );
    let list = it
        .servers
        .backup_list("home", Environment::Production)
        .unwrap();
    let safety = list
        .iter()
        .find(|b| b.id.starts_with(&report.safety_backup))
        .expect("the safety backup is listed");
    let why = safety.kept.as_deref().unwrap_or_default();
    assert!(why.contains("taken by the restore of"), "{why}");
    // The new volumes now serve: a re-run of the install keeps them.
    let postgres = it.project.containers("postgres");
    let mounts = docker(&[
        "inspect",
        "--format",
        "{{range .Mounts}}{{.Name}} {{end}}",
        &postgres[0],
    ]);
    assert!(mounts.contains("_postgres_data_r"), "{mounts}");
    // Labelled with the project, so cleaning up by label finds them.
    let restored = mounts
        .split(' ')
        .find(|m| m.contains("_postgres_data_r"))
        .unwrap();
    let label = docker(&[
        "volume",
        "inspect",
        "--format",
        "{{index .Labels \"com.docker.compose.project\"}}",
        restored,
    ]);
    assert_eq!(label.trim(), it.project.name);
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = it.port;
    let again = it
        .servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert!(!again.changed, "{:?}", again.steps);
    assert_eq!(memories(it.port), 3);
}

#[test]
fn a_restored_stack_that_fails_its_health_check_is_switched_back_and_nothing_is_lost() {
    let it = installed(2);
    let made = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            false,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    http(
        it.port,
        "POST",
        "/api/memories",
        r#"{"persona": "aria", "text": "after"}"#,
    );
    let options = RestoreOptions {
        // No stack turns healthy in a second: the switch's health check fails.
        health_timeout: std::time::Duration::from_secs(1),
        ..Default::default()
    };
    let err = restore(&it, &made.id, &options, &mut Vec::new()).unwrap_err();
    assert_eq!(err.code, "backup.restore_unhealthy", "{err:?}");
    assert!(err.message.contains("switched back"), "{}", err.message);
    assert_eq!(
        memories(it.port),
        3,
        "the data from before the restore serves again"
    );
    let volumes = docker(&["volume", "ls", "--format", "{{.Name}}"]);
    assert!(
        !volumes.contains(&format!("{}_postgres_data_r", it.project.name)),
        "{volumes}"
    );
    assert_eq!(
        std::fs::read_to_string(Path::new(&it.stack).join("shared/data/personas/aria.json"))
            .unwrap(),
        r#"{"name": "Aria"}"#
    );
}

#[test]
fn a_schedule_installs_timers_whose_backup_runs_as_the_timer_would_and_applies_retention() {
    let it = installed_as(1, Some("root"));
    let first = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            true,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    let host_root = it.server.home().join("host-root");
    let retention = deskmate_api::servers::Retention {
        daily: 1,
        weekly: 0,
        monthly: 0,
    };
    let report = it
        .servers
        .backup_schedule(
            "home",
            Environment::Production,
            "04:15",
            retention,
            &host_root.to_string_lossy(),
        )
        .unwrap();
    let service = host_root.join(format!(
        "etc/systemd/system/{}-backup.service",
        it.project.name
    ));
    let unit = std::fs::read_to_string(&service).unwrap();
    let timer = std::fs::read_to_string(service.with_extension("timer")).unwrap();
    assert!(timer.contains("OnCalendar=*-*-* 04:15:00"), "{timer}");
    assert_eq!(
        it.server.recorded("systemctl").last().unwrap(),
        &format!(
            "systemctl enable --now {} {}",
            report.timers[0], report.timers[1]
        )
    );
    support::systemd_verify(&[&service]);

    // What the timer runs, run the way systemd would: its ExecStart, a bare environment.
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let out = std::process::Command::new("env")
        .args([
            "-i",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "sh",
            "-c",
            exec,
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("result\tverified"), "{said}");
    assert!(
        said.contains("forgotten\t1"),
        "retention forgot the older backup: {said}"
    );
    let list = it
        .servers
        .backup_list("home", Environment::Production)
        .unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(!list[0].id.starts_with(&first.id));
    assert_eq!(list[0].verified, Some(true));
}

#[test]
fn a_backup_cancelled_midway_keeps_nothing_and_leaves_nothing_behind() {
    let it = installed(2);
    let cancel = Cancel::new();
    let err = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            true,
            // Stopped once the database is dumped, while the vectors are being read.
            &mut |e| {
                if support::events::note_key(e) == Some("database") {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .unwrap_err();
    assert_eq!(err.code, "ssh.cancelled", "{err:?}");
    let staging = Path::new(&it.stack).join("backups/staging");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while staging.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        !staging.exists(),
        "the staged dump was left behind: {:?}",
        std::fs::read_dir(&staging).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
    assert!(
        it.servers
            .backup_list("home", Environment::Production)
            .unwrap()
            .is_empty(),
        "a cancelled backup is no backup"
    );
    // The next one works as usual (the lock was let go).
    let made = it
        .servers
        .backup_create(
            "home",
            Environment::Production,
            false,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    assert!(!made.id.is_empty());
}
