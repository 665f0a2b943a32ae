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
        }
    }

    /// Runs `plan` with `state` lent to its steps.
    pub fn run<S>(&mut self, mut plan: Plan<'_, S>, state: &mut S) -> Result<Ran, Box<Stopped>> {
        let started = Instant::now();
        (self.on_event)(&Event::Plan {
            operation: plan.operation,
            steps: plan.titles(),
        });
        let token = lock::token();
        let run = &token[..8];
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
                audit.write(
                    self.remote,
                    LOCK_STEP,
                    StepOutcome::Failed,
                    false,
                    &error.to_string(),
                );
                return Err(self.stop(error, LOCK_STEP, reports, Vec::new(), Vec::new()));
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
            self.let_go(locked, &scope.dir, &token, &audit);
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
        (self.on_event)(&Event::Failed {
            step: failed_id,
            code: error.code(),
            message: error.to_string(),
        });
        audit.write(self.remote, failed_id, outcome, false, &error.to_string());

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
            let result = undo(&mut cx);
            let (ok, detail) = match &result {
                Ok(did) => (true, did.detail.clone()),
                Err(e) => (false, e.to_string()),
            };
            (self.on_event)(&Event::Undone {
                step: step.id,
                ok,
                detail: detail.clone(),
            });
            if ok {
                audit.write(self.remote, step.id, StepOutcome::Undone, true, &detail);
                undone.push(step.id);
            } else {
                audit.write(
                    self.remote,
                    step.id,
                    StepOutcome::UndoFailed,
                    false,
                    &detail,
                );
                not_undone.push((step.id, format!("{}: {detail}", step.title)));
            }
        }
        self.let_go(locked, &scope.dir, &token, &audit);
        Err(self.stop(error, failed_id, reports, undone, not_undone))
    }

    fn finished(&mut self, report: &StepReport) {
        (self.on_event)(&Event::Finished {
            step: report.id,
            changed: report.changed,
            detail: report.detail.clone(),
        });
    }

    /// Lets go of the lock this run holds, and only that.
    fn let_go(&mut self, locked: bool, dir: &str, token: &str, audit: &Auditor) {
        if !locked {
            return;
        }
        let detail = match lock::release(self.remote, dir, token) {
            Ok(Released::Released) => "let go".to_string(),
            Ok(Released::NotHeld) => "already cleared by someone else".to_string(),
            Ok(Released::HeldByOther(h)) => format!(
                "left alone: it was cleared and taken since by {}",
                h.map_or("someone".into(), |h| h.describe())
            ),
            Err(e) => format!("could not be let go ({e}); clear it once nothing runs"),
        };
        (self.on_event)(&Event::Undone {
            step: LOCK_STEP,
            ok: true,
            detail: detail.clone(),
        });
        audit.write(self.remote, LOCK_STEP, StepOutcome::Undone, true, &detail);
    }

    fn stop(
        &mut self,
        error: RemoteError,
        step: &'static str,
        done: Vec<StepReport>,
        undone: Vec<&'static str>,
        not_undone: Vec<(&'static str, String)>,
    ) -> Box<Stopped> {
        let state = state_words(&done, &undone, &not_undone);
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

/// The server's state after a stop, for an owner.
fn state_words(
    done: &[StepReport],
    undone: &[&'static str],
    not_undone: &[(&'static str, String)],
) -> String {
    if !not_undone.is_empty() {
        let what: Vec<&str> = not_undone.iter().map(|(_, why)| why.as_str()).collect();
        return format!(
            "The server is part-way: these changes could not be put back: {}. Run the same action again to finish it; the audit log shows each step.",
            what.join("; ")
        );
    }
    let changed = done.iter().any(|s| s.changed);
    if !undone.is_empty() {
        "What was changed has been put back: the server is as it was before.".into()
    } else if changed {
        "Nothing that serves was changed; what was added stays for the next try.".into()
    } else {
        "Nothing on the server was changed.".into()
    }
}
