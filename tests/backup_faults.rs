//! The faults a backup or a restore must survive, on a real installed stack: the server's
//! disk filling during a backup, the SSH connection killed mid-backup and mid-restore, and a
//! restore of one part only, an old backup whose images maintenance removed, and a damaged
//! repository, found and healed. Each ends with the live stack serving what it served, and no
//! half-made backup or volume counted as good.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use deskmate_api::servers::RestoreOptions;
use deskmate_api::{Cancel, Environment};
use deskmate_test_server::docker::docker;
use support::images;
use support::stack::{Installed, http, installed, memories};

const PRODUCTION: Environment = Environment::Production;

/// Waits until no backup script holds the stack's lock: after a lost connection, the
/// server-side script notices on its next write and cleans up.
fn wait_for_the_scripts(it: &Installed) {
    let lock = Path::new(&it.stack).join("backups/.lock");
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let free = Command::new("flock")
            .args(["-n"])
            .arg(&lock)
            .arg("true")
            .status()
            .is_ok_and(|s| s.success());
        if free {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("the backup scripts on the server never let go of their lock");
}

fn restore_volumes() -> String {
    docker(&[
        "volume",
        "ls",
        "-q",
        "--filter",
        "label=org.deskmate.restored-from",
    ])
}

/// A small disk for the stack's backups: a tmpfs mounted over `backups/`, unmounted at the
/// end however the test ends.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(it: &Installed, megabytes: u32) -> SmallDisk {
        let dir = Path::new(&it.stack).join("backups");
        std::fs::create_dir_all(&dir).unwrap();
        let owner = std::fs::metadata(&it.stack).unwrap();
        let options = format!(
            "size={megabytes}m,mode=0700,uid={},gid={}",
            std::os::unix::fs::MetadataExt::uid(&owner),
            std::os::unix::fs::MetadataExt::gid(&owner)
        );
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs (the tests run as root)");
        SmallDisk(dir)
    }

    /// Takes every byte left, as a log or a download filling the disk would.
    fn fill(&self) -> std::path::PathBuf {
        let filler = self.0.join("filler");
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=64k"])
            .arg(format!("of={}", filler.display()))
            .stderr(std::process::Stdio::null())
            .status();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_disk_that_fills_during_a_backup_keeps_nothing_new_and_the_older_backups_intact() {
    let it = installed(3);
    let disk = SmallDisk::mount(&it, 64);
    let first = it
        .servers
        .backup_create("home", PRODUCTION, false, &mut |_| {}, &Cancel::new())
        .unwrap();
    let filler = disk.fill();
    let err = it
        .servers
        .backup_create("home", PRODUCTION, false, &mut |_| {}, &Cancel::new())
        .unwrap_err();
    assert_eq!(err.code, "backup.disk_full", "{err:?}");
    assert!(err.hint.contains("untouched"), "{err:?}");
    let list = it.servers.backup_list("home", PRODUCTION).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert!(!Path::new(&it.stack).join("backups/staging").exists());
    // With room again, the older backup still passes a trial restore.
    std::fs::remove_file(filler).unwrap();
    let checked = it
        .servers
        .backup_verify("home", PRODUCTION, &first.id, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert!(checked.database.contains("row counts equal"), "{checked:?}");
    let (status, _) = http(it.port, "GET", "/api/health", "");
    assert!(status.contains("200"));
}

#[test]
fn a_connection_killed_mid_backup_lists_no_backup_and_leaves_the_stack_serving() {
    let it = installed(2);
    let servers = &it.servers;
    let result = std::thread::scope(|scope| {
        let (said, heard) = std::sync::mpsc::channel();
        let backup = scope.spawn(move || {
            servers.backup_create(
                "home",
                PRODUCTION,
                true,
                &mut |e| {
                    if let Some(key) = support::events::note_key(e) {
                        let _ = said.send(key.to_string());
                    }
                },
                &Cancel::new(),
            )
        });
        // Once the database is dumped (the vectors are being read), the Wi-Fi goes.
        while let Ok(key) = heard.recv_timeout(Duration::from_secs(120)) {
            if key == "database" {
                it.server.drop_connections();
                break;
            }
        }
        backup.join().unwrap()
    });
    let err = result.unwrap_err();
    assert!(err.code.starts_with("ssh."), "{err:?}");
    wait_for_the_scripts(&it);
    let list = it.servers.backup_list("home", PRODUCTION).unwrap();
    assert!(
        list.iter().all(|b| b.verified != Some(true)),
        "nothing half-made is counted as good: {list:?}"
    );
    assert!(
        list.is_empty(),
        "the backup stopped before restic ran: {list:?}"
    );
    assert!(!Path::new(&it.stack).join("backups/staging").exists());
    assert_eq!(memories(it.port), 2);
}

#[test]
fn a_connection_killed_mid_restore_leaves_the_live_stack_on_its_own_data() {
    let it = installed(2);
    let backup = it
        .servers
        .backup_create("home", PRODUCTION, false, &mut |_| {}, &Cancel::new())
        .unwrap();
    // The live stack moves on after the backup.
    for i in 0..3 {
        let (status, _) = http(
            it.port,
            "POST",
            "/api/memories",
            &format!(r#"{{"persona": "aria", "text": "later {i}"}}"#),
        );
        assert!(status.contains("201"));
    }
    let env_before = std::fs::read_to_string(Path::new(&it.stack).join("current/.env")).unwrap();
    let (servers, id) = (&it.servers, &backup.id);
    let result = std::thread::scope(|scope| {
        let (said, heard) = std::sync::mpsc::channel();
        let restore = scope.spawn(move || {
            servers.backup_restore(
                "home",
                PRODUCTION,
                id,
                &RestoreOptions::default(),
                &mut |e| {
                    if let Some(id) = support::events::finished(e) {
                        let _ = said.send(id);
                    }
                },
                &Cancel::new(),
            )
        });
        // The safety backup is taken; the restore beside the stack has begun.
        while let Ok(id) = heard.recv_timeout(Duration::from_secs(180)) {
            if id == "safety" {
                std::thread::sleep(Duration::from_millis(1500));
                it.server.drop_connections();
                break;
            }
        }
        restore.join().unwrap()
    });
    let err = result.unwrap_err();
    assert!(err.code.starts_with("ssh."), "{err:?}");
    wait_for_the_scripts(&it);
    assert_eq!(memories(it.port), 5, "the live data, untouched");
    let env_after = std::fs::read_to_string(Path::new(&it.stack).join("current/.env")).unwrap();
    assert_eq!(env_before, env_after, "never switched");
    assert!(
        restore_volumes().trim().is_empty(),
        "what the restore had made is removed: {}",
        restore_volumes()
    );
    // And a restore afterwards works as usual.
    let (status, _) = http(it.port, "GET", "/api/health", "");
    assert!(status.contains("200"));
}

#[test]
fn a_restore_of_only_the_files_brings_them_back_and_leaves_the_database_as_it_is() {
    let it = installed(2);
    let backup = it
        .servers
        .backup_create("home", PRODUCTION, false, &mut |_| {}, &Cancel::new())
        .unwrap();
    let persona = Path::new(&it.stack).join("shared/data/personas/aria.json");
    std::fs::write(&persona, r#"{"name": "Aria, edited by mistake"}"#).unwrap();
    let (status, _) = http(
        it.port,
        "POST",
        "/api/memories",
        r#"{"persona": "aria", "text": "kept"}"#,
    );
    assert!(status.contains("201"));
    let command: &dyn AsRef<std::ffi::OsStr> = &"backup";
    let run = support::deskmate_with_data(
        it.data.path(),
        &[
            command,
            &"restore",
            &"home",
            &backup.id.as_str(),
            &"--only",
            &"files",
            &"--yes",
            &"--json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["restored"], serde_json::json!(["files"]));
    assert_eq!(
        std::fs::read_to_string(&persona).unwrap(),
        r#"{"name": "Aria"}"#
    );
    assert_eq!(memories(it.port), 3, "the database was not restored");
    assert!(restore_volumes().trim().is_empty(), "no volume was made");
}

#[test]
fn an_old_backup_whose_images_are_gone_restores_with_today_s() {
    // Release A, a backup under it, then release B with a new PostgreSQL image; A's image
    // then goes, as maintenance removes an older release's images.
    let dir = tempfile::tempdir().unwrap();
    let unique = std::process::id();
    let (a, b) = (
        images::OwnImage::build(&format!("deskmate-testbed/postgres:a-{unique}")),
        images::OwnImage::build(&format!("deskmate-testbed/postgres:b-{unique}")),
    );
    assert_ne!(a.id(), b.id());
    let it = support::stack::installed_from(
        &images::with_postgres(dir.path(), "good-1", &a, None),
        3,
        None,
    );
    let backup = it
        .servers
        .backup_create("home", PRODUCTION, false, &mut |_| {}, &Cancel::new())
        .unwrap();
    let options = deskmate_api::servers::DeployOptions {
        no_backup: true,
        watch: Duration::from_secs(5),
        ..Default::default()
    };
    it.servers
        .release_deploy(
            "home",
            &images::with_postgres(dir.path(), "good-2", &b, None),
            &options,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    let postgres = it.project.containers("postgres");
    let running = docker(&["inspect", "--format", "{{.Image}}", &postgres[0]]);
    assert_eq!(running.trim(), b.id(), "PostgreSQL runs B's image");
    let gone = a.id();
    docker(&["rmi", &a.0]);
    assert!(
        Command::new("docker")
            .args(["image", "inspect", &gone])
            .output()
            .is_ok_and(|o| !o.status.success()),
        "A's image is gone"
    );
    let (status, _) = http(
        it.port,
        "POST",
        "/api/memories",
        r#"{"persona": "aria", "text": "after the backup"}"#,
    );
    assert!(status.contains("201"));

    // The trial restore passes on today's image, and says so.
    let mut notes = Vec::new();
    it.servers
        .backup_verify(
            "home",
            PRODUCTION,
            &backup.id,
            &mut |e| {
                if let deskmate_api::OperationEvent::Note { detail, .. } = e {
                    notes.push(detail.clone());
                }
            },
            &Cancel::new(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        notes.iter().any(|n| n.starts_with("image_postgres: today's image")
            && n.ends_with("which is gone")),
        "{notes:?}"
    );
    // So does the restore itself, and DeskMate serves the backup's memories on B.
    it.servers
        .backup_restore(
            "home",
            PRODUCTION,
            &backup.id,
            &RestoreOptions::default(),
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(memories(it.port), 3);
}

#[test]
fn a_damaged_repository_fails_the_trial_restore_loudly_naming_the_backup() {
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
    // Flip bytes in the middle of every data pack.
    let packs = Path::new(&it.stack).join("backups/restic/data");
    for dir in std::fs::read_dir(&packs).unwrap().flatten() {
        for pack in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let mut bytes = std::fs::read(pack.path()).unwrap();
            let (middle, len) = (bytes.len() / 2, bytes.len());
            for b in &mut bytes[middle..(middle + 64).min(len)] {
                *b ^= 0xff;
            }
            std::fs::write(pack.path(), bytes).unwrap();
        }
    }
    let err = it
        .servers
        .backup_verify(
            "home",
            Environment::Production,
            &made.backup.snapshot,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "backup.verify_failed", "{err:?}");
    assert!(
        err.message.contains(&made.backup.snapshot),
        "{}",
        err.message
    );
    let list = it
        .servers
        .backup_list("home", Environment::Production)
        .unwrap();
    assert_eq!(list[0].verified, Some(false), "{list:?}");
    // The health report says so, as a failure of its own.
    let health = it.servers.health("home").unwrap();
    let failed = health
        .report
        .findings
        .iter()
        .find(|f| f.id == "backup.trial_failed")
        .unwrap_or_else(|| panic!("not told: {:?}", health.report.findings));
    assert_eq!(failed.level, deskmate_api::Level::Fail, "{failed:?}");

    // Healed: the damaged repository set aside (kept whole), a fresh one begun with a
    // verified backup, and the health report clear of it.
    let damaged_files = walk_count(&Path::new(&it.stack).join("backups/restic"));
    let run =
        support::deskmate_with_data(it.data.path(), &[&"backup", &"heal", &"home", &"--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let healed = run.json();
    let aside = Path::new(&it.stack).join(healed["set_aside"].as_str().unwrap());
    assert_eq!(
        walk_count(&aside),
        damaged_files,
        "nothing in it was deleted"
    );
    let list = it
        .servers
        .backup_list("home", Environment::Production)
        .unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0].id.get(..8),
        healed["backup"].as_str().unwrap().get(..8)
    );
    assert_eq!(list[0].verified, Some(true), "{list:?}");
    let health = it.servers.health("home").unwrap();
    let backup_failures: Vec<_> = health
        .report
        .findings
        .iter()
        .filter(|f| f.id.starts_with("backup.") && f.level == deskmate_api::Level::Fail)
        .collect();
    assert!(backup_failures.is_empty(), "{backup_failures:?}");
}

/// How many files are under `dir`.
fn walk_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            if e.file_type().unwrap().is_dir() {
                walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}
