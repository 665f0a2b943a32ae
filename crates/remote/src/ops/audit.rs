//! The server's audit log, `log/audit.log` under the stack folder: one line per step of every
//! operation, in one format, written by [`write`] and read back by [`parse`].
//!
//! ```text
//! 2026-12-07T18:00:00Z deskmate update production 1.2.0 run=5f3a09c1 step=switch outcome=done changed=true now 1.2.0
//! ```
//!
//! Time and account come from the server (its clock and `id -un`), so lines written by the
//! app, the CLI and the server's own timers agree. A detail names files and versions, never
//! their contents, so no secret reaches the log. Lines of older versions of the app (no
//! `run=`/`outcome=`, or free words after the operation) still read, as done steps or notes.

use serde::Serialize;

use super::plan::Scope;
use super::remote::Remote;
use crate::exec::script;

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Done,
    Failed,
    Cancelled,
    Undone,
    UndoFailed,
    /// A line that is not a step: an older free-form note.
    Note,
}

impl StepOutcome {
    fn word(self) -> &'static str {
        match self {
            StepOutcome::Done => "done",
            StepOutcome::Failed => "failed",
            StepOutcome::Cancelled => "cancelled",
            StepOutcome::Undone => "undone",
            StepOutcome::UndoFailed => "undo_failed",
            StepOutcome::Note => "note",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "done" => StepOutcome::Done,
            "failed" => StepOutcome::Failed,
            "cancelled" => StepOutcome::Cancelled,
            "undone" => StepOutcome::Undone,
            "undo_failed" => StepOutcome::UndoFailed,
            "note" => StepOutcome::Note,
            _ => return None,
        })
    }
}

/// One line of the audit log, read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AuditLine {
    pub time: String,
    pub user: String,
    /// `install`, `update`, `restore`, `backup`, `maintain`, …
    pub operation: String,
    pub environment: String,
    pub subject: String,
    /// Groups the lines of one run of an operation; empty on older lines.
    pub run: String,
    pub step: String,
    pub outcome: StepOutcome,
    pub changed: bool,
    pub detail: String,
}

/// The line for one step, without the time and user the server adds.
pub(super) fn line(
    operation: &str,
    scope: &Scope,
    run: &str,
    step: &str,
    outcome: StepOutcome,
    changed: bool,
    detail: &str,
) -> String {
    let word = |s: &str| -> String {
        let cleaned: String = s
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .take(128)
            .collect();
        if cleaned.is_empty() {
            "-".into()
        } else {
            cleaned
        }
    };
    let detail: String = detail
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(600)
        .collect();
    format!(
        "{} {} {} run={} step={} outcome={} changed={changed} {}",
        word(operation),
        word(&scope.environment),
        word(&scope.subject),
        word(run),
        word(step),
        outcome.word(),
        detail.trim()
    )
}

/// Appends `line` with the server's time and account. Best effort: a log that cannot be
/// written never stops the work it records (the step's event still reaches the owner).
pub(super) fn write(remote: &dyn Remote, dir: &str, line: &str) {
    let Ok(command) = script(
        "mkdir -p \"$1/log\" && printf '%s %s %s\\n' \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\" \"$(id -un)\" \"$2\" >> \"$1/log/audit.log\"",
        &[dir, line],
    ) else {
        return;
    };
    if let Err(err) = remote.capture(&command, 4096) {
        tracing::warn!(%err, "the audit line was not written");
    }
}

/// The command that reads the last `lines` lines of the log.
pub fn tail_command(dir: &str, lines: usize) -> crate::Result<String> {
    script(
        "tail -n \"$2\" \"$1/log/audit.log\" 2>/dev/null || true",
        &[dir, &lines.to_string()],
    )
}

/// Most lines [`parse`] returns, and longest line it reads.
pub const MAX_LINES: usize = 5000;
const MAX_LINE: usize = 4096;

/// The log's lines, oldest first. Bounded; a line too long or without time, user and
/// operation is skipped; a line that is not a step reads as a note.
pub fn parse(text: &str) -> Vec<AuditLine> {
    text.lines()
        .filter(|l| l.len() <= MAX_LINE)
        .filter_map(parse_line)
        .take(MAX_LINES)
        .collect()
}

fn parse_line(line: &str) -> Option<AuditLine> {
    let mut rest = line.trim();
    let next = |rest: &mut &str| -> Option<String> {
        let s = rest.trim_start();
        if s.is_empty() {
            return None;
        }
        let end = s.find(' ').unwrap_or(s.len());
        *rest = &s[end..];
        Some(s[..end].to_string())
    };
    let time = next(&mut rest)?;
    let user = next(&mut rest)?;
    let operation = next(&mut rest)?;
    let mut entry = AuditLine {
        time,
        user,
        operation,
        environment: String::new(),
        subject: String::new(),
        run: String::new(),
        step: String::new(),
        outcome: StepOutcome::Note,
        changed: false,
        detail: String::new(),
    };
    // Environment and subject come before the first key=value, when the line has them.
    for slot in [&mut entry.environment, &mut entry.subject] {
        let mut peek = rest;
        match next(&mut peek) {
            Some(word) if !word.contains('=') => {
                *slot = word;
                rest = peek;
            }
            _ => break,
        }
    }
    loop {
        let mut peek = rest;
        let Some(word) = next(&mut peek) else { break };
        let Some((key, value)) = word.split_once('=') else {
            break;
        };
        match key {
            "run" => entry.run = value.to_string(),
            "step" => entry.step = value.to_string(),
            "outcome" => entry.outcome = StepOutcome::from_word(value)?,
            "changed" => entry.changed = value == "true",
            _ => break,
        }
        rest = peek;
    }
    // An older step line (`step=` and no outcome) was written once the step had succeeded.
    if !entry.step.is_empty() && entry.outcome == StepOutcome::Note && !line.contains("outcome=") {
        entry.outcome = StepOutcome::Done;
    }
    entry.detail = rest.trim().to_string();
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scope() -> Scope {
        Scope {
            dir: "/opt/deskmate".into(),
            environment: "production".into(),
            subject: "1.2.0".into(),
        }
    }

    #[test]
    fn a_written_line_reads_back_whole() {
        let written = line(
            "update",
            &scope(),
            "5f3a09c1",
            "switch",
            StepOutcome::Done,
            true,
            "now 1.2.0\nand more",
        );
        let read = parse(&format!("2026-12-07T18:00:00Z deskmate {written}\n"));
        assert_eq!(read.len(), 1);
        let l = &read[0];
        assert_eq!(
            (
                l.operation.as_str(),
                l.environment.as_str(),
                l.subject.as_str()
            ),
            ("update", "production", "1.2.0")
        );
        assert_eq!((l.run.as_str(), l.step.as_str()), ("5f3a09c1", "switch"));
        assert_eq!(l.outcome, StepOutcome::Done);
        assert!(l.changed);
        assert_eq!(l.detail, "now 1.2.0 and more");
    }

    #[test]
    fn older_lines_read_as_steps_or_notes() {
        let read = parse(
            "2026-11-01T10:00:00Z bob install production 1.1.0 step=folders changed=true created\n\
             2026-11-01T10:05:00Z bob maintain freed=100 failed=0\n\
             2026-11-01T10:06:00Z bob update lock cleared by bob@laptop\n\
             garbage\n",
        );
        assert_eq!(read.len(), 3);
        assert_eq!(read[0].outcome, StepOutcome::Done);
        assert_eq!(read[0].detail, "created");
        assert_eq!(read[1].outcome, StepOutcome::Note);
        assert_eq!(read[1].operation, "maintain");
        assert_eq!(read[2].outcome, StepOutcome::Note);
        assert_eq!(read[2].detail, "by bob@laptop");
    }

    #[test]
    fn an_unknown_outcome_is_not_read_as_a_step() {
        assert!(
            parse("t u update production 1 run=a step=x outcome=maybe changed=true").is_empty()
        );
    }

    proptest! {
        #[test]
        fn any_text_reads_within_bounds(text in "(?s).{0,4000}") {
            let lines = parse(&text);
            prop_assert!(lines.len() <= MAX_LINES);
        }

        #[test]
        fn any_step_round_trips(
            op in "[a-z]{1,12}",
            step in "[a-z_]{1,12}",
            detail in "[ -~]{0,200}",
            changed: bool,
        ) {
            let written = line(&op, &scope(), "r1", &step, StepOutcome::Failed, changed, &detail);
            let read = parse(&format!("t u {written}"));
            prop_assert_eq!(read.len(), 1);
            prop_assert_eq!(&read[0].operation, &op);
            prop_assert_eq!(&read[0].step, &step);
            prop_assert_eq!(read[0].outcome, StepOutcome::Failed);
            prop_assert_eq!(read[0].changed, changed);
            prop_assert_eq!(&read[0].detail, detail.trim());
        }
    }
}
