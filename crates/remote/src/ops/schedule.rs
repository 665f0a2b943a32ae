//! A schedule on the server's own clock (the daily backup, the weekly maintenance): the
//! files the timer's job reads, then the system timers, installed and started as root.
//! What runs while the app is closed is put in place under the deploy lock like any change.

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::parts::commands::refuse;
use crate::parts::host::install_timers;
use crate::parts::stack_files::{self, SpecFile};

/// One schedule to put in place.
pub struct ScheduleSpec {
    /// `backup-schedule`, `maintain-schedule`: the operation's name in the audit.
    pub operation: &'static str,
    pub scope: Scope,
    /// What the timer's job reads (scripts, settings), relative to the stack folder.
    pub files: Vec<SpecFile>,
    /// The unit files (absolute paths), staged under `staging` before they are installed.
    pub units: Vec<SpecFile>,
    pub staging: String,
    /// Where the host's files go: empty for the server's own `/`; a test's folder in tests.
    pub host_root: String,
    /// The timers enabled and started.
    pub timers: Vec<String>,
    /// The refusal when this account may not act as root: its code, and what to do.
    pub needs_root: (&'static str, String, String),
}

pub fn plan(spec: &ScheduleSpec) -> Plan<'_, ()> {
    let titles = spec.timers.join(", ");
    Plan::new(spec.operation, spec.scope.clone(), Guard::DeployLock)
        .step(Step::new(
            "files",
            "Put what the scheduled job reads in place (only what changed)",
            move |cx: &mut Cx<'_, ()>| {
                let written = stack_files::put(cx.remote, &spec.scope.dir, &spec.files, cx.cancel)?;
                Ok(Did::either(
                    !written.is_empty(),
                    format!("wrote {}", written.join(", ")),
                    "all unchanged",
                ))
            },
        ))
        .step(Step::new(
            "timers",
            format!("Install and start the system timers ({titles}); needs root"),
            move |cx: &mut Cx<'_, ()>| {
                let names: Vec<&str> = spec.timers.iter().map(String::as_str).collect();
                if !install_timers(
                    cx.remote,
                    &spec.staging,
                    &spec.host_root,
                    &spec.units,
                    &names,
                )? {
                    let (code, message, hint) = spec.needs_root.clone();
                    return Err(refuse(code, message, hint));
                }
                Ok(Did::changed(format!("{titles} enabled and started")))
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::ops::fake::Reply;
    use crate::ops::tests::{scope, server};
    use crate::ops::{Event, Runner};

    fn spec() -> ScheduleSpec {
        ScheduleSpec {
            operation: "backup-schedule",
            scope: scope(),
            files: vec![SpecFile {
                path: "backups/backup.env".into(),
                contents: b"KEEP_DAILY=7\n".to_vec(),
                secret: false,
            }],
            units: vec![SpecFile {
                path: "/etc/systemd/system/deskmate-backup.timer".into(),
                contents: b"[Timer]\n".to_vec(),
                secret: false,
            }],
            staging: "/opt/deskmate/backups/host".into(),
            host_root: String::new(),
            timers: vec!["deskmate-backup.timer".into()],
            needs_root: (
                "backup.schedule_needs_root",
                "not root".into(),
                "add".into(),
            ),
        }
    }

    #[test]
    fn a_schedule_is_put_in_place_inside_the_lock_and_refused_without_root() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n"));
        fake.on("echo root", Reply::ok("root\n"));
        let spec = spec();
        let ran = Runner::new(&fake, &Cancel::new(), "a", &mut |_: &Event| {})
            .run(plan(&spec), &mut ())
            .expect("scheduled");
        let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["lock", "files", "timers"]);
        assert_eq!(fake.count("systemctl enable --now"), 1);
        assert!(fake.file("/opt/deskmate/backups/backup.env").is_some());
        crate::ops::tests::shellcheck_sent(&fake);

        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n"));
        fake.on("echo root", Reply::ok("none\n"));
        let stopped = Runner::new(&fake, &Cancel::new(), "a", &mut |_: &Event| {})
            .run(plan(&spec), &mut ())
            .expect_err("needs root");
        assert_eq!(stopped.error.code(), "backup.schedule_needs_root");
        assert_eq!(fake.count("echo released"), 1);
        assert_eq!(fake.count("step=timers outcome=failed"), 1);
    }
}
