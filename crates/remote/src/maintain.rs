//! `bin/deskmate-maintain` run over SSH, and its report read back: one line per step with
//! the space before and after (`deskmate-stack::maintain` has the script).

use serde::Serialize;

use crate::cancel::Cancel;
use crate::error::Result;
use crate::exec::script;
use crate::install::refuse;
use crate::pump::Stream;
use crate::session::Session;

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

/// Runs the script (already in place) once; with `plan`, changes nothing. Each step as it
/// ends goes to `on_step`.
pub fn run(
    session: &Session,
    dir: &str,
    plan: bool,
    on_step: &mut dyn FnMut(&MaintainStep),
    cancel: &Cancel,
) -> Result<Vec<MaintainStep>> {
    let mut args = vec![dir];
    if plan {
        args.push("--plan");
    }
    let body = if plan {
        "exec bash \"$1/bin/deskmate-maintain\" \"$1\" \"$2\""
    } else {
        "exec bash \"$1/bin/deskmate-maintain\" \"$1\""
    };
    let mut steps = Vec::new();
    let mut pending = String::new();
    let mut stderr = String::new();
    let exit = session.exec(
        &script(body, &args)?,
        None,
        &mut |stream, bytes| {
            match stream {
                Stream::Stdout if pending.len() < 1 << 20 => {
                    pending.push_str(&String::from_utf8_lossy(bytes));
                    while let Some(end) = pending.find('\n') {
                        let line: String = pending.drain(..=end).collect();
                        for step in parse_steps(&line) {
                            on_step(&step);
                            steps.push(step);
                        }
                    }
                }
                Stream::Stderr if stderr.len() < 64 * 1024 => {
                    stderr.push_str(&String::from_utf8_lossy(bytes));
                }
                _ => {}
            }
            Ok(())
        },
        cancel,
    )?;
    if steps.is_empty() && !exit.success() {
        let why = stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("deskmate-"))
            .unwrap_or(stderr.trim())
            .to_string();
        return Err(refuse(
            "maintain.failed",
            format!("maintenance did not run: {why}"),
            "Nothing was changed. If a backup is running, try again after it.",
        ));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
