//! The list of backups: `restic snapshots --json` (what exists) joined with the server's own
//! logs (`history.tsv`, `verified.tsv`, `offsite.tsv`, and why retention keeps each). Every
//! part comes from the server, so each reader is bounded and skips what it cannot read.

use serde::{Deserialize, Serialize};

use super::{MAX_LINES, RESTIC_ENV, run};
use crate::error::{RemoteError, Result};
use crate::ops::Remote;

/// One backup in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Backup {
    pub id: String,
    pub short_id: String,
    /// When restic took it (RFC 3339, as restic writes it).
    pub time: String,
    pub release: Option<String>,
    /// The bytes it holds (what the backup read).
    #[ts(type = "number | null")]
    pub size: Option<u64>,
    #[ts(type = "number | null")]
    pub added: Option<u64>,
    #[ts(type = "number | null")]
    pub seconds: Option<u64>,
    /// The last trial restore's outcome, when there was one.
    pub verified: Option<bool>,
    pub verified_at: Option<String>,
    /// What the last trial restore found (or why it failed).
    pub verify_detail: Option<String>,
    /// The id of its offsite copy, once copied.
    pub offsite_copy: Option<String>,
    /// In a list of an offsite repository: the id of the backup it is a copy of.
    pub original: Option<String>,
    /// Why the retention rules keep it (and until when, for one the app asked to keep),
    /// as the last retention run or the keep request said.
    pub kept: Option<String>,
}

/// A snapshot as `restic snapshots --json` lists it (the fields read).
#[derive(Debug, Deserialize)]
struct ResticSnapshot {
    id: String,
    #[serde(default)]
    short_id: String,
    time: String,
    #[serde(default)]
    tags: Vec<String>,
    /// Set on a copy (`restic copy`): the snapshot it was copied from.
    #[serde(default)]
    original: Option<String>,
}

/// Every backup of the stack, newest first. An absent repository is an empty list.
pub fn list(session: &dyn Remote, dir: &str) -> Result<Vec<Backup>> {
    let body = format!(
        r#"{RESTIC_ENV}
if [ ! -e "$RESTIC_REPOSITORY/config" ] && [ "${{RESTIC_REPOSITORY#*:}}" = "$RESTIC_REPOSITORY" ]; then echo '[]'; else
  command -v restic > /dev/null || {{ echo "restic is not installed" >&2; exit 1; }}
  restic snapshots --no-lock --json --tag deskmate || exit 1
fi
echo '--history--'; cat "$1/backups/history.tsv" 2>/dev/null
echo '--verified--'; cat "$1/backups/verified.tsv" 2>/dev/null
echo '--offsite--'; cat "$1/backups/offsite.tsv" 2>/dev/null
echo '--retention--'; cat "$1/backups/retention.tsv" 2>/dev/null
echo '--kept--'; cat "$1/backups/kept.tsv" 2>/dev/null
exit 0"#
    );
    list_with(session, dir, &body)
}

/// The backups another server's offsite copy holds (put in `shared/env/from` first), as
/// this server reads them over its own connection to the offsite machine.
pub fn list_from(session: &dyn Remote, dir: &str) -> Result<Vec<Backup>> {
    let body = r#"stack=$1; restic_options=(); . "$1/bin/deskmate-repository"; use_repository from
command -v restic > /dev/null || { echo "restic is not installed" >&2; exit 1; }
restic "${restic_options[@]}" snapshots --no-lock --json --tag deskmate || exit 1
exit 0"#;
    list_with(
        session,
        dir,
        &format!(
            "exec bash -c {} bash \"$1\"",
            crate::quote(body).map_err(|e| RemoteError::Protocol {
                reason: e.to_string()
            })?
        ),
    )
}

fn list_with(session: &dyn Remote, dir: &str, body: &str) -> Result<Vec<Backup>> {
    let out = run(session, body, dir, &[])?;
    if !out.success {
        return Err(RemoteError::Refused {
            code: "backup.list_failed",
            message: format!(
                "The backups could not be listed: {}",
                out.stderr_tail().trim()
            ),
            detail: "Run `restic snapshots` on the server to see what it says.".into(),
        });
    }
    parse_list(&out.stdout)
}

/// The list script's output: restic's JSON, then the two logs.
pub fn parse_list(text: &str) -> Result<Vec<Backup>> {
    let (json, rest) = text.split_once("--history--\n").unwrap_or((text, ""));
    let (history, rest) = rest.split_once("--verified--\n").unwrap_or((rest, ""));
    let (verified, rest) = rest.split_once("--offsite--\n").unwrap_or((rest, ""));
    let (offsite, rest) = rest.split_once("--retention--\n").unwrap_or((rest, ""));
    let (retention, kept) = rest.split_once("--kept--\n").unwrap_or((rest, ""));
    let snapshots: Vec<ResticSnapshot> =
        serde_json::from_str(json.trim()).map_err(|e| RemoteError::Protocol {
            reason: format!("restic's snapshot list did not read: {e}"),
        })?;
    // The logs name snapshots by restic 0.14's 8-digit ids or by full ones: match by prefix.
    let matches = |logged: &str, id: &str| {
        !logged.is_empty()
            && logged.len() >= 8
            && (id.starts_with(logged) || logged.starts_with(id))
    };
    let fields = |line: &str| line.split('\t').map(str::to_string).collect::<Vec<_>>();
    let history: Vec<Vec<String>> = history.lines().take(MAX_LINES).map(fields).collect();
    let verified: Vec<Vec<String>> = verified.lines().take(MAX_LINES).map(fields).collect();
    let offsite: Vec<Vec<String>> = offsite.lines().take(MAX_LINES).map(fields).collect();
    let retention: Vec<Vec<String>> = retention.lines().take(MAX_LINES).map(fields).collect();
    let kept: Vec<Vec<String>> = kept.lines().take(MAX_LINES).map(fields).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut backups: Vec<Backup> = snapshots
        .into_iter()
        .take(MAX_LINES)
        .map(|s| {
            let made = history
                .iter()
                .rev()
                .find(|h| h.len() >= 6 && matches(&h[1], &s.id));
            let checked = verified
                .iter()
                .rev()
                .find(|v| v.len() >= 3 && matches(&v[1], &s.id));
            let copied = offsite
                .iter()
                .rev()
                .find(|o| o.len() >= 4 && o[2] == "ok" && matches(&o[1], &s.id));
            // The last retention run's words; a keep request newer than that run, by itself.
            let why_kept = retention
                .iter()
                .rev()
                .find(|r| r.len() >= 2 && matches(&r[0], &s.id))
                .map(|r| r[1].chars().take(300).collect())
                .or_else(|| {
                    kept.iter()
                        .rev()
                        .find(|k| k.len() >= 4 && matches(&k[0], &s.id))
                        .filter(|k| k[1].parse::<u64>().is_ok_and(|until| until > now))
                        .map(|k| {
                            format!("kept until {}: {}", k[2], k[3])
                                .chars()
                                .take(300)
                                .collect()
                        })
                });
            let release = s
                .tags
                .iter()
                .find_map(|t| t.strip_prefix("release="))
                .map(str::to_string);
            Backup {
                short_id: if s.short_id.is_empty() {
                    s.id.chars().take(8).collect()
                } else {
                    s.short_id.clone()
                },
                id: s.id,
                time: s.time,
                release,
                size: made.and_then(|h| h[3].parse().ok()),
                added: made.and_then(|h| h[4].parse().ok()),
                seconds: made.and_then(|h| h[5].parse().ok()),
                verified: checked.map(|v| v[2] == "ok"),
                verified_at: checked.map(|v| v[0].clone()),
                verify_detail: checked.and_then(|v| v.get(3).cloned()),
                offsite_copy: copied.map(|o| o[3].clone()),
                original: s.original,
                kept: why_kept,
            }
        })
        .collect();
    backups.sort_by(|a, b| b.time.cmp(&a.time));
    Ok(backups)
}
