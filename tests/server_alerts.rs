//! The watchdog and its e-mails against an installed test-bed stack (real sshd, engine,
//! Caddy) and a real SMTP server on loopback (aiosmtpd): nothing is judged of the services
//! while an update holds the deploy lock (for up to an hour), a stopped container is one
//! e-mail however many rounds see it, its recovery one more, a fault back within the hour
//! waits, a test e-mail arrives, a wrong password is explained, and the SMTP password (a
//! canary) is in none of the e-mails, settings files, audit log or sshd's command log. And the script
//! alone, as its timer runs it: the certificate check at 60, 20 and 10 days left, the backup
//! check at 30 hours.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use deskmate_api::servers::{AlertSettings, AlertsChange, WatchLevel, WatchReport};
use deskmate_api::{Environment, Secret};
use deskmate_test_server::SmtpSink;
use deskmate_test_server::docker::docker;
use support::stack::installed_as;

const CANARY: &str = "smtp-canary-7f3a9c1e55";

fn round(it: &support::stack::Installed) -> WatchReport {
    it.servers
        .watch_status("home", Environment::Production, true)
        .unwrap()
}

fn level(report: &WatchReport, id: &str) -> WatchLevel {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} check: {report:?}"))
        .level
}

#[test]
fn a_stopped_container_is_one_e_mail_and_its_recovery_one_more_with_no_secret_in_them() {
    let it = installed_as(0, Some("root"));
    let smtp = SmtpSink::start("alerts@example.org", CANARY);
    let settings = AlertSettings {
        email: "owner@example.org".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: smtp.port,
        smtp_user: Some("alerts@example.org".into()),
        from: Some("deskmate@example.org".into()),
    };
    let host_root = it.server.home().join("host-root");
    let report = it
        .servers
        .alerts_set(
            "home",
            Environment::Production,
            &AlertsChange::On {
                settings: settings.clone(),
                password: Some(Secret::new(CANARY)),
            },
            &host_root.to_string_lossy(),
        )
        .unwrap();
    let timer = format!("{}-watch.timer", it.project.name);
    assert_eq!(report.timer.as_deref(), Some(timer.as_str()), "{report:?}");
    assert!(
        it.server
            .recorded("systemctl")
            .contains(&format!("systemctl enable --now {timer}")),
        "{:?}",
        it.server.recorded("systemctl")
    );
    let password = Path::new(&it.stack).join("shared/env/smtp.password");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&password).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The first round (alerts_set runs one) told of what was already wrong: no backup yet.
    let first = smtp.messages();
    assert!(
        first.iter().any(|m| m.contains("no verified backup")),
        "{first:#?}"
    );
    let status = round(&it);
    assert_eq!(level(&status, "services"), WatchLevel::Ok, "{status:?}");
    assert_eq!(smtp.messages().len(), first.len(), "no change, no e-mail");
    // Every saved field reads back, for a form to show and save again as it was.
    assert_eq!(
        (status.smtp_user.as_deref(), status.smtp_from.as_deref()),
        (Some("alerts@example.org"), Some("deskmate@example.org"))
    );

    // An update (or a restore, or a settings change) stops services on purpose while it
    // holds the deploy lock: the watchdog does not judge them meanwhile, says so, and sends
    // nothing.
    let lock = it.hold_deploy_lock("owner@laptop", 10);
    let backend = it.project.containers("backend");
    docker(&["stop", &backend[0]]);
    let mut said = Vec::new();
    for _ in 0..2 {
        let status = round(&it);
        let services = status.checks.iter().find(|c| c.id == "services").unwrap();
        assert_eq!(services.level, WatchLevel::Ok, "{status:?}");
        said.push(services.message.clone());
    }
    assert!(
        said[0].starts_with(
            "not checked while owner@laptop changes the server; before: the backend answers in"
        ),
        "{said:?}"
    );
    assert_eq!(said[0], said[1], "said once, not once more each round");
    assert_eq!(
        smtp.messages().len(),
        first.len(),
        "no e-mail while it runs"
    );

    // A lock held for over an hour is not trusted to mean an update is running (the app may
    // have been closed mid-update): the backend is judged stopped, and that is one e-mail
    // however many rounds see it.
    it.hold_deploy_lock("owner@laptop", 3700);
    for _ in 0..3 {
        let status = round(&it);
        assert_eq!(level(&status, "services"), WatchLevel::Fail, "{status:?}");
    }
    std::fs::remove_dir_all(&lock).unwrap();
    let mails = smtp.messages();
    assert_eq!(mails.len(), first.len() + 1, "{mails:#?}");
    // Headers unfolded (a long subject is folded onto a second line, as RFC 5322 has it).
    let down = mails
        .last()
        .unwrap()
        .replace("\r\n", "\n")
        .replace("\n ", " ");
    assert!(down.contains("To: owner@example.org"), "{down}");
    assert!(down.contains("Subject: [DeskMate] home:"), "{down}");
    assert!(down.contains("backend (exited)"), "{down}");
    assert!(down.contains("What to do:"), "{down}");

    // It comes back: one more e-mail, saying so.
    docker(&["start", &backend[0]]);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = round(&it);
        if level(&status, "services") == WatchLevel::Ok {
            break;
        }
        assert!(Instant::now() < deadline, "never recovered: {status:?}");
        std::thread::sleep(Duration::from_secs(3));
    }
    let mails = smtp.messages();
    assert_eq!(mails.len(), first.len() + 2, "{mails:#?}");
    assert!(
        mails.last().unwrap().contains("well again"),
        "{}",
        mails.last().unwrap()
    );

    // Down again within the hour: it waits, so a flapping service is not an e-mail a round.
    docker(&["stop", &backend[0]]);
    let status = round(&it);
    assert_eq!(level(&status, "services"), WatchLevel::Fail);
    assert_eq!(
        smtp.messages().len(),
        first.len() + 2,
        "held within the hour"
    );
    let events = &status.events;
    assert!(
        events
            .iter()
            .filter(|e| e.check == "services" && e.to == WatchLevel::Fail)
            .count()
            == 2,
        "both falls are on the page: {events:?}"
    );
    docker(&["start", &backend[0]]);

    // A test e-mail through the CLI, by the same path; then what the watchdog saw.
    let sent = support::deskmate_with_data(
        it.data.path(),
        &[&"server", &"alerts", &"home", &"--test", &"--json"],
    );
    assert_eq!(sent.code, 0, "{}{}", sent.stdout, sent.stderr);
    assert_eq!(sent.json()["sent_to"], "owner@example.org");
    let mails = smtp.messages();
    assert!(mails.last().unwrap().contains("a test e-mail"));
    let shown = support::deskmate_with_data(it.data.path(), &[&"server", &"alerts", &"home"]);
    assert_eq!(shown.code, 0, "{}{}", shown.stdout, shown.stderr);
    assert!(
        shown.stdout.contains("Alerts go to owner@example.org"),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("FAIL  services"), "{}", shown.stdout);

    // The canary is nowhere it must not be.
    for (what, text) in [
        ("an e-mail", mails.join("\n")),
        (
            "watch.env",
            std::fs::read_to_string(Path::new(&it.stack).join("shared/watch.env")).unwrap(),
        ),
        (
            "the audit log",
            std::fs::read_to_string(Path::new(&it.stack).join("log/audit.log")).unwrap(),
        ),
        ("sshd's log", it.server.log()),
    ] {
        assert!(!text.contains(CANARY), "the SMTP password is in {what}");
    }

    // A wrong password: the test e-mail says so plainly.
    it.servers
        .alerts_set(
            "home",
            Environment::Production,
            &AlertsChange::On {
                settings: settings.clone(),
                password: Some(Secret::new("not-the-password")),
            },
            &host_root.to_string_lossy(),
        )
        .unwrap();
    let err = it
        .servers
        .alerts_test("home", Environment::Production)
        .unwrap_err();
    assert_eq!(err.code, "alerts.send_failed", "{err:?}");
    assert!(
        err.message
            .contains("refused the SMTP user name or password"),
        "{err:?}"
    );

    // No new password keeps the one set, for the same server; never for another one, where
    // it would be sent to a host it was not given for.
    let keep = |settings: AlertSettings| {
        it.servers.alerts_set(
            "home",
            Environment::Production,
            &AlertsChange::On {
                settings,
                password: None,
            },
            &host_root.to_string_lossy(),
        )
    };
    keep(settings.clone()).expect("the same server keeps its password");
    let err = keep(AlertSettings {
        smtp_host: "smtp.elsewhere.example".into(),
        ..settings.clone()
    })
    .unwrap_err();
    assert_eq!(err.code, "alerts.password_needed", "{err:?}");
    assert_eq!(
        std::fs::read_to_string(&password).unwrap(),
        "not-the-password",
        "the password and settings are as they were"
    );

    // Off: no address, no password file; the watchdog still records.
    let off = it
        .servers
        .alerts_set(
            "home",
            Environment::Production,
            &AlertsChange::Off,
            &host_root.to_string_lossy(),
        )
        .unwrap();
    assert_eq!(off.email, None);
    assert!(!password.exists());
    let status = round(&it);
    assert_eq!(status.email, None);
    assert!(!status.samples.is_empty());
}

/// The watchdog script as its timer runs it (a bare environment), on a stack folder of its
/// own: the certificate check against real certificates of 60, 20 and 10 days (`openssl
/// s_server`), and the backup check against a verified backup 30 hours old.
#[test]
fn the_certificate_and_backup_checks_warn_and_fail_at_their_thresholds() {
    use deskmate_api::servers::WatchLevel;
    use deskmate_test_server::TlsEndpoint;
    let stack = tempfile::tempdir().unwrap();
    for file in deskmate_stack::watch::scripts() {
        let path = stack.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.contents).unwrap();
    }
    std::fs::create_dir_all(stack.path().join("backups")).unwrap();
    let verified = hours_ago(30);
    std::fs::write(
        stack.path().join("backups/verified.tsv"),
        format!("{verified}\tabcdef12\tok\tall counts equal\n"),
    )
    .unwrap();
    for (days, expected) in [
        (60, WatchLevel::Ok),
        (20, WatchLevel::Warn),
        (10, WatchLevel::Fail),
    ] {
        let tls = TlsEndpoint::start(days);
        std::fs::create_dir_all(stack.path().join("shared")).unwrap();
        std::fs::write(
            stack.path().join(deskmate_stack::watch::SITE_ENV),
            deskmate_stack::watch::site_env(Some("localhost"), "acme", 1, tls.port),
        )
        .unwrap();
        let checks = watch_round(stack.path());
        let find = |id: &str| checks.iter().find(|c| c.id == id).unwrap().clone();
        let certificate = find("certificate");
        assert_eq!(certificate.level, expected, "{days} days: {certificate:?}");
        if expected != WatchLevel::Ok {
            assert!(
                certificate.message.contains("expires in"),
                "{certificate:?}"
            );
            assert!(!certificate.fix.is_empty());
        }
        let backup = find("backup");
        assert_eq!(backup.level, WatchLevel::Warn, "{backup:?}");
        assert!(backup.message.contains("30 hours old"), "{backup:?}");
    }

    // Another server's repository description left by a cut-off recovery goes with the next
    // round once no change holds the lock; while one does, it stays (that restore reads it).
    let from = stack.path().join("shared/env/from");
    std::fs::create_dir_all(&from).unwrap();
    std::fs::write(from.join("restic.password"), "the other server's").unwrap();
    let lock = stack.path().join(".lock/deploy");
    std::fs::create_dir_all(&lock).unwrap();
    watch_round(stack.path());
    assert!(
        from.join("restic.password").exists(),
        "a restore holds the lock"
    );
    std::fs::remove_dir(&lock).unwrap();
    watch_round(stack.path());
    assert!(!from.exists(), "its secrets are gone");

    // A newer trial restore that failed (a damaged repository) is a failure, told first.
    let failed = hours_ago(1);
    std::fs::write(
        stack.path().join("backups/verified.tsv"),
        format!("{verified}\tabcdef12\tok\tall counts equal\n{failed}\t5f3a09c1aa\tfailed\tpg_restore: corrupt pack\n"),
    )
    .unwrap();
    let checks = watch_round(stack.path());
    let backup = checks.iter().find(|c| c.id == "backup").unwrap();
    assert_eq!(backup.level, WatchLevel::Fail, "{backup:?}");
    assert!(
        backup
            .message
            .contains("backup 5f3a09c1) failed: pg_restore: corrupt pack"),
        "{backup:?}"
    );
    assert!(backup.fix.contains("delete nothing"), "{backup:?}");
}

/// One round of the shipped watchdog in `stack`, as its timer runs it (a bare environment):
/// the checks it recorded.
fn watch_round(stack: &std::path::Path) -> Vec<deskmate_api::servers::WatchCheck> {
    let out = std::process::Command::new("env")
        .args([
            "-i",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "bash",
        ])
        .arg(stack.join(deskmate_stack::watch::WATCH_SCRIPT))
        .arg(stack)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let current = std::fs::read_to_string(stack.join(deskmate_stack::watch::CURRENT)).unwrap();
    deskmate_remote::watch::parse_checks(&current)
}

/// `YYYY-MM-DDTHH:MM:SSZ`, `hours` ago, from `date` (as the scripts write times).
fn hours_ago(hours: u32) -> String {
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("{hours} hours ago"),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
