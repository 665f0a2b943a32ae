//! The Tauri app: one window, the [`Studio`] as managed state, and one invoke handler that
//! runs every command from the table in [`crate::commands`] off the main thread.

use std::process::ExitCode;

use deskmate_api::DataDir;
use serde_json::Value;
use tauri::ipc::{Channel, Invoke, InvokeBody, JavaScriptChannelId};
use tauri::{Emitter, Manager, Runtime};

use std::path::PathBuf;

use tauri_plugin_dialog::{DialogExt, FilePath};

use crate::dialogs::{DialogKind, DialogRequest, Dialogs};
use crate::notifications::Notifier;
use crate::{Studio, commands};

/// WebKitGTK's GPU paths draw blank or crash under Xvfb, in VMs and on some drivers; the
/// software paths always work. An owner who sets these themselves keeps their choice.
const WEBKIT_SAFE_DEFAULTS: [(&str, &str); 2] = [
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
];

/// The event the window gets when it is asked to close while a server changes; its payload is
/// the changes (`[{id, command, server}]`).
pub const CLOSE_ASKED: &str = "app-close-asked";

pub fn run() -> ExitCode {
    if cfg!(target_os = "linux") {
        for (name, value) in WEBKIT_SAFE_DEFAULTS {
            if std::env::var_os(name).is_none() {
                // SAFETY: no other thread exists yet this early in main.
                unsafe { std::env::set_var(name, value) };
            }
        }
    }
    let studio = match DataDir::from_env().and_then(|data| {
        deskmate_api::logging::init(&data);
        Studio::open(data)
    }) {
        Ok(studio) => studio,
        Err(err) => {
            tracing::error!(code = %err.code, "{err}");
            eprintln!("DeskMate Studio could not start: {err}\nhint: {}", err.hint);
            return ExitCode::from(2);
        }
    };
    tracing::info!(data = %studio.app.data.root().display(), "DeskMate Studio starting");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(studio)
        .setup(|app| {
            let dialogs = NativeDialogs(app.handle().clone());
            app.state::<Studio>().set_dialogs(Box::new(dialogs));
            let notifier = NativeNotifier(app.handle().clone());
            app.state::<Studio>().set_notifier(Box::new(notifier));
            if let Ok(resources) = app.path().resource_dir() {
                app.state::<Studio>().set_resources(resources);
            }
            Ok(())
        })
        .on_window_event(|window, event| match event {
            // Files dropped on the window are the owner's choice, as a dialog's are. This runs
            // in the event loop before the window can ask for them to be imported.
            tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) => {
                let studio = window.state::<Studio>();
                for path in paths {
                    studio.grants().grant(path);
                }
            }
            // Closing while a server changes would cut the change off part-way, with its deploy
            // lock left behind: the window asks first (`CLOSE_ASKED`), and either stops the
            // changes (`app_stop_changes`) and closes, or keeps working.
            tauri::WindowEvent::CloseRequested { api, .. } => {
                let changes = window.state::<Studio>().running.server_changes();
                if !changes.is_empty() {
                    api.prevent_close();
                    if let Err(err) = window.emit(CLOSE_ASKED, changes) {
                        tracing::error!("could not ask the window before closing: {err}");
                    }
                }
            }
            _ => {}
        })
        .invoke_handler(handle)
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("DeskMate Studio stopped: {err}");
            ExitCode::from(2)
        }
    }
}

/// The desktop's notifications, through Tauri's notification plugin.
struct NativeNotifier(tauri::AppHandle);

impl Notifier for NativeNotifier {
    fn show(&self, title: &str, body: &str) -> Result<(), String> {
        use tauri_plugin_notification::NotificationExt;
        self.0
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
            .map_err(|e| e.to_string())
    }
}

/// The system's file dialogs, through Tauri's dialog plugin. Called on an invoke's worker
/// thread, never the main one, so the blocking calls are allowed.
struct NativeDialogs(tauri::AppHandle);

impl Dialogs for NativeDialogs {
    fn pick(&self, request: &DialogRequest) -> Vec<PathBuf> {
        let mut dialog = self.0.dialog().file().set_title(&request.title);
        for filter in &request.filters {
            let extensions: Vec<&str> = filter.extensions.iter().map(String::as_str).collect();
            dialog = dialog.add_filter(&filter.name, &extensions);
        }
        let path = |picked: FilePath| picked.into_path().ok();
        match request.kind {
            DialogKind::File => dialog
                .blocking_pick_file()
                .and_then(path)
                .into_iter()
                .collect(),
            DialogKind::Files => dialog
                .blocking_pick_files()
                .unwrap_or_default()
                .into_iter()
                .filter_map(path)
                .collect(),
            DialogKind::Folder => dialog
                .blocking_pick_folder()
                .and_then(path)
                .into_iter()
                .collect(),
            DialogKind::Save => {
                if let Some(name) = &request.default_name {
                    dialog = dialog.set_file_name(name);
                }
                dialog
                    .blocking_save_file()
                    .and_then(path)
                    .into_iter()
                    .collect()
            }
        }
    }
}

/// Tauri has already checked the command against the window's capabilities when this runs.
/// No call runs on the main thread, so nothing freezes the window: long ones (over SSH,
/// imports, exports; see [`commands::is_long`]) go to the bounded pool of task workers, quick
/// ones to a thread of their own, so a list never waits behind a health check. A long task's
/// progress goes back over the `onProgress` channel the window passed in.
fn handle<R: Runtime>(invoke: Invoke<R>) -> bool {
    let Invoke {
        message, resolver, ..
    } = invoke;
    let name = message.command().to_string();
    let webview = message.webview();
    let args = match message.payload() {
        InvokeBody::Json(value) => value.clone(),
        InvokeBody::Raw(_) => Value::Null,
    };
    let channel: Option<Channel<Value>> = args
        .get("onProgress")
        .and_then(|id| serde_json::from_value::<JavaScriptChannelId>(id.clone()).ok())
        .map(|id| id.channel_on(webview.clone()));
    let long = commands::is_long(&name, &args);
    let app = webview.app_handle().clone();
    let run = move || {
        let studio = webview.state::<Studio>();
        let progress = move |value: Value| {
            if let Some(channel) = &channel {
                let _ = channel.send(value);
            }
        };
        let started = std::time::Instant::now();
        match commands::dispatch(&studio, &name, args, progress) {
            Ok(value) => {
                tracing::debug!(command = %name, ms = started.elapsed().as_millis() as u64, "ok");
                resolver.resolve(value);
            }
            Err(err) => {
                tracing::info!(command = %name, code = %err.code, "{}", err.message);
                resolver.reject(err);
            }
        }
    };
    if long {
        app.state::<Studio>().long_tasks.run(run);
    } else {
        std::thread::spawn(run);
    }
    true
}
