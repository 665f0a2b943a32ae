//! A change cut off midway (the app closed, the computer died, the connection dropped): what
//! the owner is shown the next time they look at the server, without a terminal.
//!
//! Read-only, and takes no lock: who holds the deploy lock and whether that program is
//! certainly gone, the interrupted run as the audit log has it (which steps finished, which
//! one was running), the server's state now (the release `current` names, the versions of the
//! containers answering: two versions at once is said plainly), and the ways forward, each
//! with what it does and its effect. The reading and the choice are [`judge`], pure and
//! unit-tested; this module only gathers the facts over SSH. Acting on a choice is
//! `recover.rs`.

use deskmate_remote::health::containers;
use deskmate_remote::ops::audit;
use deskmate_remote::ops::lock::{self, Holder};
use deskmate_remote::releases;
use deskmate_remote::{Remote, Session, script};
use deskmate_stack::{Environment, project_name};
use serde::{Deserialize, Serialize};

use super::install::stack_dir;
use super::lock::HeldLock;
use super::release::current_version;
use super::{Servers, remote_error};
use crate::error::ApiError;

mod judge;
#[cfg(test)]
pub(super) mod tests;
mod words;

pub(super) use judge::judge;
use judge::{Facts, Here, ServerSide, liveness};

/// Whether the program that took the lock can still be working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// It has certainly ended: its process on this computer (or the server's timer) is gone,
    /// or it was this app, which no longer works on the server.
    Gone,
    /// It is working now: this app, or the server's own timer, is running it.
    Working,
    /// It may still be working: another computer, or another program on this computer.
    Unknown,
}

/// One step of the interrupted run, as the audit log has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StepSeen {
    pub id: String,
    /// The step's title in the owner's words (its id when the operation's plan is not known).
    pub title: String,
    pub changed: bool,
    pub detail: String,
}

/// The interrupted run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RunSeen {
    pub run: String,
    /// `update` (also a rollback or a promote), `install`, `restore`, `maintain`, …
    pub operation: String,
    /// The version, backup or `-` it was about.
    pub subject: String,
    /// The server's account that ran it, and when it took the lock (the server's clock).
    pub user: String,
    pub started: String,
    /// The steps that finished, in order.
    pub done: Vec<StepSeen>,
    /// The step it was in when it was cut off, when the plan's order says.
    pub at: Option<StepSeen>,
    /// The step that failed or was stopped, when it had begun putting back.
    pub stopped: Option<StepSeen>,
    /// What it had put back by then.
    pub undone: Vec<StepSeen>,
}

/// A container of a stateless service answering behind the proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Answering {
    pub service: String,
    /// The release it belongs to (`org.deskmate.release`).
    pub version: String,
    /// healthy, unhealthy, starting, or empty without a health check.
    pub health: String,
}

/// What a way forward is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WayKind {
    /// Finish the interrupted update: update to its version again.
    Finish,
    /// Undo it: back to the release that served before.
    Undo,
    /// Run the same operation again from its start (where that is safe).
    RunAgain,
    /// Only clear the lock, and change nothing else.
    Clear,
}

/// What a way runs once the lock is cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WayRuns {
    /// An update (a deploy of a release kept on the server), with its backup first, health
    /// checks, watch and automatic way back.
    Update,
    Maintenance,
    /// Nothing more.
    Nothing,
}

/// One way forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Way {
    pub kind: WayKind,
    /// The button: "Finish: update to 1.1.0 again".
    pub label: String,
    /// What it does, step by step, in plain words.
    pub does: String,
    /// How the server is once it is done.
    pub effect: String,
    /// The version it deploys, for Finish and Undo.
    pub to: Option<String>,
    pub runs: WayRuns,
    /// The way the app suggests first.
    pub recommended: bool,
}

/// The versions an interrupted update moves between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Versions {
    /// The version it was going to: what Finish deploys.
    pub to: String,
    /// The release that served before, when known: what Undo goes back to. Before the switch
    /// that is the one `current` names; after it, the newest other release that served
    /// healthily (the rollback's rule).
    pub from: Option<String>,
}

/// A change cut off midway, and the ways forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Interrupted {
    pub server: String,
    pub environment: &'static str,
    /// Who holds the lock, for what and since when.
    pub lock: HeldLock,
    pub liveness: Liveness,
    /// Whether that program can still be working, in words.
    pub liveness_words: String,
    /// The run the audit log shows for that lock, if it shows one.
    pub run: Option<RunSeen>,
    /// "an update to DeskMate 1.1.0, from 1.0.0".
    pub what: String,
    /// For an update (a rollback and a promote are updates too): the versions it moved
    /// between.
    pub versions: Option<Versions>,
    /// How far it got, in words.
    pub progress: String,
    /// The release `current` names.
    pub current: Option<String>,
    /// The backends and frontends running now.
    pub answering: Vec<Answering>,
    /// More than one version of the backend answers at once.
    pub mixed: bool,
    /// The server's state now, in words.
    pub state: String,
    /// The ways forward, the recommended one first; none while the change is still working.
    pub ways: Vec<Way>,
}

/// The owner's choice, as they were shown it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub way: WayKind,
    /// The version the chosen way deploys, as shown (Finish and Undo).
    pub to: Option<String>,
    /// When the lock shown was taken ([`Holder::taken`]): a lock taken again since is
    /// never cleared.
    pub lock_taken: u64,
}

/// The audit lines read back: enough for any run still holding the lock.
const AUDIT_LINES: usize = 2000;

impl Servers {
    /// What a change cut off midway left on `name`'s `environment`, and the ways forward;
    /// None when the deploy lock is free. Reads only: takes neither the lock nor the server.
    pub fn interrupted(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Option<Interrupted>, ApiError> {
        let (server, session) = self.open_session(name)?;
        let dir = stack_dir(&server.stack_dir, environment);
        let fail = |e| remote_error(e, name);
        let Some(holder) = lock::holder(&session, &dir).map_err(fail)? else {
            return Ok(None);
        };
        let log = session
            .capture(
                &audit::tail_command(&dir, AUDIT_LINES).map_err(fail)?,
                4 << 20,
            )
            .map_err(fail)?;
        let current = current_version(&session, &dir).map_err(fail)?;
        let facts = Facts {
            audit: audit::parse(&log.stdout_text()),
            current: (!current.is_empty()).then_some(current),
            containers: containers(&session, &project_name(&dir)).map_err(fail)?,
            releases: releases::releases(&session, &dir).map_err(fail)?,
            liveness: liveness(
                &holder,
                &Here::now(&holder, self.busy.holds(name)),
                &server_side(&session, &holder).map_err(fail)?,
            ),
            lock: HeldLock::of(holder, environment),
        };
        Ok(Some(judge(name, environment, facts)))
    }
}

/// The server's host name, and whether the lock's process runs there (a timer's run).
fn server_side(session: &Session, holder: &Holder) -> deskmate_remote::Result<ServerSide> {
    let out = session.capture(
        &script(
            r#"hostname 2>/dev/null || cat /etc/hostname
case $1 in ''|0|*[!0-9]*) echo gone ;; *) if [ -d "/proc/$1" ]; then echo alive; else echo gone; fi ;; esac"#,
            &[&holder.pid.to_string()],
        )?,
        4096,
    )?;
    let text = out.stdout_text();
    let mut lines = text.lines();
    Ok(ServerSide {
        host: lines.next().unwrap_or("").trim().to_string(),
        alive: lines.next().is_some_and(|l| l.trim() == "alive"),
    })
}
