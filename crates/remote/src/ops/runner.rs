//! The one runner every operation goes through. It alone guards (the deploy lock), audits
//! (one line per step), cancels (between steps; steps themselves stop inside long work),
//! undoes (the completed steps, in reverse, after a failure or a cancel) and reports
//! progress (the [`Event`] stream). Operations only say what their steps are.

use std::time::Instant;

use super::audit::{self, StepOutcome};
use super::event::{Event, Outcome, StepReport};
use super::lock::{self, Released};
use super::plan::{Cx, Guard, LOCK_STEP, LOCK_TITLE, Plan, Scope};
use super::remote::Remote;
use crate::cancel::Cancel;
use crate::error::RemoteError;

/// Runs plans on one server.
pub struct Runner<'r> {
    remote: &'r dyn Remote,
    cancel: &'r Cancel,
    who: String,
    on_event: &'r mut dyn FnMut(&Event),
    /// The lock's owner token, when the caller took the lock already (see
    /// [`Runner::holding`]); else each run makes its own.
    token: Option<String>,
}

/// A plan that ran to its end.
#[derive(Debug, Clone)]
pub struct Ran {
    pub operation: &'static str,
    /// Every step, the lock's first when the plan takes it.
    pub steps: Vec<StepReport>,
    pub elapsed_ms: u64,
}

impl Ran {
    /// Whether any step changed something.
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|s| s.changed)
    }
}

/// A plan that stopped: what failed, what was put back, and the state the server is in.
#[derive(Debug)]
pub struct Stopped {
    pub error: RemoteError,
    /// The step that failed or was cancelled (`lock` when the lock was refused).
    pub step: &'static str,
    /// The steps that had finished before it.
    pub done: Vec<StepReport>,
    /// The steps put back, in the order they were.
    pub undone: Vec<&'static str>,
    /// Steps that changed something and could not be put back, with why.
    pub not_undone: Vec<(&'static str, String)>,
    /// The server's state, in plain words: what an owner needs to know next.
    pub state: String,
}

impl Stopped {
    pub fn cancelled(&self) -> bool {
        matches!(self.error, RemoteError::Cancelled)
    }
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.error, self.state)
    }
}

impl From<Box<Stopped>> for RemoteError {
    fn from(stopped: Box<Stopped>) -> Self {
        stopped.error
    }
}

/// Writes the audit lines of one run of one operation.
struct Auditor<'p> {
    operation: &'static str,
    scope: &'p Scope,
    run: &'p str,
}

impl Auditor<'_> {
    fn write(
        &self,
        remote: &dyn Remote,
        step: &str,
        outcome: StepOutcome,
        changed: bool,
        detail: &str,
    ) {
        let line = audit::line(
            self.operation,
            self.scope,
            self.run,
            step,
            outcome,
            changed,
            detail,
        );
        audit::write(remote, &self.scope.dir, &line);
    }
}

impl<'r> Runner<'r> {
    /// `who` names this side in the lock and the audit (`alice@laptop`).
    pub fn new(
        remote: &'r dyn Remote,
        cancel: &'r Cancel,
        who: impl Into<String>,
        on_event: &'r mut dyn FnMut(&Event),
    ) -> Self {
        Runner {
            remote,
            cancel,
            who: who.into(),
            on_event,
            token: None,
        }
    }

    /// Runs inside the deploy lock the caller already holds under `token` (a restore takes
    /// it before it puts another server's description in place, and removes that after the
    /// run). Taking it again with the same token is a no-op; the caller lets it go.
    pub fn holding(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    /// Runs `plan` with `state` lent to its steps.
    pub fn run<S>(&mut self, mut plan: Plan<'_, S>, state: &mut S) -> Result<Ran, Box<Stopped>> {
        let started = Instant::now();
        (self.on_event)(&Event::Plan {
            operation: plan.operation,
            steps: plan.titles(),
        });
        let token = self.token.clone().unwrap_or_else(lock::token);
        let run = &lock::token()[..8];
        let scope = plan.scope.clone();
        let operation = plan.operation;
        let audit = Auditor {
            operation,
            scope: &scope,
            run,
        };
        let mut reports = Vec::new();

        // Their events went out when they ran, in the earlier session.
        for report in std::mem::take(&mut plan.earlier) {
            audit.write(
                self.remote,
                report.id,
                StepOutcome::Done,
                report.changed,
                &report.detail,
            );
            reports.push(report);
        }

        let locked = plan.guard == Guard::DeployLock;
        if locked {
            (self.on_event)(&Event::Started {
                step: LOCK_STEP,
                title: LOCK_TITLE.into(),
            });
            let action = match scope.subject.as_str() {
                "" | "-" => operation.to_string(),
                subject => format!("{operation} {subject}"),
            };
            if let Err(error) = lock::take(self.remote, &scope.dir, &token, &self.who, &action) {
                self.failed(LOCK_STEP, &error);
                audit.write(
                    self.remote,
                    LOCK_STEP,
                    StepOutcome::Failed,
                    false,
                    &words(&error),
                );
                return Err(self.stop(
                    error,
                    LOCK_STEP,
                    reports,
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                ));
            }
            let report = StepReport {
                id: LOCK_STEP,
                title: LOCK_TITLE.into(),
                // Held and let go again, the lock leaves the server as it was: not a change.
                changed: false,
                detail: format!("held by {}", self.who),
            };
            self.finished(&report);
            audit.write(
                self.remote,
                LOCK_STEP,
                StepOutcome::Done,
                false,
                &report.detail,
            );
            reports.push(report);
        }
        // Let go even if a step or a listener panics (the undo does not run then). A lock the
        // caller took (`holding`) is the caller's to let go.
        let mut held = (locked && self.token.is_none())
            .then(|| lock::Held::new(self.remote, &scope.dir, &token));

        let mut failure = None;
        for index in 0..plan.steps.len() {
            let step = &mut plan.steps[index];
            if self.cancel.is_cancelled() {
                failure = Some((RemoteError::Cancelled, index, false));
                break;
            }
            (self.on_event)(&Event::Started {
                step: step.id,
                title: step.title.clone(),
            });
            let mut cx = Cx {
                remote: self.remote,
                state: &mut *state,
                cancel: self.cancel,
                step: step.id,
                events: &mut *self.on_event,
                started: Instant::now(),
                last_beat: Instant::now(),
            };
            match (step.run)(&mut cx) {
                Ok(did) => {
                    let report = StepReport {
                        id: step.id,
                        title: step.title.clone(),
                        changed: did.changed,
                        detail: did.detail,
                    };
                    self.finished(&report);
                    audit.write(
                        self.remote,
                        step.id,
                        StepOutcome::Done,
                        did.changed,
                        &report.detail,
                    );
                    reports.push(report);
                }
                Err(error) => {
                    failure = Some((error, index, true));
                    break;
                }
            }
        }

        let Some((error, at, ran)) = failure else {
            self.let_go(held.take(), &audit);
            (self.on_event)(&Event::Done {
                outcome: Outcome::Succeeded,
                state: "Done.".into(),
            });
            return Ok(Ran {
                operation,
                steps: reports,
                elapsed_ms: started.elapsed().as_millis() as u64,
            });
        };

        let failed_id = plan.steps[at].id;
        let outcome = if matches!(error, RemoteError::Cancelled) {
            StepOutcome::Cancelled
        } else {
            StepOutcome::Failed
        };
        self.failed(failed_id, &error);
        audit.write(self.remote, failed_id, outcome, false, &words(&error));

        // The failed step may have done part of its work, so its own undo runs too; then
        // every completed one, newest first. Undo is never cancelled: it is the way back.
        let mut to_undo: Vec<usize> = (0..at).collect();
        if ran {
            to_undo.push(at);
        }
        let mut undone = Vec::new();
        let mut not_undone = Vec::new();
        let never = Cancel::new();
        for index in to_undo.into_iter().rev() {
            let step = &mut plan.steps[index];
            let Some(undo) = step.undo.as_mut() else {
                continue;
            };
            let mut cx = Cx {
                remote: self.remote,
                state: &mut *state,
                cancel: &never,
                step: step.id,
                events: &mut *self.on_event,
                started: Instant::now(),
                last_beat: Instant::now(),
            };
            match undo(&mut cx) {
                Ok(did) => {
                    (self.on_event)(&Event::Undone {
                        step: step.id,
                        ok: true,
                        detail: did.detail.clone(),
                    });
                    audit.write(
                        self.remote,
                        step.id,
                        StepOutcome::Undone,
                        did.changed,
                        &did.detail,
                    );
                    // An undo that says "unchanged" left the step's change in place (it
                    // could not, or need not, be put back): it stays among the kept ones.
                    if did.changed {
                        undone.push(step.id);
                    }
                }
                Err(error) => {
                    (self.on_event)(&Event::Undone {
                        step: step.id,
                        ok: false,
                        detail: error.to_string(),
                    });
                    audit.write(
                        self.remote,
                        step.id,
                        StepOutcome::UndoFailed,
                        false,
                        &words(&error),
                    );
                    not_undone.push((step.id, format!("{}: {error}", step.title)));
                }
            }
        }
        self.let_go(held.take(), &audit);
        let kept = kept_changes(&reports, &undone);
        Err(self.stop(error, failed_id, reports, undone, not_undone, kept))
    }

    fn finished(&mut self, report: &StepReport) {
        (self.on_event)(&Event::Finished {
            step: report.id,
            changed: report.changed,
            detail: report.detail.clone(),
        });
    }

    fn failed(&mut self, step: &'static str, error: &RemoteError) {
        (self.on_event)(&Event::Failed {
            step,
            code: error.code(),
            message: error.to_string(),
        });
    }

    /// Lets go of the lock this run holds, and only that.
    fn let_go(&mut self, held: Option<lock::Held<'_>>, audit: &Auditor) {
        let Some(held) = held else {
            return;
        };
        let (ok, detail) = match held.release() {
            Ok(Released::Released) => (true, "let go".to_string()),
            Ok(Released::NotHeld) => (true, "already cleared by someone else".to_string()),
            Ok(Released::HeldByOther(h)) => (
                true,
                format!(
                    "left alone: it was cleared and taken since by {}",
                    h.map_or("someone".into(), |h| h.describe())
                ),
            ),
            Err(e) => (
                false,
                format!("could not be let go ({e}); clear it once nothing runs"),
            ),
        };
        (self.on_event)(&Event::Undone {
            step: LOCK_STEP,
            ok,
            detail: detail.clone(),
        });
        let outcome = if ok {
            StepOutcome::Undone
        } else {
            StepOutcome::UndoFailed
        };
        audit.write(self.remote, LOCK_STEP, outcome, false, &detail);
    }

    fn stop(
        &mut self,
        error: RemoteError,
        step: &'static str,
        done: Vec<StepReport>,
        undone: Vec<&'static str>,
        not_undone: Vec<(&'static str, String)>,
        kept: Vec<String>,
    ) -> Box<Stopped> {
        let state = state_words(&undone, &not_undone, &kept);
        let outcome = if matches!(error, RemoteError::Cancelled) {
            Outcome::Cancelled
        } else {
            Outcome::Failed
        };
        (self.on_event)(&Event::Done {
            outcome,
            state: state.clone(),
        });
        Box::new(Stopped {
            error,
            step,
            done,
            undone,
            not_undone,
            state,
        })
    }
}

/// What an error says in the audit log: its code and words of our own, never a command's
/// output (a compose or restic error can echo anything, secrets included).
fn words(error: &RemoteError) -> String {
    let said = match error {
        RemoteError::RemoteFailed { what, code, .. } => {
            format!("{what} failed on the server (exit {code})")
        }
        other => other.to_string(),
    };
    format!("{}: {said}", error.code())
}

/// The titles of the finished steps that changed something and were not put back.
fn kept_changes(done: &[StepReport], undone: &[&'static str]) -> Vec<String> {
    done.iter()
        .filter(|s| s.changed && !undone.contains(&s.id))
        .map(|s| s.title.clone())
        .collect()
}

/// The server's state after a stop, for an owner.
fn state_words(
    undone: &[&'static str],
    not_undone: &[(&'static str, String)],
    kept: &[String],
) -> String {
    let stays = if kept.is_empty() {
        String::new()
    } else {
        format!(
            " These stay as they are, ready for the next try: {}.",
            kept.join("; ")
        )
    };
    if !not_undone.is_empty() {
        let what: Vec<&str> = not_undone.iter().map(|(_, why)| why.as_str()).collect();
        return format!(
            "The server is part-way: these changes could not be put back: {}.{stays} Run the same action again to finish it; the audit log shows each step.",
            what.join("; ")
        );
    }
    match (undone.is_empty(), kept.is_empty()) {
        (false, true) => {
            "What was changed has been put back: the server is as it was before.".into()
        }
        (false, false) => format!("What serves was put back as it was.{stays}"),
        (true, false) => format!("Nothing that serves was put back.{stays}"),
        (true, true) => "Nothing on the server was changed.".into(),
    }
}
