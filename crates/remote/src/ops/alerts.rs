//! `alerts set`: the watchdog's settings and scripts put on the server, the SMTP password
//! removed when alerts are turned off, and the watchdog's five-minute timer installed.
//!
//! Under the deploy lock, like every settings change. Nothing here needs an undo: the old
//! settings only decided where an e-mail goes, and a half-done run is finished by running it
//! again (each step looks before it acts). The first watchdog round runs after the plan, out
//! of the lock, since a round inside it would see "a change under way" and judge nothing.

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::parts::commands::run_script;
use crate::parts::host::install_timers;
use crate::parts::stack_files::{self, SpecFile};

/// One alerts change.
pub struct AlertsSpec {
    pub scope: Scope,
    /// The watchdog's scripts and settings (the SMTP password among them, as a secret file).
    pub files: Vec<SpecFile>,
    /// Alerts off: this file (the SMTP password, relative to the stack folder) goes.
    pub remove: Option<String>,
    /// The timer's unit files (absolute paths), staged under `staging` first.
    pub units: Vec<SpecFile>,
    pub staging: String,
    /// Empty for the server's own `/`; a test's folder in tests.
    pub host_root: String,
    pub timer: String,
}

/// What the run found: the timer, when this account could install it.
#[derive(Debug, Default)]
pub struct AlertsDone {
    pub timer: Option<String>,
}

type C<'c> = Cx<'c, AlertsDone>;

pub fn plan(spec: &AlertsSpec) -> Plan<'_, AlertsDone> {
    let dir = spec.scope.dir.as_str();
    let mut plan = Plan::new("alerts", spec.scope.clone(), Guard::DeployLock).step(Step::new(
        "files",
        "Put the watchdog and its settings in place (only what changed; the SMTP password readable only by this account)",
        move |cx: &mut C| {
            let written = stack_files::put(cx.remote, dir, &spec.files, cx.cancel)?;
            Ok(Did::either(
                !written.is_empty(),
                format!("wrote {}", written.join(", ")),
                "all unchanged",
            ))
        },
    ));
    if let Some(path) = &spec.remove {
        plan = plan.step(Step::new(
            "password",
            "Remove the SMTP password from the server",
            move |cx: &mut C| {
                let out = run_script(
                    cx.remote,
                    "removing the SMTP password",
                    r#"[ -e "$1/$2" ] || { echo none; exit 0; }; rm -f -- "$1/$2" && echo removed"#,
                    &[dir, path],
                )?;
                Ok(Did::either(
                    out.trim() == "removed",
                    "removed",
                    "there was none",
                ))
            },
        ));
    }
    plan.step(Step::new(
        "timer",
        format!(
            "Install and start the watchdog's timer ({}), every five minutes; needs root, skipped otherwise",
            spec.timer
        ),
        move |cx: &mut C| {
            let installed = install_timers(
                cx.remote,
                &spec.staging,
                &spec.host_root,
                &spec.units,
                &[&spec.timer],
            )?;
            if !installed {
                return Ok(Did::unchanged(
                    "this account may not act as root: the watchdog runs only when the app asks",
                ));
            }
            cx.state.timer = Some(spec.timer.clone());
            Ok(Did::changed(format!("{} enabled and started", spec.timer)))
        },
    ))
}

/// One watchdog round now, as its timer would run it (the Watch page's Refresh): the
/// watchdog's `files` as this app has them first. A round only records what it sees and
/// e-mails about it, so it never waits for the deploy lock (during a change it says so);
/// the outcome is Some(why) when an alert e-mail could not be sent.
pub fn round(scope: Scope, files: Vec<SpecFile>) -> Plan<'static, Option<String>> {
    let dir = scope.dir.clone();
    Plan::new("watch-round", scope.clone(), Guard::OwnLock)
        .step(stack_files::put_step(
            "files",
            "Put the watchdog in place (only what changed)",
            scope.dir,
            files,
        ))
        .step(Step::new(
            "round",
            "Run one watchdog round: check every service, record what it sees, e-mail about what changed",
            move |cx: &mut Cx<'_, Option<String>>| {
                *cx.state = crate::watch::round(cx.remote, &dir)?;
                Ok(match cx.state {
                    None => Did::changed("checked and recorded"),
                    Some(why) => Did::changed(format!(
                        "checked and recorded; the alert e-mail was not sent: {why}"
                    )),
                })
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::ops::fake::{RecordingFake, Reply};
    use crate::ops::tests::{scope, server};
    use crate::ops::{Event, Ran, Runner, Stopped};

    const SECRET: &str = "canary-smtp-password-7f3a";

    fn spec(off: bool) -> AlertsSpec {
        AlertsSpec {
            scope: scope(),
            files: vec![
                SpecFile {
                    path: "shared/watch.env".into(),
                    contents: b"ALERT_EMAIL=owner@example.org\n".to_vec(),
                    secret: false,
                },
                SpecFile {
                    path: "shared/env/smtp_password".into(),
                    contents: SECRET.as_bytes().to_vec(),
                    secret: true,
                },
            ],
            remove: off.then(|| "shared/env/smtp_password".to_string()),
            units: Vec::new(),
            staging: "/opt/deskmate/state/host".into(),
            host_root: String::new(),
            timer: "deskmate-watch-deskmate.timer".into(),
        }
    }

    fn run(fake: &RecordingFake, spec: &AlertsSpec) -> (Result<Ran, Box<Stopped>>, AlertsDone) {
        let mut done = AlertsDone::default();
        let result = Runner::new(fake, &Cancel::new(), "alice@laptop", &mut |_: &Event| {})
            .run(plan(spec), &mut done);
        (result, done)
    }

    #[test]
    fn alerts_go_on_inside_the_lock_and_the_password_never_reaches_a_command_or_the_audit() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n-\n"));
        fake.on("echo root", Reply::ok("root\n"));
        let spec = spec(false);
        let (result, done) = run(&fake, &spec);
        let ids: Vec<&str> = result.expect("runs").steps.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["lock", "files", "timer"]);
        assert_eq!(done.timer.as_deref(), Some("deskmate-watch-deskmate.timer"));
        assert_eq!(
            fake.file("/opt/deskmate/shared/env/smtp_password")
                .as_deref(),
            Some(SECRET.as_bytes())
        );
        assert!(fake.commands().iter().all(|c| !c.contains(SECRET)));
        assert_eq!(fake.count("step=files outcome=done"), 1);
        assert_eq!(fake.count("echo released"), 1);
    }

    #[test]
    fn alerts_off_remove_the_password_and_without_root_the_timer_is_skipped_not_failed() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n-\n"));
        fake.on("echo root", Reply::ok("none\n"));
        fake.on("rm -f --", Reply::ok("removed\n"));
        let (result, done) = run(&fake, &spec(true));
        let ran = result.expect("runs");
        let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["lock", "files", "password", "timer"]);
        assert!(ran.steps[2].changed);
        assert!(!ran.steps[3].changed, "{:?}", ran.steps[3]);
        assert_eq!(done.timer, None);
        crate::ops::tests::shellcheck_sent(&fake);
    }

    #[test]
    fn a_round_puts_the_watchdog_first_never_takes_the_deploy_lock_and_tells_a_failed_mail() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n-\n"));
        fake.on(
            "bin/deskmate-watch",
            Reply::fail(3, "error\talerts.mail_failed\tthe mail server refused\n"),
        );
        let mut mail = None;
        let ran = Runner::new(&fake, &Cancel::new(), "alice@laptop", &mut |_: &Event| {})
            .run(round(scope(), spec(false).files), &mut mail)
            .expect("a round whose e-mail failed still ran");
        let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["files", "round"]);
        assert_eq!(fake.count(".lock/deploy"), 0);
        assert!(mail.is_some(), "the failed e-mail is told");
        assert_eq!(fake.count("watch-round production 1.2.0 run="), 2);
        assert!(fake.commands().iter().all(|c| !c.contains(SECRET)));
    }

    #[test]
    fn alerts_are_refused_while_an_update_holds_the_lock() {
        let fake = server();
        fake.on(
            "echo taken",
            Reply::ok("held\t30\tbob@desk\tupdate 1.3.0\tdesk\t9\n"),
        );
        let (result, _) = run(&fake, &spec(false));
        let stopped = result.expect_err("refused");
        assert_eq!(stopped.error.code(), "release.locked");
        assert!(fake.file("/opt/deskmate/shared/watch.env").is_none());
    }

    #[test]
    fn a_lost_connection_at_each_step_stops_there_and_lets_the_lock_go() {
        for (step, needle) in [
            ("files", "put /opt/deskmate/shared"),
            ("password", "rm -f --"),
            ("timer", "echo root"),
        ] {
            let fake = server();
            fake.on("sha256sum <", Reply::ok("-\n-\n"));
            fake.once(needle, Reply::Lost);
            let (result, _) = run(&fake, &spec(true));
            let stopped = result.expect_err(step);
            assert_eq!(stopped.step, step);
            assert_eq!(fake.count("echo released"), 1, "{step}");
            assert_eq!(fake.count(&format!("step={step} outcome=failed")), 1);
        }
    }
}
