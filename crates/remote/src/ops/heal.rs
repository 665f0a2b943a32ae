//! `backup heal`: a damaged backup repository set aside (never deleted: what can still be
//! read there is kept for salvage) and a fresh one started with a verified backup of the
//! data as it is now, so backing up works again.
//!
//! restic 0.14 cannot mend a repository whose pack files are damaged on disk (`rebuild-index`
//! keeps the damaged blobs listed, and a new backup then skips them as stored); a fresh
//! repository beside it is the way that always works. Taken under the backup scripts' own
//! lock, so no backup or trial restore runs while the folder moves.

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::backup;
use crate::error::Result;
use crate::parts::commands::{refuse, run_script};
use crate::parts::stack_files::{SpecFile, backup_scripts_step};

/// What the heal did.
#[derive(Debug, Default)]
pub struct Healed {
    /// Where the damaged repository was set aside, relative to the stack folder.
    pub set_aside: Option<String>,
    /// The first backup of the fresh repository, proven by a trial restore.
    pub backup: Option<String>,
}

type C<'c> = Cx<'c, Healed>;

/// The heal's plan; `stamp` names the set-aside folder (`backups/restic.damaged-STAMP`).
pub fn plan(scope: Scope, scripts: Vec<SpecFile>, stamp: &str) -> Plan<'static, Healed> {
    let dir = scope.dir.clone();
    let aside = format!("backups/restic.damaged-{stamp}");
    let unfinished = format!("backups/restic.unfinished-{stamp}");
    let (dir2, dir3) = (dir.clone(), dir.clone());
    Plan::new("backup-heal", scope, Guard::OwnLock)
        .step(backup_scripts_step(&dir, scripts))
        .step(
            Step::new(
                "aside",
                format!("Set the damaged repository aside as {aside} (nothing in it is deleted)"),
                move |cx: &mut C| set_aside(cx, &dir2, &aside),
            )
            // Back as it was: the damaged repository in its place, and what the fresh one
            // got beside it, kept too.
            .undo(move |cx: &mut C| {
                let Some(aside) = cx.state.set_aside.take() else {
                    return Ok(Did::unchanged("nothing was moved"));
                };
                run_script(
                    cx.remote,
                    "putting the repository back",
                    r#"cd "$1/backups" || exit 1
if [ -e restic ]; then mv -- restic "$1/$3" || exit 1; fi
mv -- "$1/$2" restic"#,
                    &[&dir3, &aside, &unfinished],
                )?;
                Ok(Did::changed(
                    "the repository is back in its place; what the new one got is kept beside it",
                ))
            }),
        )
        .step(Step::new(
            "backup",
            "Start a fresh repository with a backup of the data as it is now, proven by a trial restore",
            move |cx: &mut C| {
                let (remote, cancel) = (cx.remote, cx.cancel);
                let (made, _) = backup::create(
                    remote,
                    &dir,
                    true,
                    Some("the first backup of the repository started by a heal"),
                    cancel,
                    &mut |k, v| cx.script_line(k, v, backup::TOLD),
                )?;
                let detail = format!("backup {}, proven by a trial restore", made.snapshot);
                cx.state.backup = Some(made.snapshot);
                // The weekly check's last word was about the damaged repository: the fresh
                // one, proven just now, is what the health report should speak of.
                let said = format!(
                    "a fresh repository, its first backup proven; the damaged one is kept as {}",
                    cx.state.set_aside.as_deref().unwrap_or("it was")
                );
                run_script(
                    cx.remote,
                    "recording the fresh repository",
                    r#"printf '%s\tok\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" >> "$1/backups/checks.tsv""#,
                    &[&dir, &said],
                )?;
                Ok(Did::changed(detail))
            },
        ))
}

fn set_aside(cx: &mut C, dir: &str, aside: &str) -> Result<Did> {
    let out = run_script(
        cx.remote,
        "setting the repository aside",
        r#"cd "$1/backups" 2> /dev/null || { echo none; exit 0; }
exec 9> .lock
flock -n 9 || { echo busy; exit 0; }
[ -e restic ] || { echo none; exit 0; }
mv -- restic "$1/$2" && echo moved"#,
        &[dir, aside],
    )?;
    match out.trim() {
        "moved" => {
            cx.state.set_aside = Some(aside.to_string());
            Ok(Did::changed(format!("now {aside}")))
        }
        "busy" => Err(refuse(
            "backup.busy",
            "A backup or a restore of this stack is running, so the repository was not moved.",
            "Nothing was changed. Heal it again once that has finished.",
        )),
        _ => Ok(Did::unchanged("there was no repository to set aside")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::ops::fake::{RecordingFake, Reply};
    use crate::ops::tests::{backup_scripts, scope, server};
    use crate::ops::{Event, Ran, Runner, Stopped};

    fn heal(fake: &RecordingFake) -> (Result<Ran, Box<Stopped>>, Healed) {
        let mut healed = Healed::default();
        let result = Runner::new(fake, &Cancel::new(), "alice@laptop", &mut |_: &Event| {})
            .run(plan(scope(), backup_scripts(), "20261208"), &mut healed);
        (result, healed)
    }

    #[test]
    fn the_damaged_repository_is_set_aside_and_a_fresh_one_begins_with_a_verified_backup() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n"));
        fake.on("flock -n 9", Reply::ok("moved\n"));
        fake.on(
            "deskmate-backup",
            Reply::ok("snapshot\tfresh001\n--verify--\nresult\tverified\n"),
        );
        let (result, healed) = heal(&fake);
        let ids: Vec<&str> = result.expect("heals").steps.iter().map(|s| s.id).collect();
        assert_eq!(ids, ["scripts", "aside", "backup"]);
        assert_eq!(
            healed.set_aside.as_deref(),
            Some("backups/restic.damaged-20261208")
        );
        assert_eq!(healed.backup.as_deref(), Some("fresh001"));
        assert_eq!(fake.count(".lock/deploy"), 0, "the backup lock only");
        assert_eq!(fake.count("rm -"), 0, "nothing is deleted");
        crate::ops::tests::shellcheck_sent(&fake);
    }

    #[test]
    fn a_failed_first_backup_puts_the_damaged_repository_back_and_keeps_the_new_one_beside() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n"));
        fake.on("flock -n 9", Reply::ok("moved\n"));
        fake.on(
            "deskmate-backup",
            Reply::fail(
                1,
                "error\tbackup.database_down\tPostgreSQL is not running\n",
            ),
        );
        let (result, healed) = heal(&fake);
        let stopped = result.expect_err("the backup failed");
        assert_eq!(stopped.step, "backup");
        assert_eq!(stopped.undone, ["aside"]);
        assert_eq!(healed.set_aside, None);
        assert_eq!(fake.count("restic.unfinished-20261208"), 1);
    }

    #[test]
    fn a_running_backup_is_waited_for_by_refusing_before_anything_moves() {
        let fake = server();
        fake.on("sha256sum <", Reply::ok("-\n"));
        fake.on("flock -n 9", Reply::ok("busy\n"));
        let (result, _) = heal(&fake);
        let stopped = result.expect_err("refused");
        assert_eq!(stopped.error.code(), "backup.busy");
        assert_eq!(fake.count("deskmate-backup\""), 0);
    }
}
