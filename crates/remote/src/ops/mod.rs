//! The operation engine: every change to a server is a [`Plan`] of named [`Step`]s that one
//! [`Runner`] executes.
//!
//! ```text
//! api (one function per user action)
//!   -> ops::<operation>::plan(..)      a Plan: named steps, each run (+ undo where it changes)
//!   -> Runner::run(plan, &mut state)   guard (deploy lock), audit, cancel, undo, events
//!   -> &dyn Remote                     the SSH Session, or the RecordingFake in fast tests
//! ```
//!
//! - [`plan`]: steps, what each will do, run and undo; [`Cx`] is what a step may use.
//! - [`runner`]: the only place that takes the lock, writes the audit, cancels and undoes.
//! - [`event`]: the progress stream the app and the CLI render the same way.
//! - [`lock`]: the deploy lock with an owner token (only its holder lets it go).
//! - [`audit`]: the audit log's one format, one writer, one reader.
//! - [`remote`]: the seam to the server; [`fake`]: the recording fake.
//! - one module per operation ([`maintain`], …); [`recover`] clears a lock a cut-off
//!   change left, once the owner chose a way forward.
//!
//! Adding an operation: (1) a module here with a `plan(..)` that returns a `Plan` of steps,
//! each run idempotent (look before acting); (2) an `undo` for every step that changes what
//! serves; (3) its state struct, for what later steps and undos need to know; (4) fast tests
//! through the fake: order, a failure at each step, a cancel at each step; (5) one api
//! function that opens the server, builds the plan and runs it.

pub mod alerts;
pub mod audit;
pub mod backup;
pub mod event;
pub mod fake;
pub mod heal;
pub mod install;
pub mod lock;
pub mod maintain;
pub mod offsite;
pub mod plan;
pub mod publish;
pub mod recover;
pub mod remote;
pub mod restore;
pub mod runner;
pub mod schedule;
pub mod settings;
pub mod update;

pub use event::{Event, Outcome, PlannedStep, StepReport, Unit};
pub use plan::{Cx, Did, Guard, LOCK_STEP, Plan, Scope, Step};
pub use remote::Remote;
pub use runner::{Ran, Runner, Stopped};

#[cfg(test)]
pub(crate) mod tests;
