//! The one way the CLI shows a server operation as it runs: the same event stream the app
//! draws (`OperationEvent`), as lines a person can follow and a log can keep.
//!
//! Each finished step is a line on stdout (`  done  Title: detail`, or `same` when it found
//! everything as wanted); a step put back after a failure or a cancel is an `undo` line. On a
//! terminal, a long step also shows a live line on stderr, rewritten in place: its bytes or
//! rows and an estimate, or how long it has been working, so a slow server is never taken
//! for a dead one. With `--json` nothing is printed until the report.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use deskmate_api::{OperationEvent as Event, Unit};

use crate::output::size;

pub struct Printer {
    json: bool,
    live: bool,
    titles: BTreeMap<&'static str, String>,
    /// When the step now running started, for the estimate.
    step_started: Instant,
    /// A live line is on the terminal and must be cleared before the next line.
    showing: bool,
}

impl Printer {
    pub fn new(json: bool) -> Self {
        Printer {
            json,
            live: !json && std::io::stderr().is_terminal(),
            titles: BTreeMap::new(),
            step_started: Instant::now(),
            showing: false,
        }
    }

    /// A callback for the api.
    pub fn on_event(&mut self) -> impl FnMut(&Event) + '_ {
        move |event: &Event| self.show(event)
    }

    pub fn show(&mut self, event: &Event) {
        if self.json {
            return;
        }
        match event {
            Event::Plan { steps, .. } => {
                self.titles = steps.iter().map(|s| (s.id, s.title.clone())).collect();
            }
            Event::Started { step, title } => {
                self.titles.entry(step).or_insert_with(|| title.clone());
                self.step_started = Instant::now();
            }
            Event::Progress {
                step,
                done,
                total,
                unit,
            } => {
                let line = progress_words(*done, *total, *unit, self.step_started.elapsed());
                self.live_line(step, &line);
            }
            Event::Heartbeat { step, elapsed_ms } => {
                let line = format!("working, {} s", elapsed_ms / 1000);
                self.live_line(step, &line);
            }
            Event::Note { detail, .. } => {
                self.clear();
                println!("        {detail}");
            }
            Event::Finished {
                step,
                changed,
                detail,
            } => {
                let mark = if *changed { "done" } else { "same" };
                self.line(mark, step, detail);
            }
            Event::Undone { step, ok, detail } => {
                let mark = if *ok { "undo" } else { "left" };
                self.line(mark, step, detail);
            }
            Event::Failed { .. } | Event::Done { .. } => self.clear(),
        }
    }

    fn title(&self, step: &str) -> String {
        self.titles
            .get(step)
            .cloned()
            .unwrap_or_else(|| step.to_string())
    }

    fn line(&mut self, mark: &str, step: &str, detail: &str) {
        self.clear();
        println!("  {mark:<4}  {}: {detail}", self.title(step));
    }

    fn live_line(&mut self, step: &str, words: &str) {
        if !self.live {
            return;
        }
        let title: String = self.title(step).chars().take(50).collect();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K  ....  {title}: {words}");
        let _ = err.flush();
        self.showing = true;
    }

    fn clear(&mut self) {
        if self.showing {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.showing = false;
        }
    }
}

/// "1.2 GiB of 3.0 GiB (40%), about 2 min left", or "120,000 rows".
fn progress_words(
    done: u64,
    total: Option<u64>,
    unit: Unit,
    elapsed: std::time::Duration,
) -> String {
    let amount = |n: u64| match unit {
        Unit::Bytes => size(n),
        Unit::Rows => format!("{n} rows"),
        Unit::Items => n.to_string(),
    };
    let Some(total) = total.filter(|t| *t > 0) else {
        return amount(done);
    };
    let percent = done.saturating_mul(100) / total;
    let left = if done > 0 && done < total {
        let rest = elapsed.as_secs_f64() * (total - done) as f64 / done as f64;
        format!(", about {} left", duration_words(rest as u64))
    } else {
        String::new()
    };
    format!("{} of {} ({percent}%){left}", amount(done), amount(total))
}

fn duration_words(seconds: u64) -> String {
    match seconds {
        0..=89 => format!("{seconds} s"),
        _ => format!("{} min", seconds.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn progress_says_how_far_and_how_long_is_left() {
        let words = progress_words(40, Some(100), Unit::Rows, Duration::from_secs(20));
        assert_eq!(words, "40 rows of 100 rows (40%), about 30 s left");
        assert_eq!(progress_words(7, None, Unit::Items, Duration::ZERO), "7");
        assert!(
            progress_words(1 << 30, Some(4 << 30), Unit::Bytes, Duration::from_secs(60))
                .ends_with("(25%), about 3 min left")
        );
    }
}
