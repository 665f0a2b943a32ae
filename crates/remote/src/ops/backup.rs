//! `backup create` and `backup verify` as operations: one step each, audited like every
//! change, the script's report lines streamed as progress.
//!
//! They take no deploy lock: they change only the backup repository, which the scripts guard
//! with their own lock (`backups/.lock`), and an update runs its backup first while it holds
//! the deploy lock itself.

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::backup::{self, BackupReport, VerifyReport};
use crate::parts::stack_files::{SpecFile, backup_scripts_step as scripts_step};

/// What a backup made, and its trial restore's outcome when asked for.
#[derive(Debug, Default)]
pub struct BackedUp {
    pub backup: Option<BackupReport>,
    pub verification: Option<VerifyReport>,
}

/// A new backup of the stack in `scope`; with `verify`, proven by a trial restore. Each
/// part (`database`, `vectors`, `files`) is told as a note as the script gets there.
pub fn create<'a>(scope: Scope, scripts: Vec<SpecFile>, verify: bool) -> Plan<'a, BackedUp> {
    let dir = scope.dir.clone();
    let title = if verify {
        "Back up the database, the vectors and the files, then prove the backup by a trial restore beside the running stack"
    } else {
        "Back up the database, the vectors and the files"
    };
    Plan::new("backup", scope, Guard::OwnLock)
        .step(scripts_step(&dir, scripts))
        .step(Step::new(
            "backup",
            title,
            move |cx: &mut Cx<'_, BackedUp>| {
                let (remote, cancel) = (cx.remote, cx.cancel);
                let (made, verification) =
                    backup::create(remote, &dir, verify, None, cancel, &mut |k, v| {
                        cx.script_line(k, v, backup::TOLD)
                    })?;
                let detail = match &verification {
                    Some(_) => format!("backup {}, proven by a trial restore", made.snapshot),
                    None => format!("backup {}", made.snapshot),
                };
                cx.state.backup = Some(made);
                cx.state.verification = verification;
                Ok(Did::changed(detail))
            },
        ))
}

/// A trial restore of `snapshot`, beside the running stack, that changes nothing that serves.
pub fn verify(
    scope: Scope,
    scripts: Vec<SpecFile>,
    snapshot: &str,
) -> Plan<'_, Option<VerifyReport>> {
    let dir = scope.dir.clone();
    Plan::new("verify", scope, Guard::OwnLock)
        .step(scripts_step(&dir, scripts))
        .step(Step::new(
            "verify",
            format!("Prove backup {snapshot} by a trial restore beside the running stack"),
            move |cx: &mut Cx<'_, Option<VerifyReport>>| {
                let (remote, cancel) = (cx.remote, cx.cancel);
                let report = backup::verify(remote, &dir, snapshot, cancel, &mut |k, v| {
                    cx.script_line(k, v, backup::TOLD)
                })?;
                *cx.state = Some(report);
                Ok(Did::unchanged(format!("backup {snapshot} restores whole")))
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::ops::fake::Reply;
    use crate::ops::tests::{backup_scripts as scripts, scope, server};
    use crate::ops::{Event, Runner};

    #[test]
    fn a_backup_is_audited_streams_its_lines_and_never_waits_for_the_deploy_lock() {
        let fake = server();
        fake.on(
            "deskmate-backup",
            Reply::ok("database\t12 tables\nsnapshot\tabc123\n"),
        );
        fake.on("sha256sum <", Reply::ok("-\n"));
        let mut state = BackedUp::default();
        let mut events = Vec::new();
        let ran = Runner::new(&fake, &Cancel::new(), "alice@laptop", &mut |e: &Event| {
            events.push(e.clone())
        })
        .run(create(scope(), scripts(), false), &mut state)
        .expect("backs up");
        assert_eq!(state.backup.unwrap().snapshot, "abc123");
        assert_eq!(
            ran.steps.iter().map(|s| s.id).collect::<Vec<_>>(),
            ["scripts", "backup"]
        );
        assert!(fake.file("/opt/deskmate/bin/deskmate-lib.sh").is_some());
        assert_eq!(fake.count(".lock/deploy"), 0);
        assert_eq!(
            fake.count("backup production 1.2.0 run="),
            2,
            "a line a step"
        );
        assert!(events.contains(&Event::Note {
            step: "backup",
            detail: "database: 12 tables".into()
        }));
    }

    #[test]
    fn a_failed_backup_says_so_in_the_audit() {
        let fake = server();
        fake.on(
            "deskmate-backup",
            Reply::fail(
                1,
                "error\tbackup.no_restic\trestic is not installed on this server\n",
            ),
        );
        fake.on("sha256sum <", Reply::ok("-\n"));
        let result = Runner::new(&fake, &Cancel::new(), "a", &mut |_: &Event| {})
            .run(create(scope(), scripts(), true), &mut BackedUp::default());
        assert_eq!(result.expect_err("fails").error.code(), "backup.no_restic");
        assert_eq!(fake.count("step=backup outcome=failed"), 1);
    }
}
