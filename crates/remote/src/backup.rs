//! Backups on the server: the scripts of `deskmate_stack::backup` run over SSH, their reports
//! read back, and the list of backups as the repository and the server's own logs have it.
//!
//! The scripts print `key<TAB>value` lines ([`parse_report`]); the list joins `restic
//! snapshots --json` (what exists) with `backups/history.tsv` (sizes, times) and
//! `backups/verified.tsv` (trial restores). All three come from the server, so each reader
//! is bounded and skips what it cannot read rather than failing the whole list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;
use crate::pump::Stream;
use crate::script_failures;

mod list;
pub use list::{Backup, list, list_from, parse_list};

/// Output larger than this is not our scripts'.
pub const MAX_OUTPUT: usize = 1 << 20;
/// Lines read from a report or log; the rest is ignored.
pub const MAX_LINES: usize = 10_000;

/// The environment every script and restic call gets: the repository and its password file
/// (never the password itself).
const RESTIC_ENV: &str = r#"export RESTIC_PASSWORD_FILE="$1/shared/env/restic.password"; export RESTIC_REPOSITORY="${RESTIC_REPOSITORY:-$1/backups/restic}";"#;

/// What one backup did (`deskmate-backup`'s report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BackupReport {
    /// restic's snapshot id (8 hex digits from restic 0.14, longer from later ones).
    pub snapshot: String,
    pub release: String,
    pub database: String,
    pub vectors: String,
    pub files: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// New data the repository stored (after deduplication).
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub seconds: u64,
    /// This backup created the repository.
    pub repository_created: bool,
}

/// What one trial restore showed (`deskmate-verify`'s report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VerifyReport {
    pub snapshot: String,
    pub database: String,
    pub vectors: String,
    pub files: String,
    #[ts(type = "number")]
    pub seconds: u64,
    /// After a backup's own trial restore: what the retention rules did ("forgot 2 old
    /// backups"), or why they failed; empty for a check of an older backup.
    pub retention: String,
    /// After a backup's own trial restore, when an offsite copy is set up: "copied to …",
    /// or why the copy failed (the backup on the server is good either way).
    pub offsite: String,
}

/// `key<TAB>value` lines, the first value of each key kept. Bounded; lines without a tab
/// are skipped.
pub fn parse_report(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for line in text.lines().take(MAX_LINES) {
        if let Some((key, value)) = line.split_once('\t')
            && !key.is_empty()
            && key.len() <= 64
        {
            values
                .entry(key.to_string())
                .or_insert_with(|| value.chars().take(1024).collect());
        }
    }
    values
}

fn number(values: &BTreeMap<String, String>, key: &str) -> u64 {
    values
        .get(key)
        .and_then(|v| v.trim().split('.').next()?.parse().ok())
        .unwrap_or(0)
}

fn text(values: &BTreeMap<String, String>, key: &str) -> String {
    values.get(key).cloned().unwrap_or_default()
}

/// What a script printed, and how it ended.
pub(crate) struct Ran {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn stderr_tail(&self) -> String {
        let lines: Vec<&str> = self.stderr.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Runs a script with `dir` as `$1`, telling `on_line` each `key<TAB>value` line as it
/// comes. A cancel stops it on the server (the scripts clean up on TERM).
pub(crate) fn run_script(
    session: &dyn Remote,
    body: &str,
    dir: &str,
    args: &[&str],
    cancel: &Cancel,
    on_line: &mut dyn FnMut(&str, &str),
) -> Result<Ran> {
    let mut all = vec![dir];
    all.extend_from_slice(args);
    let (mut stdout, mut stderr, mut pending) = (Vec::new(), Vec::new(), Vec::new());
    let exit = session.exec(
        &script(body, &all)?,
        None,
        &mut |stream, bytes| {
            let sink = match stream {
                Stream::Stdout => &mut stdout,
                Stream::Stderr => &mut stderr,
            };
            if sink.len() + bytes.len() > MAX_OUTPUT {
                return Err(RemoteError::Protocol {
                    reason: "a backup script printed more than 1 MiB".into(),
                });
            }
            sink.extend_from_slice(bytes);
            if stream == Stream::Stdout {
                pending.extend_from_slice(bytes);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line[..end]).into_owned();
                    if let Some((key, value)) = line.split_once('\t') {
                        on_line(key, value);
                    }
                }
            }
            Ok(())
        },
        cancel,
    )?;
    Ok(Ran {
        success: exit.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

fn run(session: &dyn Remote, body: &str, dir: &str, args: &[&str]) -> Result<Ran> {
    run_script(session, body, dir, args, &Cancel::new(), &mut |_, _| {})
}

/// The script's report lines worth telling the owner as they come (the rest is the report's).
pub const TOLD: &[&str] = &[
    "database",
    "vectors",
    "files",
    "offsite",
    "offsite_failed",
    "retention",
    "image_postgres",
    "image_qdrant",
    "image_backend",
];

/// Runs `deskmate-backup` (and, with `verify`, the trial restore right after it).
/// `on_line` hears each line of the report as the script gets there (`database`,
/// `vectors`, `files`, `snapshot`, then the trial restore's). With `keep`, the backup is
/// kept for 30 days whatever the retention rules say, and the list gives `keep` as why.
pub fn create(
    session: &dyn Remote,
    dir: &str,
    verify: bool,
    keep: Option<&str>,
    cancel: &Cancel,
    on_line: &mut dyn FnMut(&str, &str),
) -> Result<(BackupReport, Option<VerifyReport>)> {
    let flag = if verify { "--verify" } else { "" };
    let keep = keep.map(|why| format!("--keep={why}")).unwrap_or_default();
    let out = run_script(
        session,
        r#"exec bash "$1/bin/deskmate-backup" "$1" "$2" "$3""#,
        dir,
        &[flag, &keep],
        cancel,
        on_line,
    )?;
    let stdout = out.stdout.clone();
    let (made, checked) = match stdout.split_once("--verify--\n") {
        Some((made, checked)) => (made, Some(checked)),
        None => (stdout.as_str(), None),
    };
    let values = parse_report(made);
    if !out.success {
        let stderr = out.stderr_tail();
        if let (Some(snapshot), Some(_)) = (values.get("snapshot"), checked) {
            // The backup was kept; its trial restore failed.
            return Err(script_failures::verify(snapshot, &stderr));
        }
        return Err(script_failures::backup(&stderr));
    }
    let report = BackupReport {
        snapshot: text(&values, "snapshot"),
        release: text(&values, "release"),
        database: text(&values, "database"),
        vectors: text(&values, "vectors"),
        files: text(&values, "files"),
        bytes: number(&values, "bytes"),
        added: number(&values, "added"),
        seconds: number(&values, "seconds"),
        repository_created: values.get("repository").is_some_and(|v| v == "created"),
    };
    if report.snapshot.is_empty() {
        return Err(RemoteError::Protocol {
            reason: "the backup script reported no snapshot".into(),
        });
    }
    let verified = checked.map(|text| verify_report(&parse_report(text)));
    Ok((report, verified))
}

/// Runs `deskmate-verify` on one snapshot.
pub fn verify(
    session: &dyn Remote,
    dir: &str,
    snapshot: &str,
    cancel: &Cancel,
    on_line: &mut dyn FnMut(&str, &str),
) -> Result<VerifyReport> {
    if let Some(refused) = script_failures::bad_backup_id(snapshot) {
        return Err(refused);
    }
    let out = run_script(
        session,
        r#"exec bash "$1/bin/deskmate-verify" "$1" "$2""#,
        dir,
        &[snapshot],
        cancel,
        on_line,
    )?;
    if !out.success {
        return Err(script_failures::verify(snapshot, &out.stderr_tail()));
    }
    Ok(verify_report(&parse_report(&out.stdout)))
}

fn verify_report(values: &BTreeMap<String, String>) -> VerifyReport {
    VerifyReport {
        snapshot: text(values, "snapshot"),
        database: text(values, "database"),
        vectors: text(values, "vectors"),
        files: text(values, "files"),
        seconds: number(values, "seconds"),
        retention: match (values.get("forgotten"), values.get("retention")) {
            (Some(n), _) => format!("forgot {n} old backups"),
            (None, Some(why)) => format!("old backups were not forgotten: {why}"),
            (None, None) => String::new(),
        },
        offsite: match (values.get("offsite"), values.get("offsite_failed")) {
            (Some(copied), _) => copied.clone(),
            (None, Some(why)) => format!("the offsite copy failed: {why}"),
            (None, None) => String::new(),
        },
    }
}

/// What a restore can bring back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Database,
    Vectors,
    Files,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Database, Part::Vectors, Part::Files];

    pub fn name(self) -> &'static str {
        match self {
            Part::Database => "database",
            Part::Vectors => "vectors",
            Part::Files => "files",
        }
    }
}

/// Where `deskmate-restore` put a backup's data, beside the running stack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restored {
    pub postgres_volume: Option<String>,
    pub qdrant_volume: Option<String>,
    pub files_dir: Option<String>,
}

/// What [`restore_beside`] restores, from where, and how its new volumes are named.
#[derive(Debug, Clone, Copy)]
pub struct Beside<'a> {
    pub repository: Repository,
    pub snapshot: &'a str,
    /// New volumes and folder are named with it.
    pub suffix: &'a str,
    pub parts: &'a [Part],
}

/// Runs `deskmate-restore`: the parts of `snapshot` into new volumes (and a new data
/// folder) named with `suffix`, proven there, each report line to `on_line` as it comes.
/// The running stack is not touched.
pub fn restore_beside(
    session: &dyn Remote,
    dir: &str,
    wanted: &Beside<'_>,
    cancel: &Cancel,
    on_line: &mut dyn FnMut(&str, &str),
) -> Result<Restored> {
    let Beside {
        repository,
        snapshot,
        suffix,
        parts,
    } = *wanted;
    let mut args = vec![snapshot, suffix];
    args.extend(parts.iter().map(|p| p.name()));
    let body = format!(
        r#"d=$1; shift; {} exec bash "$d/bin/deskmate-restore" "$d" "$@""#,
        repository.choice()
    );
    let out = run_script(session, &body, dir, &args, cancel, on_line)?;
    if !out.success {
        return Err(script_failures::restore(snapshot, &out.stderr_tail()));
    }
    let values = parse_report(&out.stdout);
    Ok(Restored {
        postgres_volume: values.get("postgres_volume").cloned(),
        qdrant_volume: values.get("qdrant_volume").cloned(),
        files_dir: values.get("files_dir").cloned(),
    })
}

/// Points the running release at other data: the two volume lines of its `.env` and
/// `shared/data-volumes`, and, with `files`, swaps the data folder with `files.0` (the old
/// one goes to `files.1`). The same call with the old names and the two folders swapped
/// undoes it. Nothing is deleted.
pub fn point_at(
    session: &dyn Remote,
    dir: &str,
    postgres_volume: &str,
    qdrant_volume: &str,
    files: Option<(&str, &str)>,
) -> Result<()> {
    let (incoming, outgoing) = files.unwrap_or(("", ""));
    let out = run(
        session,
        r#"cd "$1" || exit 1
env=$(readlink -f current)/.env
grep -q '^DESKMATE_POSTGRES_VOLUME=' "$env" || { echo "this install names no data volumes; run the install again first" >&2; exit 1; }
printf 'postgres	%s
qdrant	%s
' "$2" "$3" > shared/data-volumes.new && mv -f shared/data-volumes.new shared/data-volumes || exit 1
sed -e "s|^DESKMATE_POSTGRES_VOLUME=.*|DESKMATE_POSTGRES_VOLUME=$2|" -e "s|^DESKMATE_QDRANT_VOLUME=.*|DESKMATE_QDRANT_VOLUME=$3|" "$env" > "$env.new" && mv -f "$env.new" "$env" || exit 1
if [ -n "$4" ]; then mv -T shared/data "$5" && mv -T "$4" shared/data || exit 1; fi"#,
        dir,
        &[postgres_volume, qdrant_volume, incoming, outgoing],
    )?;
    if !out.success {
        return Err(RemoteError::Refused {
            code: "backup.switch_failed",
            message: format!(
                "The stack could not be pointed at the restored data: {}",
                out.stderr_tail().trim()
            ),
            detail: "DeskMate still runs on the data it had.".into(),
        });
    }
    Ok(())
}

/// Removes what a restore made and no longer needs (its volumes after a switch back).
pub fn remove_volumes(session: &dyn Remote, volumes: &[&str]) {
    if volumes.is_empty() {
        return;
    }
    if let Ok(line) = script(
        r#"for v in "$@"; do docker volume rm "$v" > /dev/null 2>&1; done; true"#,
        volumes,
    ) {
        let _ = session.capture(&line, 4096);
    }
}

/// Which repository a list or a restore reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repository {
    /// The server's own (`STACK/backups/restic`).
    Local,
    /// Another server's offsite copy, which the app put in `STACK/shared/env/from` for one
    /// disaster-recovery restore.
    From,
}

impl Repository {
    /// The line that picks it, for the scripts (which source `deskmate-repository`).
    fn choice(self) -> &'static str {
        match self {
            Repository::Local => "DESKMATE_REPOSITORY=local",
            Repository::From => "DESKMATE_REPOSITORY=from",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_keeps_the_first_value_of_each_key_and_skips_other_lines() {
        let values = parse_report("snapshot\tabc12345\nnoise\nsnapshot\tother\nbytes\t42\n");
        assert_eq!(values["snapshot"], "abc12345");
        assert_eq!(number(&values, "bytes"), 42);
        assert!(!values.contains_key("noise"));
    }

    #[test]
    fn the_list_joins_restic_with_the_history_and_the_trial_restores() {
        let text = r#"[{"time":"2026-12-02T01:00:00.1Z","id":"aaaaaaaa1111","short_id":"aaaaaaaa","tags":["deskmate","release=1.0.0"]},
{"time":"2026-12-02T02:00:00.1Z","id":"bbbbbbbb2222","short_id":"bbbbbbbb","tags":["deskmate"]}]
--history--
2026-12-02T01:00:05Z	aaaaaaaa	1.0.0	2048	1024	5
--verified--
2026-12-02T01:00:09Z	aaaaaaaa	ok	1 tables
2026-12-02T02:00:09Z	bbbbbbbb	failed	the restored database differs
"#;
        let list = parse_list(text).unwrap();
        assert_eq!(list[0].id, "bbbbbbbb2222", "newest first");
        assert_eq!(list[0].verified, Some(false));
        assert_eq!(list[1].release.as_deref(), Some("1.0.0"));
        assert_eq!(list[1].size, Some(2048));
        assert_eq!(list[1].verified, Some(true));
    }
}
