//! Offsite copies and disaster recovery, with real parts only: the installed stack's server
//! copies each verified backup over SFTP to a second real sshd (restic's own sftp backend,
//! OpenSSH's ssh with the pinned host key), the owner downloads a checked copy, and a
//! third server, freshly installed, is restored from the offsite copy alone.

mod support;

use std::path::Path;
use std::time::Instant;

use deskmate_api::servers::{InstallOptions, RestoreOptions, TargetRequest, TlsChoice};
use deskmate_api::{Cancel, Environment};
use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};
use support::stack::{http, installed, memories};

const PRODUCTION: Environment = Environment::Production;

/// The machine that keeps the offsite copies: an sshd, and a folder in its account.
fn offsite_host() -> (TestServer, String) {
    let offsite = TestServer::start();
    let folder = offsite.home().join("offsite/deskmate");
    let url = format!(
        "sftp://{}@127.0.0.1:{}{}",
        offsite.user(),
        offsite.port,
        folder.display()
    );
    (offsite, url)
}

#[test]
fn verified_backups_go_offsite_and_a_lost_server_comes_back_on_a_new_one_from_there() {
    let it = installed(4);
    let (offsite, url) = offsite_host();

    // First the server's key and what the offsite host presented; nothing is set yet.
    let ask = |fingerprint: Option<String>| {
        it.servers.backup_target(
            "home",
            PRODUCTION,
            &TargetRequest::Sftp {
                url: url.clone(),
                fingerprint,
            },
        )
    };
    let first = ask(None).unwrap();
    assert!(!first.ready, "{first:?}");
    assert!(
        first
            .host_keys
            .iter()
            .any(|k| k.fingerprint == offsite.host_fingerprint()),
        "{first:?}"
    );
    let public_key = first.public_key.clone().unwrap();
    assert!(public_key.starts_with("ssh-ed25519 "), "{public_key}");
    // What the offsite account is to hold: that key, allowed only rclone's append-only
    // restic server on the folder.
    let line = first.authorized_line.clone().unwrap();
    let folder = offsite.home().join("offsite/deskmate");
    assert_eq!(
        line,
        format!(
            "command=\"rclone serve restic --stdio --append-only {}\",restrict {}",
            folder.display(),
            public_key.trim()
        )
    );
    assert!(!offsite.home().join("offsite").exists(), "nothing sent yet");
    // A fingerprint the host does not have is refused, and nothing is sent.
    let wrong = ask(Some(
        "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU".into(),
    ))
    .unwrap_err();
    assert_eq!(wrong.code, "backup.host_key_mismatch", "{wrong:?}");
    // The right one, before the key is authorized there: unreachable, said plainly.
    let unauthorized = ask(Some(offsite.host_fingerprint())).unwrap_err();
    assert_eq!(
        unauthorized.code, "backup.offsite_unreachable",
        "{unauthorized:?}"
    );
    assert!(
        unauthorized
            .message
            .to_lowercase()
            .contains("permission denied"),
        "{unauthorized:?}"
    );
    assert!(unauthorized.hint.contains(&line), "{unauthorized:?}");
    // The bare key (as a plain SFTP login would take it) does not reach the repository: the
    // server asks for the append-only server, which only the line starts.
    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), format!("{public_key}\n")).unwrap();
    offsite.authorize(key_file.path());
    let bare = ask(Some(offsite.host_fingerprint())).unwrap_err();
    assert_eq!(bare.code, "backup.offsite_unreachable", "{bare:?}");
    assert!(bare.hint.contains(&line), "{bare:?}");
    std::fs::write(key_file.path(), format!("{line}\n")).unwrap();
    offsite.replace_authorized_keys(key_file.path());
    let set = ask(Some(offsite.host_fingerprint())).unwrap();
    assert!(set.ready && set.repository_created, "{set:?}");
    assert!(offsite.home().join("offsite/deskmate/config").exists());

    // A verified backup is copied there, and checked there, part of the data read back.
    let outcome = it
        .servers
        .backup_create("home", PRODUCTION, true, &mut |_| {}, &Cancel::new())
        .unwrap();
    let verification = outcome.verification.clone().unwrap();
    assert!(
        verification.offsite.starts_with("copied to sftp:")
            && verification.offsite.ends_with("(1% of its data read back)"),
        "{verification:?}"
    );
    let list = it.servers.backup_list("home", PRODUCTION).unwrap();
    let copied = list[0].offsite_copy.clone().expect("copied");
    let health = it.servers.health("home").unwrap();
    let offsite_finding = health
        .report
        .findings
        .iter()
        .find(|f| f.id == "backup.offsite")
        .expect("an offsite finding");
    assert_eq!(
        offsite_finding.level,
        deskmate_api::Level::Pass,
        "{offsite_finding:?}"
    );

    // The owner's own copy: every file fetched, then checked by restic here.
    let copy = tempfile::tempdir().unwrap();
    let downloaded = it
        .servers
        .backup_download(
            "home",
            PRODUCTION,
            copy.path(),
            &mut |_, _| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(downloaded.check, "restic check passed", "{downloaded:?}");
    assert_eq!(downloaded.backups, Some(1));
    assert!(downloaded.files > 3 && downloaded.downloaded == downloaded.files);
    // Again: nothing but the config travels.
    let again = it
        .servers
        .backup_download(
            "home",
            PRODUCTION,
            copy.path(),
            &mut |_, _| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(again.downloaded, 1, "{again:?}");
    // A file of the copy damaged here (same size) is found by its hash and fetched again.
    let pack = walk(&copy.path().join("data")).pop().unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&pack, bytes).unwrap();
    let repaired = it
        .servers
        .backup_download(
            "home",
            PRODUCTION,
            copy.path(),
            &mut |_, _| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(
        (repaired.repaired, repaired.downloaded),
        (1, 2),
        "{repaired:?}"
    );
    assert_eq!(repaired.check, "restic check passed");

    // The server is lost. A new one: DeskMate installed, then the backup restored from the
    // offsite copy with what this computer's keychain kept.
    let lost_memories = memories(it.port);
    let spare = TestServer::start();
    let spare_stack = spare.stack_dir();
    let _spare_project = Project::of(&spare_stack);
    support::add_server(&it.servers, "spare", &spare, spare.user(), &spare_stack);
    // The server's own key can add there but never delete: a forget through it is refused
    // (restic retries for most of a minute, so it runs while the new server is installed).
    let forget = {
        let offsite_dir = Path::new(&it.stack).join("shared/env/offsite");
        let ssh = format!(
            "ssh -i {dir}/key -p {port} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={dir}/known_hosts {user}@127.0.0.1",
            dir = offsite_dir.display(),
            port = offsite.port,
            user = offsite.user()
        );
        let password = Path::new(&it.stack).join("shared/env/restic.password");
        let copied = copied.clone();
        std::thread::spawn(move || {
            std::process::Command::new("restic")
                .args(["-r", "rclone:offsite", "-o"])
                .arg(format!("rclone.program={ssh}"))
                .args(["-o", "rclone.args=serve restic --stdio", "forget", &copied])
                .env("RESTIC_PASSWORD_FILE", password)
                .output()
                .unwrap()
        })
    };

    let recovery = Instant::now();
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = free_port();
    it.servers
        .install("spare", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert_eq!(memories(options.http_port), 0, "a fresh install is empty");
    let installed_in = recovery.elapsed();
    // The refused forget held the copy's lock: it is over before the restore reads there.
    let forget = forget.join().unwrap();
    assert!(
        !forget.status.success(),
        "the server's key deleted an offsite copy"
    );
    assert!(
        String::from_utf8_lossy(&forget.stderr).contains("403 Forbidden"),
        "{}",
        String::from_utf8_lossy(&forget.stderr)
    );
    assert!(folder.join("snapshots").join(&copied).exists());

    let restored = it
        .servers
        .backup_restore(
            "spare",
            PRODUCTION,
            &outcome.id,
            &RestoreOptions {
                from: Some("home".into()),
                ..RestoreOptions::default()
            },
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    // (The wait for the refused forget above is not the owner's: left out of the total.)
    let restore_s = restored.elapsed_ms as f64 / 1000.0;
    eprintln!(
        "recovery onto a new server: install {:.1} s, restore {restore_s:.1} s, total {:.1} s",
        installed_in.as_secs_f64(),
        installed_in.as_secs_f64() + restore_s
    );
    assert_eq!(restored.from.as_deref(), Some("home"));
    assert_eq!(memories(options.http_port), lost_memories);
    let persona = Path::new(&spare_stack).join("shared/data/personas/aria.json");
    assert_eq!(
        std::fs::read_to_string(persona).unwrap(),
        r#"{"name": "Aria"}"#
    );
    let (status, _) = http(options.http_port, "GET", "/api/health", "");
    assert!(status.contains("200"), "{status}");
    // The other server's key and password were on the new one only during the restore.
    assert!(!Path::new(&spare_stack).join("shared/env/from").exists());
    // The new server's health report shows the recovery time it measured.
    let health = it.servers.health("spare").unwrap();
    let backups = health
        .report
        .findings
        .iter()
        .find(|f| f.id == "backup.verified")
        .unwrap();
    assert!(
        backups.detail.contains("the last restore took"),
        "{backups:?}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn an_s3_target_that_cannot_be_reached_is_refused_plainly_and_the_keys_stay_secret() {
    let it = installed(0);
    let closed = free_port();
    let err = it
        .servers
        .backup_target(
            "home",
            PRODUCTION,
            &TargetRequest::S3 {
                url: format!("s3:http://127.0.0.1:{closed}/bucket/deskmate"),
                access_key: deskmate_api::Secret::new("AKIACANARY0001"),
                secret_key: deskmate_api::Secret::new("s3-secret-canary-9c1e"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code, "backup.offsite_unreachable", "{err:?}");
    let said = format!("{err:?}");
    assert!(!said.contains("s3-secret-canary-9c1e"), "{said}");
    // The target that failed is taken back whole: its keys are not left on the server, and
    // backups go on where they went before (here: nowhere offsite).
    let offsite = Path::new(&it.stack).join("shared/env/offsite");
    assert!(!offsite.join("s3.env").exists());
    assert!(!offsite.join("target").exists());
    let log =
        std::fs::read_to_string(Path::new(&it.stack).join("log/audit.log")).unwrap_or_default();
    assert!(!log.contains("s3-secret-canary-9c1e"));
}
