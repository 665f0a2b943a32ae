//! The commands the window may call, one module per area, all in one table.
//!
//! A handler takes the [`Studio`], the call's arguments as JSON (camelCase names) and a
//! [`Task`] for progress and cancel; it returns the api layer's report as JSON or an
//! [`ApiError`], which crosses to the window as `{code, message, hint}`.

mod app;
mod backups;
mod personas;
mod plugins;
mod publish;
mod releases;
mod rooms;
mod servers;
mod watch;

pub use rooms::Editing;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Studio, Task};
use deskmate_api::ApiError;

pub type Reply = Result<Value, ApiError>;
pub type Handler = fn(&Studio, Value, &Task) -> Reply;

/// Every command's name, as declared to Tauri's ACL in build.rs.
pub const NAMES: &[&str] = &include!("names.in");

/// Finds a command's handler by name.
pub fn handler(name: &str) -> Option<Handler> {
    [
        app::HANDLERS,
        rooms::HANDLERS,
        personas::HANDLERS,
        plugins::HANDLERS,
        servers::HANDLERS,
        backups::HANDLERS,
        releases::HANDLERS,
        publish::HANDLERS,
        watch::HANDLERS,
    ]
    .into_iter()
    .flatten()
    .find(|(n, _)| *n == name)
    .map(|(_, h)| *h)
}

/// Runs one call. A call whose arguments carry a `taskId` is a long task: it can be
/// cancelled with `task_cancel` until it returns. A call that changes a server is in the task
/// table even without one, so closing the window knows of it.
pub fn dispatch(
    studio: &Studio,
    name: &str,
    args: Value,
    progress: impl Fn(Value) + Send + Sync + 'static,
) -> Reply {
    let Some(handler) = handler(name) else {
        return Err(ApiError::new(
            "ipc.unknown_command",
            format!("the app has no command called `{name}`"),
            "update DeskMate Studio; the window and the app do not match",
        ));
    };
    let task_id = args
        .get("taskId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let task_id = match task_id {
        Some(id) => id,
        None if changes_server(name, &args) => {
            static UNNAMED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = UNNAMED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("{name}#{n}")
        }
        None => return handler(studio, args, &Task::none()),
    };
    let server = args.get("name").and_then(Value::as_str).map(str::to_string);
    let change = match (changes_server(name, &args), &server) {
        (true, Some(server)) => Some((name, server.as_str())),
        _ => None,
    };
    let task = Task::new(progress, studio.running.start_task(&task_id, change));
    // Finished however the handler ends, so closing the window never waits on a task gone.
    struct Finish<'a>(&'a Studio, &'a str);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            self.0.running.finish(self.1);
        }
    }
    let _finish = Finish(studio, &task_id);
    handler(studio, args, &task)
}

/// Long tasks that change a server (`name`): closing the window while one runs asks first,
/// and stopping it puts back what it changed. A plan (`plan: true`) changes nothing.
pub fn changes_server(name: &str, args: &Value) -> bool {
    let plan = args.get("plan").and_then(Value::as_bool).unwrap_or(false);
    !plan
        && matches!(
            name,
            "server_install"
                | "server_release_deploy"
                | "server_release_rollback"
                | "server_recover"
                | "server_backup_create"
                | "server_backup_restore"
                | "server_backup_schedule"
                | "server_backup_target"
                | "server_backup_heal"
                | "server_publish_room"
                | "server_publish_personas"
                | "server_alerts_set"
                | "server_maintain"
        )
}

/// Commands that can take long: anything over SSH, and the file work of imports and exports.
/// The app runs these on its bounded pool of task workers; the rest run at once.
pub fn is_long(name: &str, args: &Value) -> bool {
    const QUICK_SERVER_CALLS: &[&str] = &["server_list", "server_history", "server_remove"];
    let over_ssh = name.starts_with("server_") && !QUICK_SERVER_CALLS.contains(&name);
    let file_work = matches!(
        name,
        "persona_import"
            | "persona_export"
            | "persona_expressions_import"
            | "room_export"
            | "room_import"
    );
    over_ssh || file_work || args.get("taskId").is_some()
}

/// The arguments of a command that names only a server.
#[derive(Deserialize)]
pub(crate) struct Name {
    pub name: String,
}

/// Reads a command's arguments, with a plain error when the window sent something else.
pub(crate) fn args<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::new(
            "ipc.bad_arguments",
            format!("the app could not read this request: {e}"),
            "update DeskMate Studio; the window and the app do not match",
        )
    })
}

pub(crate) fn reply<T: Serialize>(value: T) -> Reply {
    Ok(serde_json::to_value(value).expect("api reports serialize"))
}

/// A picture the window can show without a file path (the CSP allows `data:` images).
pub(crate) fn data_url(format: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:image/{format};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_and_file_work_are_long_tasks_and_lists_are_not() {
        let none = Value::Null;
        for long in [
            "server_health",
            "server_check",
            "server_add",
            "server_trust",
            "persona_import",
            "persona_export",
            "room_export",
        ] {
            assert!(is_long(long, &none), "{long}");
        }
        for quick in [
            "server_list",
            "server_history",
            "persona_list",
            "room_apply",
            "room_probe",
            "app_info",
            "dialog_pick",
        ] {
            assert!(!is_long(quick, &none), "{quick}");
        }
        assert!(is_long(
            "persona_show",
            &serde_json::json!({ "taskId": "t" })
        ));
    }

    #[test]
    fn changes_to_a_server_are_known_and_plans_and_reads_are_not() {
        let none = Value::Null;
        let plan = serde_json::json!({ "plan": true });
        assert!(changes_server("server_release_rollback", &none));
        assert!(changes_server("server_recover", &none));
        assert!(!changes_server("server_interrupted", &none));
        assert!(changes_server("server_maintain", &none));
        assert!(!changes_server("server_maintain", &plan));
        assert!(!changes_server("server_health", &none));
        assert!(!changes_server("persona_export", &none));
        for name in NAMES.iter().filter(|n| changes_server(n, &none)) {
            assert!(is_long(name, &none), "{name} runs as a long task");
        }
    }

    #[test]
    fn every_declared_command_has_a_handler_and_no_handler_is_undeclared() {
        for name in NAMES {
            assert!(
                handler(name).is_some(),
                "{name} is declared but not handled"
            );
        }
        let handled = [
            app::HANDLERS,
            rooms::HANDLERS,
            personas::HANDLERS,
            plugins::HANDLERS,
            servers::HANDLERS,
            backups::HANDLERS,
            releases::HANDLERS,
            publish::HANDLERS,
            watch::HANDLERS,
        ]
        .concat();
        for (name, _) in &handled {
            assert!(
                NAMES.contains(name),
                "{name} is handled but not declared to the ACL"
            );
        }
        assert_eq!(handled.len(), NAMES.len(), "a command is handled twice");
    }

    /// A command the window may not call fails only in the real app (the browser tests'
    /// bridge has no ACL), so the grant list is checked here.
    #[test]
    fn the_window_is_granted_every_command_and_nothing_else_of_ours() {
        let text = include_str!("../../capabilities/main.json");
        let granted: Vec<String> = serde_json::from_str::<Value>(text).unwrap()["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                p.as_str()?
                    .strip_prefix("allow-")
                    .map(|n| n.replace('-', "_"))
            })
            .collect();
        for name in NAMES {
            assert!(granted.iter().any(|g| g == name), "{name} is not granted");
        }
        assert_eq!(granted.len(), NAMES.len(), "{granted:?}");
    }
}
