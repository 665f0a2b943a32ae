//! The owner's words for an interrupted change: what it was, how far it got, the server's
//! state now, and what each way forward does and leaves. Pure.

use super::RunSeen;

pub(super) use deskmate_remote::ops::lock::ago;

/// "an update to DeskMate 1.1.0, from 1.0.0".
pub(super) fn what(operation: &str, subject: &str, from: Option<&str>, action: &str) -> String {
    let named = subject != "-" && !subject.is_empty();
    match operation {
        "update" => format!(
            "an update to DeskMate {subject}{}",
            from.map(|y| format!(", from {y}")).unwrap_or_default()
        ),
        "install" => format!("an install of DeskMate {subject}"),
        "restore" if named => format!("a restore of backup {subject}"),
        "restore" => "a restore".into(),
        "maintain" | "maintenance" => "maintenance".into(),
        "backup" => "a backup".into(),
        "backup-schedule" => "a change to the backup schedule".into(),
        "maintain-schedule" => "a change to the maintenance schedule".into(),
        "publish" if named => format!("publishing {subject}"),
        "settings" | "config" => "a settings change".into(),
        "" if action.is_empty() => "a change that did not say what it was".into(),
        "" => action.to_string(),
        other if named => format!("{other} {subject}"),
        other => other.to_string(),
    }
}

/// How far the run got.
pub(super) fn progress(run: Option<&RunSeen>) -> String {
    let Some(run) = run else {
        return "The server's audit log has no record of its steps, so how far it got is not known."
            .into();
    };
    let titles = |steps: &[super::StepSeen]| -> String {
        steps
            .iter()
            .map(|s| s.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut said = if run.done.is_empty() {
        "It had taken the deploy lock and finished no step yet.".to_string()
    } else {
        format!("It had finished: {}.", titles(&run.done))
    };
    if let Some(stopped) = &run.stopped {
        let put_back = if run.undone.is_empty() {
            String::new()
        } else {
            format!(" (it had put back: {})", titles(&run.undone))
        };
        said.push_str(&format!(
            " Then “{}” stopped ({}), and it was putting back what it had changed{put_back} when it was cut off.",
            stopped.title, stopped.detail
        ));
    } else if let Some(at) = &run.at {
        said.push_str(&format!(" It was cut off during: {}.", at.title));
    } else if !run.done.is_empty() {
        said.push_str(" It was cut off after that.");
    }
    said
}

/// The server's state now: which versions answer, and which release `current` names.
pub(super) fn state(current: Option<&str>, backends: &[&str]) -> String {
    let mut said = match backends {
        [] => "No DeskMate backend is running: the companion does not answer.".to_string(),
        [one] => format!("DeskMate {one} answers."),
        [a, b] => format!(
            "Two versions of DeskMate answer at once: {a} and {b}. Visitors reach one or the other in turn, so the companion may answer differently from one message to the next."
        ),
        many => format!(
            "Several versions of DeskMate answer at once: {}. Visitors reach one or another in turn.",
            many.join(", ")
        ),
    };
    match current {
        Some(c) => said.push_str(&format!(" The server counts {c} as the release it runs.")),
        None => said.push_str(" No release is marked as the one it runs."),
    }
    said
}

/// Finish, before the switch: X deployed again from its kept folder.
pub(super) fn finish_update(x: &str, y: &str) -> (String, String) {
    (
        format!(
            "Clears the lock, then updates to {x} again from where it stopped, as safely as any update: a backup first, {x} started beside {y} (or the one already there reused) and checked healthy, {y}'s containers stopped, and {x} watched."
        ),
        format!("{x} serves alone. {y} stays kept on the server as the way back."),
    )
}

/// Finish, after the switch: X already named current, settled and watched.
pub(super) fn finish_settle(x: &str, left: &str) -> (String, String) {
    (
        format!(
            "Clears the lock, then finishes the update to {x}: a backup first, {x}'s containers checked healthy, anything {left} left running stopped, and {x} watched before it is recorded as a release that served."
        ),
        format!("{x} serves alone, recorded as a release that served healthily."),
    )
}

/// Undo, after the switch: a real update back to Y.
pub(super) fn undo_update(y: &str, x: &str) -> (String, String) {
    (
        format!(
            "Clears the lock, then goes back to {y}, the last release that served healthily, as safely as any update: a backup first, {y} started beside {x} and checked healthy, {x}'s containers stopped, and {y} watched."
        ),
        format!(
            "{y} serves alone, as before the update. {x} stays kept; you can update to it again later."
        ),
    )
}

/// Undo, before the switch, with X's containers (or a recreated service) left running.
pub(super) fn undo_settle(y: &str, x: &str) -> (String, String) {
    (
        format!(
            "Clears the lock, then puts {y} back as it was before the update: a backup first, {x}'s containers stopped and removed, anything the update recreated brought back from {y}, and {y} watched."
        ),
        format!(
            "{y} serves alone, as before the update. {x} stays kept; you can update to it again later."
        ),
    )
}

/// Undo, before the update changed anything that serves.
pub(super) fn undo_nothing_changed(y: &str) -> (String, String) {
    (
        "Clears the lock. The update had not changed anything that serves yet, so that is all there is to put back.".into(),
        format!("{y} serves, as before the update."),
    )
}

/// What only clearing the lock leaves, after an update.
pub(super) fn clear_update(x: &str, switched: bool, strays: bool) -> String {
    let now = match (switched, strays) {
        (_, true) => {
            " with the containers of two releases running at once until the next update or rollback"
        }
        (true, false) => {
            ", with the update's last checks not done: it is not recorded as a release that served"
        }
        (false, false) => "",
    };
    let which = if switched {
        format!(" ({x} is current)")
    } else {
        String::new()
    };
    format!("Changes can start again. The server stays exactly as it is now{which}{now}.")
}

/// What only clearing the lock leaves, after another operation, and what to do then.
pub(super) fn clear_other(operation: &str, subject: &str, known: bool) -> String {
    let unknown = if known {
        ""
    } else {
        " The audit log does not say how far it got."
    };
    let then = match operation {
        "restore" => format!(
            "A restore never deletes first: DeskMate runs on either its data from before or the restored copy, and neither was removed. To finish, restore backup {subject} again from Backups."
        ),
        "install" => "Then install again from Install: each step looks at the server before it acts, so it picks up where it stopped.".into(),
        "publish" => "Then publish again: what was being published may be the old version or the new one.".into(),
        "backup" => "The backup did not finish, and an unfinished backup is never used. The next one runs at its usual time, or back up now from Backups.".into(),
        "maintain" | "maintenance" => "Run maintenance again when you like; nothing that serves depends on it.".into(),
        "backup-schedule" | "maintain-schedule" => "Then set the schedule again: it may be half set.".into(),
        _ => "Then do the change again from where you started it: it may have been left part-way.".into(),
    };
    format!("Changes can start again.{unknown} {then}")
}
