//! Reading an interrupted change, and choosing the ways forward: pure, over the facts
//! `interrupted.rs` gathers (the lock's holder, the audit lines, `current`, the containers,
//! the releases kept), so every case is tested without a server.
//!
//! The run is the newest one that took the lock (its `lock` step done) and has no line
//! letting it go, matched to the lock by the time it was taken (the server's clock writes
//! both), else by the lock's action (`update 1.1.0` is operation `update`, subject `1.1.0`).
//!
//! An update from Y to X (a rollback and a promote are updates too) is cut off either before
//! its switch (`current` still names Y; X's containers may be answering beside Y's) or after
//! it (`current` names X, which was not watched to the end). Either way the two ways are
//! "Finish: update to X again" and "Undo: go back to Y"; which of them is a real update and
//! which only settles the release `current` already names depends on that.

use deskmate_remote::health::ContainerState;
use deskmate_remote::ops::LOCK_STEP;
use deskmate_remote::ops::audit::{AuditLine, StepOutcome};
use deskmate_remote::ops::lock::Holder;
use deskmate_remote::ops::update::Titles;
use deskmate_remote::releases::ReleaseEntry;
use deskmate_stack::Environment;

use super::words;
use super::{Answering, Interrupted, Liveness, RunSeen, StepSeen, Versions, Way, WayKind, WayRuns};
use crate::servers::home::time::parse_rfc3339;
use crate::servers::lock::HeldLock;

/// Services that answer requests: a second one of another release is the problem to say.
const ANSWERING: &[&str] = &["backend", "frontend"];

/// What `interrupted` read on the server and here.
pub(in crate::servers) struct Facts {
    pub lock: HeldLock,
    pub liveness: (Liveness, String),
    pub audit: Vec<AuditLine>,
    pub current: Option<String>,
    pub containers: Vec<ContainerState>,
    /// Newest first, as `releases::releases` lists them.
    pub releases: Vec<ReleaseEntry>,
}

/// This computer, as far as the lock's holder is concerned.
pub(in crate::servers) struct Here {
    pub host: String,
    pub pid: u32,
    /// The holder's process runs here (when the holder is this computer).
    pub holder_alive: bool,
    /// This app has a task on the server now.
    pub working_on_it: bool,
}

impl Here {
    pub fn now(holder: &Holder, working_on_it: bool) -> Here {
        Here {
            host: std::fs::read_to_string("/etc/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default(),
            pid: std::process::id(),
            holder_alive: holder.pid != 0
                && std::path::Path::new(&format!("/proc/{}", holder.pid)).exists(),
            working_on_it,
        }
    }
}

/// The server, as far as the lock's holder is concerned (its timers run there).
pub(in crate::servers) struct ServerSide {
    pub host: String,
    pub alive: bool,
}

/// Whether the program that took the lock can still be working, and why, in words.
pub(in crate::servers) fn liveness(
    holder: &Holder,
    here: &Here,
    server: &ServerSide,
) -> (Liveness, String) {
    let ago = words::ago(holder.seconds);
    if holder.host.is_empty() || holder.pid == 0 {
        return (
            Liveness::Unknown,
            format!("The lock does not say which computer took it, {ago} ago."),
        );
    }
    if !here.host.is_empty() && holder.host == here.host {
        if holder.pid == here.pid {
            return if here.working_on_it {
                (Liveness::Working, "This app is working on it now.".into())
            } else {
                (
                    Liveness::Gone,
                    "This app started it and is no longer working on it: the connection to the server was lost midway.".into(),
                )
            };
        }
        return if here.holder_alive {
            (
                Liveness::Unknown,
                format!(
                    "It was started on this computer by a program that still runs (process {}), perhaps the command line in another window.",
                    holder.pid
                ),
            )
        } else {
            (
                Liveness::Gone,
                "It was started on this computer by a program that is no longer running (the app or the command line was closed, or the computer stopped), so nothing is working on it now.".into(),
            )
        };
    }
    if !server.host.is_empty() && holder.host == server.host {
        return if server.alive {
            (
                Liveness::Working,
                "The server's own timer is running it now.".into(),
            )
        } else {
            (
                Liveness::Gone,
                "The server's own timer started it, and that run is no longer going (the server restarted, or the run was stopped).".into(),
            )
        };
    }
    let likely = if holder.seconds >= 6 * 3600 {
        " A change takes minutes, so after this long it was most likely cut off."
    } else {
        " Clear it only if you know nothing is changing the server from there."
    };
    (
        Liveness::Unknown,
        format!(
            "It was started on another computer ({}), {ago} ago, which may still be working on it.{likely}",
            holder.host
        ),
    )
}

/// The page for a held lock.
pub(in crate::servers) fn judge(
    server: &str,
    environment: Environment,
    facts: Facts,
) -> Interrupted {
    let holder = &facts.lock.holder;
    let lines = find_run(&facts.audit, holder);
    let (operation, subject) = match lines.first() {
        Some(l) => (l.operation.clone(), l.subject.clone()),
        None => split_action(&holder.action),
    };
    let current = facts.current.clone();
    let update = (operation == "update").then(|| versions(&subject, &facts));
    let run = (!lines.is_empty()).then(|| read_run(&lines, update.as_ref().map(|(v, _)| v)));
    let answering: Vec<Answering> = facts
        .containers
        .iter()
        .filter(|c| c.state == "running" && ANSWERING.contains(&c.service.as_str()))
        .map(|c| Answering {
            service: c.service.clone(),
            version: c.release.clone(),
            health: c.health.clone(),
        })
        .collect();
    let mut backends: Vec<&str> = answering
        .iter()
        .filter(|a| a.service == "backend")
        .map(|a| a.version.as_str())
        .collect();
    backends.sort_unstable();
    backends.dedup();
    let mixed = backends.len() > 1;
    // A service that answers with two containers at once: what an update cut off between
    // starting the new one beside and stopping the old one leaves. (One container whose
    // release is older than `current` is normal: an update leaves a service whose image did
    // not change running as it was.)
    let doubled = ANSWERING
        .iter()
        .any(|s| answering.iter().filter(|a| a.service == *s).count() > 1);
    let (liveness, liveness_words) = facts.liveness.clone();
    let ways = if liveness == Liveness::Working {
        Vec::new()
    } else {
        match &update {
            Some((seen, kept)) => {
                update_ways(seen, *kept, current.as_deref(), run.as_ref(), doubled)
            }
            None => other_ways(&operation, &subject, run.is_some()),
        }
    };
    Interrupted {
        server: server.to_string(),
        environment: environment.name(),
        what: words::what(
            &operation,
            &subject,
            update.as_ref().and_then(|(v, _)| v.from.as_deref()),
            &holder.action,
        ),
        versions: update.map(|(v, _)| v),
        progress: words::progress(run.as_ref()),
        state: words::state(current.as_deref(), &backends),
        lock: facts.lock,
        liveness,
        liveness_words,
        run,
        current,
        answering,
        mixed,
        ways,
    }
}

/// The versions an interrupted update moves between, and whether the one it went to is kept
/// on the server (its folder and release file), so it can be deployed again from there.
fn versions(subject: &str, facts: &Facts) -> (Versions, bool) {
    let from = match facts.current.as_deref() {
        Some(c) if c != subject => Some(c.to_string()),
        _ => facts
            .releases
            .iter()
            .find(|r| r.version != subject && r.served)
            .map(|r| r.version.clone()),
    };
    let kept = facts.releases.iter().any(|r| r.version == subject);
    (
        Versions {
            to: subject.to_string(),
            from,
        },
        kept,
    )
}

/// `update 1.1.0` as (`update`, `1.1.0`); `maintenance` as (`maintenance`, `-`).
fn split_action(action: &str) -> (String, String) {
    match action.trim().split_once(' ') {
        Some((op, subject)) if !subject.contains(' ') => (op.to_string(), subject.to_string()),
        _ => (action.trim().to_string(), "-".into()),
    }
}

/// The lines of the run that holds the lock, oldest first; empty when the log shows none.
fn find_run<'a>(lines: &'a [AuditLine], holder: &Holder) -> Vec<&'a AuditLine> {
    let let_go = |run: &str| {
        lines.iter().any(|l| {
            l.run == run
                && l.step == LOCK_STEP
                && matches!(l.outcome, StepOutcome::Undone | StepOutcome::UndoFailed)
        })
    };
    let (op, subject) = split_action(&holder.action);
    let same_action = |l: &AuditLine| l.operation == op && (l.subject == subject || subject == "-");
    // Taken by the runner a moment before it wrote the line; the server's clock wrote both.
    let same_time = |l: &AuditLine| {
        parse_rfc3339(&l.time).is_some_and(|t| {
            let taken = holder.taken as i64;
            t >= taken - 5 && t <= taken + 120
        })
    };
    let mut open = lines.iter().filter(|l| {
        l.step == LOCK_STEP
            && l.outcome == StepOutcome::Done
            && !l.run.is_empty()
            && l.run != "-"
            && !let_go(&l.run)
    });
    // With the time known, only a run that took the lock then is this lock's: an older run
    // cut off the same way (and its lock cleared since) is not. A lock that says no time
    // (older) goes by its action.
    let found = if holder.taken > 0 {
        open.rfind(|l| same_time(l))
    } else {
        open.rfind(|l| same_action(l))
    };
    match found {
        Some(lock) => lines
            .iter()
            .filter(|l| l.run == lock.run && l.operation == lock.operation)
            .collect(),
        None => Vec::new(),
    }
}

/// Steps the runner's plan heads with, done before the lock (a build, a clear).
fn earlier_title(id: &str) -> Option<&'static str> {
    match id {
        "build" => Some("Build the release on the server"),
        "clear" => Some("Clear the deploy lock a cut-off change left"),
        _ => None,
    }
}

fn read_run(lines: &[&AuditLine], update: Option<&Versions>) -> RunSeen {
    let first = lines[0];
    let backup_first = !lines
        .iter()
        .any(|l| l.step == "backup" && l.detail.contains("skipped"));
    let planned = update.map(|u| {
        Titles {
            version: &u.to,
            previous: u.from.as_deref().unwrap_or("the release before"),
            watch: std::time::Duration::from_secs(60),
            backup_first,
        }
        .planned()
    });
    let title = |id: &str| -> String {
        planned
            .as_ref()
            .and_then(|p| p.iter().find(|s| s.id == id))
            .map(|s| s.title.clone())
            .or_else(|| earlier_title(id).map(str::to_string))
            .unwrap_or_else(|| id.to_string())
    };
    let seen = |l: &AuditLine| StepSeen {
        id: l.step.clone(),
        title: title(&l.step),
        changed: l.changed,
        detail: l.detail.clone(),
    };
    let steps = lines.iter().filter(|l| l.step != LOCK_STEP);
    let done: Vec<StepSeen> = steps
        .clone()
        .filter(|l| l.outcome == StepOutcome::Done)
        .map(|l| seen(l))
        .collect();
    let stopped = steps
        .clone()
        .find(|l| matches!(l.outcome, StepOutcome::Failed | StepOutcome::Cancelled))
        .map(|l| seen(l));
    let undone = steps
        .filter(|l| matches!(l.outcome, StepOutcome::Undone | StepOutcome::UndoFailed))
        .map(|l| seen(l))
        .collect();
    // The step under way is the plan's next after the last one finished (the runner writes a
    // line only once a step ends); unknown without the plan, or once it was putting back.
    let at = match (&planned, &stopped) {
        (Some(planned), None) => planned
            .iter()
            .filter(|s| s.id != LOCK_STEP)
            .find(|s| !done.iter().any(|d| d.id == s.id))
            .map(|s| StepSeen {
                id: s.id.to_string(),
                title: s.title.clone(),
                changed: false,
                detail: String::new(),
            }),
        _ => None,
    };
    RunSeen {
        run: first.run.clone(),
        operation: first.operation.clone(),
        subject: first.subject.clone(),
        user: first.user.clone(),
        started: lines
            .iter()
            .find(|l| l.step == LOCK_STEP)
            .map_or_else(|| first.time.clone(), |l| l.time.clone()),
        done,
        at,
        stopped,
        undone,
    }
}

/// Finish and undo for an interrupted update from Y to X, then "only clear the lock".
fn update_ways(
    seen: &Versions,
    kept: bool,
    current: Option<&str>,
    run: Option<&RunSeen>,
    strays: bool,
) -> Vec<Way> {
    let x = seen.to.as_str();
    let switched = current == Some(x);
    let recreated = run.is_some_and(|r| r.done.iter().any(|s| s.id == "stateful" && s.changed));
    let mut ways = Vec::new();
    // Settling X needs the release it moves away from (its way back if X fails the watch).
    let finish = if switched {
        seen.from.as_deref().map(|y| words::finish_settle(x, y))
    } else if kept {
        Some(words::finish_update(
            x,
            current.unwrap_or("the release serving now"),
        ))
    } else {
        None
    };
    if let Some((does, effect)) = finish {
        ways.push(Way {
            kind: WayKind::Finish,
            label: format!("Finish: update to {x} again"),
            does,
            effect,
            to: Some(x.to_string()),
            runs: WayRuns::Update,
            // X already serves: finishing is the shorter way, and proves it.
            recommended: switched,
        });
    }
    if let Some(y) = seen.from.as_deref() {
        let (does, effect, runs) = if switched {
            let (d, e) = words::undo_update(y, x);
            (d, e, WayRuns::Update)
        } else if strays || recreated {
            let (d, e) = words::undo_settle(y, x);
            (d, e, WayRuns::Update)
        } else {
            let (d, e) = words::undo_nothing_changed(y);
            (d, e, WayRuns::Nothing)
        };
        ways.push(Way {
            kind: WayKind::Undo,
            label: format!("Undo: go back to {y}"),
            does,
            effect,
            to: Some(y.to_string()),
            runs,
            recommended: !switched,
        });
    }
    ways.push(clear_way(words::clear_update(x, switched, strays)));
    ways.sort_by_key(|w| !w.recommended);
    ways
}

fn clear_way(effect: String) -> Way {
    Way {
        kind: WayKind::Clear,
        label: "Only clear the lock".into(),
        does: "Removes the lock, and changes nothing else on the server.".into(),
        effect,
        to: None,
        runs: WayRuns::Nothing,
        recommended: false,
    }
}

/// For operations other than an update: maintenance runs again (each of its steps looks
/// before it acts); the others are done again from where the owner started them.
fn other_ways(operation: &str, subject: &str, known: bool) -> Vec<Way> {
    let mut ways = Vec::new();
    if operation == "maintain" {
        ways.push(Way {
            kind: WayKind::RunAgain,
            label: "Run maintenance again".into(),
            does: "Clears the lock, then runs maintenance from its start: each step looks at the server before it acts, so nothing is done twice.".into(),
            effect: "The housekeeping is done; nothing that serves changes.".into(),
            to: None,
            runs: WayRuns::Maintenance,
            recommended: true,
        });
    }
    let mut clear = clear_way(words::clear_other(operation, subject, known));
    clear.recommended = ways.is_empty();
    ways.push(clear);
    ways
}
