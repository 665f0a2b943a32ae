//! An operation as data: a list of named steps, each with what it will do (shown before
//! anything runs), how to do it, and, where it changes something, how to put it back.
//!
//! Steps share what they learn through the operation's own state `S` (the version that was
//! current before a switch, the containers a start made), which the runner lends each step
//! in turn, so an undo knows exactly what its run did.

use std::time::Instant;

use super::event::{Event, PlannedStep, StepReport, Unit};
use super::remote::Remote;
use crate::cancel::Cancel;
use crate::error::Result;

/// What a step found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Did {
    pub changed: bool,
    /// In plain words: "created", "already there", "loaded 3 images".
    pub detail: String,
}

impl Did {
    pub fn changed(detail: impl Into<String>) -> Self {
        Did {
            changed: true,
            detail: detail.into(),
        }
    }

    pub fn unchanged(detail: impl Into<String>) -> Self {
        Did {
            changed: false,
            detail: detail.into(),
        }
    }

    /// `changed` when `changed`, with the words for each case.
    pub fn either(changed: bool, yes: impl Into<String>, no: impl Into<String>) -> Self {
        if changed {
            Did::changed(yes)
        } else {
            Did::unchanged(no)
        }
    }
}

type Action<'a, S> = Box<dyn FnMut(&mut Cx<'_, S>) -> Result<Did> + 'a>;

/// One named step.
pub struct Step<'a, S> {
    pub(super) id: &'static str,
    pub(super) title: String,
    pub(super) run: Action<'a, S>,
    pub(super) undo: Option<Action<'a, S>>,
}

impl<'a, S> Step<'a, S> {
    /// A step that does `run`. Every run must be safe to repeat: it looks before it acts.
    pub fn new(
        id: &'static str,
        title: impl Into<String>,
        run: impl FnMut(&mut Cx<'_, S>) -> Result<Did> + 'a,
    ) -> Self {
        Step {
            id,
            title: title.into(),
            run: Box::new(run),
            undo: None,
        }
    }

    /// How to put back what `run` changed. It runs after a later step failed or the owner
    /// cancelled, and also after this very step failed part-way, so it must be safe when
    /// `run` did all, some or none of its work.
    pub fn undo(mut self, undo: impl FnMut(&mut Cx<'_, S>) -> Result<Did> + 'a) -> Self {
        self.undo = Some(Box::new(undo));
        self
    }
}

/// Whether an operation changes the server (and so takes the deploy lock) or only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Holds the server's deploy lock from before the first step to after the last.
    DeployLock,
    /// Changes only what a lock of its own guards on the server (the backup repository,
    /// under the backup scripts' `backups/.lock`): audited, but never waits for the deploy
    /// lock, so an update can back up first while it holds it.
    OwnLock,
    /// Reads only; never waits for nor takes the lock.
    ReadOnly,
}

/// Where an operation's audit lines go and what they name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The stack folder: the lock and `log/audit.log` are under it.
    pub dir: String,
    /// `production` or `staging`.
    pub environment: String,
    /// What the operation is about, one word: a version, a backup id, `-`.
    pub subject: String,
}

/// An operation: its name, where it acts, its guard and its steps in order.
pub struct Plan<'a, S> {
    pub(super) operation: &'static str,
    pub(super) scope: Scope,
    pub(super) guard: Guard,
    pub(super) earlier: Vec<StepReport>,
    pub(super) steps: Vec<Step<'a, S>>,
}

/// The id and title the runner's own lock step has in every plan that takes the lock.
pub const LOCK_STEP: &str = "lock";
pub(crate) const LOCK_TITLE: &str =
    "Take the server's deploy lock, so no other change runs at the same time";

impl<'a, S> Plan<'a, S> {
    pub fn new(operation: &'static str, scope: Scope, guard: Guard) -> Self {
        Plan {
            operation,
            scope,
            guard,
            earlier: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Steps done before this plan, in an earlier session (putting Docker on a server needs
    /// a new sign-in): they head the report and the audit, before the lock.
    pub fn already_done(mut self, earlier: Vec<StepReport>) -> Self {
        self.earlier = earlier;
        self
    }

    pub fn step(mut self, step: Step<'a, S>) -> Self {
        self.steps.push(step);
        self
    }

    /// What will happen, in order, before anything runs: `--plan` and the app's plan view
    /// show exactly these lines.
    pub fn titles(&self) -> Vec<PlannedStep> {
        let lock = (self.guard == Guard::DeployLock).then(|| PlannedStep {
            id: LOCK_STEP,
            title: LOCK_TITLE.to_string(),
        });
        self.earlier
            .iter()
            .map(|s| PlannedStep {
                id: s.id,
                title: s.title.clone(),
            })
            .chain(lock)
            .chain(self.steps.iter().map(|s| PlannedStep {
                id: s.id,
                title: s.title.clone(),
            }))
            .collect()
    }
}

/// What a running step may use: the server, the operation's state, the cancel flag, and a
/// way to say how far it has got.
pub struct Cx<'r, S> {
    pub remote: &'r dyn Remote,
    pub state: &'r mut S,
    pub cancel: &'r Cancel,
    pub(super) step: &'static str,
    pub(super) events: &'r mut dyn FnMut(&Event),
    pub(super) started: Instant,
    pub(super) last_beat: Instant,
}

/// At most one heartbeat this often: enough for a bar to show the work is alive.
const BEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl<S> Cx<'_, S> {
    pub fn progress(&mut self, done: u64, total: Option<u64>, unit: Unit) {
        self.last_beat = Instant::now();
        (self.events)(&Event::Progress {
            step: self.step,
            done,
            total,
            unit,
        });
    }

    /// A line a server script reported while the step runs: told as a note when it says
    /// what was done (the backup's parts, the copies), else only a sign of life.
    pub fn script_line(&mut self, key: &str, value: &str, told: &[&str]) {
        if told.contains(&key) {
            self.note(format!("{key}: {value}"));
        } else {
            self.heartbeat();
        }
    }

    /// Says what the step has just got done, in words; it counts as a heartbeat.
    pub fn note(&mut self, detail: impl Into<String>) {
        self.last_beat = Instant::now();
        (self.events)(&Event::Note {
            step: self.step,
            detail: detail.into(),
        });
    }

    /// The step is working (its command printed something, or a wait went round once);
    /// sent on at most every two seconds.
    pub fn heartbeat(&mut self) {
        if self.last_beat.elapsed() < BEAT_EVERY {
            return;
        }
        self.last_beat = Instant::now();
        (self.events)(&Event::Heartbeat {
            step: self.step,
            elapsed_ms: self.started.elapsed().as_millis() as u64,
        });
    }
}
