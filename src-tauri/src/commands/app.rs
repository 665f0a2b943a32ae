//! About the app itself, file dialogs, and cancelling long tasks (one, or every change to a
//! server when the window closes).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, Reply, args, reply};
use crate::dialogs::DialogRequest;
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("app_info", info),
    ("task_cancel", cancel),
    ("dialog_pick", dialog_pick),
    ("app_notify", notify),
    ("app_stop_changes", stop_changes),
];

#[derive(Deserialize)]
struct Notification {
    title: String,
    body: String,
}

/// A desktop notification (the watchdog's changes while the window is open). Bounded, as
/// the desktop would cut it anyway.
fn notify(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Notification { title, body } = args(value)?;
    let cut = |text: &str, n: usize| text.chars().take(n).collect::<String>();
    let shown = studio
        .notifier()
        .show(&cut(&title, 120), &cut(&body, 500))
        .is_ok();
    reply(json!({ "shown": shown }))
}

/// Shows a file dialog and returns the paths picked (none when cancelled). Only paths that
/// come back from here, or from a drop on the window, pass the other commands' checks.
fn dialog_pick(studio: &Studio, value: Value, _: &Task) -> Reply {
    let request: DialogRequest = args(value)?;
    let picked = studio.dialogs().pick(&request);
    for path in &picked {
        studio.grants().grant(path);
    }
    reply(picked)
}

fn info(studio: &Studio, _: Value, _: &Task) -> Reply {
    Ok(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "dataDir": studio.app.data.root(),
        "logs": studio.app.data.logs(),
        // An SSH agent to sign in with: the first run offers it first when there is one.
        "sshAgent": std::env::var_os("SSH_AUTH_SOCK")
            .is_some_and(|socket| std::path::Path::new(&socket).exists()),
    }))
}

/// Names the task as `id`: a `taskId` argument would make this call a task itself.
#[derive(Deserialize)]
struct Cancel {
    id: String,
}

/// Asks a running task to stop; it stops at its next safe point and reports what it did.
fn cancel(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Cancel { id } = args(value)?;
    Ok(json!({ "cancelled": studio.running.cancel(&id) }))
}

/// Closing the window while a server changes: stops every such task and returns once each
/// has ended (what it changed put back, the deploy lock let go), so the window can close.
fn stop_changes(studio: &Studio, _: Value, _: &Task) -> Reply {
    reply(studio.running.stop_server_changes())
}
