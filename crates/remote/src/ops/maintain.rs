//! The maintenance operation: `bin/deskmate-maintain` put in place and run over SSH, and its
//! report read back: one line per step with the space before and after
//! (`deskmate-stack::maintain` has the script).

use serde::Serialize;

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::error::Result;
use crate::exec::script;
use crate::parts;
use crate::parts::stack_files::SpecFile;
use crate::pump::Stream;

/// One step of a maintenance run (or of its plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MaintainStep {
    /// `database`, `images`, `cache` or `records`.
    pub id: String,
    #[ts(type = "number")]
    pub bytes_before: u64,
    #[ts(type = "number")]
    pub bytes_after: u64,
    /// What it did, would do, or why it failed, in plain words.
    pub detail: String,
    pub failed: bool,
}

/// The `step<TAB>id<TAB>before<TAB>after<TAB>detail` lines; at most 16, others skipped.
pub fn parse_steps(text: &str) -> Vec<MaintainStep> {
    text.lines()
        .filter(|l| l.len() <= 4096)
        .filter_map(|line| {
            let mut f = line.split('\t');
            (f.next()? == "step").then_some(())?;
            let id = f.next().filter(|id| {
                !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_lowercase())
            })?;
            let bytes_before = f.next()?.parse().ok()?;
            let bytes_after = f.next()?.parse().ok()?;
            let detail = f.next().unwrap_or("").to_string();
            Some(MaintainStep {
                id: id.to_string(),
                bytes_before,
                bytes_after,
                failed: detail.starts_with("failed") || detail.starts_with("skipped"),
                detail,
            })
        })
        .take(16)
        .collect()
}

/// What the maintenance run found and did, filled in as its steps report.
#[derive(Debug, Default)]
pub struct Maintained {
    pub steps: Vec<MaintainStep>,
}

impl Maintained {
    /// What the steps gave back, in bytes (what they would, for a plan).
    pub fn freed_bytes(&self) -> u64 {
        self.steps
            .iter()
            .map(|s| s.bytes_before.saturating_sub(s.bytes_after))
            .sum()
    }
}

/// `server maintain`: the script put in place, then run once. With `plan_only` it changes
/// nothing on the server but its own script, so it reads only and takes no lock; a real run
/// holds the deploy lock, so it never runs beside an update or a restore. Each of the
/// script's own steps is told as a note as it ends.
pub fn plan<'a>(
    scope: Scope,
    plan_only: bool,
    script_files: Vec<SpecFile>,
) -> Plan<'a, Maintained> {
    let dir = scope.dir.clone();
    let guard = if plan_only {
        Guard::ReadOnly
    } else {
        Guard::DeployLock
    };
    let put_dir = dir.clone();
    Plan::new("maintain", scope, guard)
        .step(Step::new(
            "script",
            "Put the maintenance script in place (bin/deskmate-maintain and the deskmate-lib it sources), if it changed",
            move |cx| {
                let written = parts::stack_files::put(cx.remote, &put_dir, &script_files, cx.cancel)?;
                Ok(Did::either(!written.is_empty(), "updated", "already up to date"))
            },
        ))
        .step(Step::new(
            "maintain",
            if plan_only {
                "Measure what maintenance would do: database, images, cache, old records (nothing changes)"
            } else {
                "Vacuum and reindex the database, remove images no kept release or backup needs, clear caches, trim old records"
            },
            move |cx| run(cx, &dir, plan_only),
        ))
}

fn run(cx: &mut Cx<'_, Maintained>, dir: &str, plan_only: bool) -> Result<Did> {
    let mut args = vec![dir];
    if plan_only {
        args.push("--plan");
    }
    let body = if plan_only {
        "exec bash \"$1/bin/deskmate-maintain\" \"$1\" \"$2\""
    } else {
        "exec bash \"$1/bin/deskmate-maintain\" \"$1\""
    };
    let mut found = Vec::new();
    let mut pending = String::new();
    let mut stderr = String::new();
    let remote = cx.remote;
    let cancel = cx.cancel;
    let exit = remote.exec(
        &script(body, &args)?,
        None,
        &mut |stream, bytes| {
            match stream {
                Stream::Stdout if pending.len() < 1 << 20 => {
                    pending.push_str(&String::from_utf8_lossy(bytes));
                    while let Some(end) = pending.find('\n') {
                        let line: String = pending.drain(..=end).collect();
                        for step in parse_steps(&line) {
                            cx.note(format!("{}: {}", step.id, step.detail));
                            found.push(step);
                        }
                    }
                }
                Stream::Stderr if stderr.len() < 64 * 1024 => {
                    stderr.push_str(&String::from_utf8_lossy(bytes));
                }
                _ => {}
            }
            cx.heartbeat();
            Ok(())
        },
        cancel,
    )?;
    if found.is_empty() && !exit.success() {
        return Err(crate::script_failures::maintain(&stderr));
    }
    cx.state.steps = found;
    let failed = cx.state.steps.iter().filter(|s| s.failed).count();
    let freed = cx.state.freed_bytes();
    let detail = if plan_only {
        format!("would free {freed} bytes")
    } else {
        format!("freed {freed} bytes; {failed} step(s) failed")
    };
    Ok(Did {
        changed: !plan_only && freed > 0,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::ops::fake::{RecordingFake, Reply};
    use crate::ops::tests::{scope, server};
    use crate::ops::{Event, Ran, Runner, Stopped};
    use proptest::prelude::*;

    const REPORT: &str =
        "step\tdatabase\t8000\t7000\tvacuumed\nstep\timages\t5000\t0\tremoved 1 image(s)\n";

    fn maintenance(
        fake: &RecordingFake,
        plan_only: bool,
        cancel: &Cancel,
    ) -> (Result<Ran, Box<Stopped>>, Maintained, Vec<String>) {
        fake.on("sha256sum <", Reply::ok("-\n"));
        let mut heard = Vec::new();
        let file = SpecFile {
            path: "bin/deskmate-maintain".into(),
            contents: b"#!/bin/bash\n".to_vec(),
            secret: false,
        };
        let plan = plan(scope(), plan_only, vec![file]);
        let mut state = Maintained::default();
        let result = Runner::new(fake, cancel, "alice@laptop", &mut |e: &Event| {
            if let Event::Note { detail, .. } = e {
                heard.push(detail.split(':').next().unwrap_or("").to_string());
            }
        })
        .run(plan, &mut state);
        (result, state, heard)
    }

    #[test]
    fn maintenance_holds_the_lock_puts_its_script_and_reports_each_step() {
        let fake = server();
        fake.on("deskmate-maintain", Reply::ok(REPORT));
        let (result, state, heard) = maintenance(&fake, false, &Cancel::new());
        let ran = result.expect("runs");
        let ids: Vec<&str> = ran.steps.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["lock", "script", "maintain"]);
        assert_eq!(heard, ["database", "images"]);
        assert_eq!(state.freed_bytes(), 6000);
        assert!(fake.file("/opt/deskmate/bin/deskmate-maintain").is_some());
        let commands = fake.commands();
        let take = commands
            .iter()
            .position(|c| c.contains("echo taken"))
            .unwrap();
        let work = commands
            .iter()
            .position(|c| c.contains("exec bash"))
            .unwrap();
        let release = commands
            .iter()
            .position(|c| c.contains("echo released"))
            .unwrap();
        assert!(
            take < work && work < release,
            "the work runs inside the lock"
        );
        assert!(fake.count("maintain production 1.2.0 run=") >= 3, "audited");
        crate::ops::tests::shellcheck_sent(&fake);
    }

    #[test]
    fn a_plan_only_run_reads_and_takes_no_lock() {
        let fake = server();
        fake.on("--plan", Reply::ok(REPORT));
        let (result, state, _) = maintenance(&fake, true, &Cancel::new());
        let ran = result.expect("runs");
        let measured = ran.steps.iter().find(|s| s.id == "maintain").unwrap();
        assert!(!measured.changed);
        assert_eq!(fake.count(".lock/deploy"), 0);
        assert_eq!(state.steps.len(), 2);
    }

    #[test]
    fn maintenance_during_an_update_is_refused_with_who_holds_the_lock() {
        let fake = server();
        fake.on(
            "echo taken",
            Reply::ok("held\t30\tbob@desktop\tupdate 1.3.0\tdesktop\t9\n"),
        );
        let (result, _, _) = maintenance(&fake, false, &Cancel::new());
        let stopped = result.expect_err("refused");
        assert_eq!(stopped.error.code(), "release.locked");
        assert!(
            stopped
                .error
                .to_string()
                .contains("bob@desktop, for update 1.3.0")
        );
        assert_eq!(fake.count("exec bash"), 0, "nothing ran");
        assert!(fake.file("/opt/deskmate/bin/deskmate-maintain").is_none());
    }

    #[test]
    fn a_failure_or_cancel_at_each_step_lets_the_lock_go() {
        for needle in ["put /opt/deskmate/bin", "exec bash"] {
            let fake = server();
            fake.on(needle, Reply::Lost);
            let (result, _, _) = maintenance(&fake, false, &Cancel::new());
            assert_eq!(result.expect_err("fails").error.code(), "ssh.protocol");
            assert_eq!(fake.count("echo released"), 1, "{needle}");

            let fake = server();
            let cancel = Cancel::new();
            fake.on(needle, Reply::Cancel(cancel.clone()));
            let (result, _, _) = maintenance(&fake, false, &cancel);
            assert!(result.expect_err("cancelled").cancelled());
            assert_eq!(fake.count("echo released"), 1, "{needle}");
        }
    }

    #[test]
    fn a_script_that_cannot_start_says_so_in_plain_words() {
        let fake = server();
        fake.on(
            "exec bash",
            Reply::fail(1, "deskmate-maintain: another backup is running\n"),
        );
        let (result, _, _) = maintenance(&fake, false, &Cancel::new());
        let stopped = result.expect_err("fails");
        assert_eq!(stopped.error.code(), "maintain.failed");
        assert!(
            stopped
                .error
                .to_string()
                .contains("another backup is running")
        );
    }

    #[test]
    fn a_busy_lock_is_the_script_s_code_and_words() {
        let fake = server();
        fake.on(
            "exec bash",
            Reply::fail(
                1,
                "error\tmaintain.busy\ta backup or restore of this stack is running; try again after it\n",
            ),
        );
        let (result, _, _) = maintenance(&fake, false, &Cancel::new());
        let stopped = result.expect_err("fails");
        assert_eq!(stopped.error.code(), "maintain.busy");
        assert!(stopped.error.to_string().contains("a backup or restore"));
    }

    #[test]
    fn the_report_reads_back() {
        let steps = parse_steps(
            "step\tdatabase\t8000000\t7500000\tvacuumed, statistics updated, indexes rebuilt\nnoise\nstep\timages\t20971520\t0\tremoved 1 image(s)\nstep\tcache\tx\t0\tbad\n",
        );
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].bytes_after, 7_500_000);
        assert!(!steps[1].failed);
        assert!(parse_steps("step\tdatabase\t0\t0\tfailed: no\n")[0].failed);
    }

    proptest! {
        #[test]
        fn any_text_gives_at_most_sixteen_steps(text in "(?s).{0,3000}") {
            prop_assert!(parse_steps(&text).len() <= 16);
        }
    }
}
