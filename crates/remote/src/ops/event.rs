//! The one stream of events every operation sends while it runs, the same for the app (over
//! a Tauri channel) and the CLI (a line or a bar per event).

use serde::Serialize;

/// One line of a plan, before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PlannedStep {
    pub id: &'static str,
    pub title: String,
}

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StepReport {
    pub id: &'static str,
    pub title: String,
    pub changed: bool,
    /// What it found or did, in plain words.
    pub detail: String,
}

/// What a step's progress counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Bytes,
    Rows,
    Items,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Succeeded,
    Failed,
    Cancelled,
}

/// What an operation says while it runs, in the order it happens. In TypeScript it is
/// `OperationEvent` (the DOM has its own `Event`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "OperationEvent")]
pub enum Event {
    /// Before anything runs: every step, in order, as the plan view shows it.
    Plan {
        operation: &'static str,
        steps: Vec<PlannedStep>,
    },
    Started {
        step: &'static str,
        title: String,
    },
    /// How far a long step has got; `total` where the work's size is known.
    Progress {
        step: &'static str,
        #[ts(type = "number")]
        done: u64,
        #[ts(type = "number | null")]
        total: Option<u64>,
        unit: Unit,
    },
    /// A long step is working and has nothing to count (yet): the server is slow, not gone.
    Heartbeat {
        step: &'static str,
        #[ts(type = "number")]
        elapsed_ms: u64,
    },
    /// What a long step has just got done, in words ("database: 12 tables, 40 MB"): a
    /// script's report line, shown under the step.
    Note {
        step: &'static str,
        detail: String,
    },
    Finished {
        step: &'static str,
        changed: bool,
        detail: String,
    },
    Failed {
        step: &'static str,
        code: &'static str,
        message: String,
    },
    /// A completed step put back after a failure or a cancel (`ok` false: it could not be).
    Undone {
        step: &'static str,
        ok: bool,
        detail: String,
    },
    /// The last event: how it ended, and the state the server is in, in plain words.
    Done {
        outcome: Outcome,
        state: String,
    },
}
