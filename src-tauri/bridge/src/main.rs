//! `studio-bridge`: the app's command table over loopback HTTP, for the browser tests only.
//!
//! The Playwright tests run the built UI in Chromium with `@tauri-apps/api`'s IPC mocked; the
//! mock forwards each `invoke(name, args)` here as `POST /invoke/<name>` with the arguments as
//! the JSON body, so the UI under test talks to the real application layer. The reply is
//! `{"ok": value, "progress": [...]}` or `{"error": {code, message, hint}}`.
//!
//! Two more calls stand in for what the owner does outside the page: `POST /test/dialog-answer`
//! queues what the next file dialog "picks" (a path, a list, or `null` for cancel), and
//! `POST /test/drop` drops paths on the window, and `POST /test/progress` reads a running
//! task's progress so far (the page polls it, as the app's channel would stream it), and
//! `POST /test/notifications` lists the desktop notifications the app would have shown.
//! The dialog and drop calls grant paths exactly as the app's own
//! dialogs and drop events do, so the browser tests go through the same checks.
//!
//! It listens on 127.0.0.1 only, on the port given (0 picks one), prints `listening on
//! PORT token TOKEN` once ready, and serves until killed. Every call must carry that random
//! token in `x-bridge-token`, and browsers are only let in from loopback pages: the bridge
//! runs real commands (imports, exports, server sign-ins), and another program on the
//! machine, or a web page open in a browser, must not be able to drive it. The data folder comes from
//! `DESKMATE_DATA_DIR`, which the tests point at a temp dir. It is not installed with the app.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use std::collections::VecDeque;
use std::path::PathBuf;

use deskmate_api::DataDir;
use deskmate_studio::dialogs::{DialogRequest, Dialogs};
use deskmate_studio::notifications::Notifier;
use deskmate_studio::{Studio, commands};
use serde_json::{Value, json};

type ProgressList = Arc<Mutex<Vec<Value>>>;
/// The progress of the long tasks now running, by task id.
static RUNNING: std::sync::LazyLock<Mutex<std::collections::HashMap<String, ProgressList>>> =
    std::sync::LazyLock::new(Default::default);

/// Bigger than any request the UI makes (a room of 1,000 objects is about 400 KB).
const MAX_BODY: usize = 16 * 1024 * 1024;

fn main() -> std::process::ExitCode {
    let port = std::env::args().nth(1).unwrap_or_else(|| "0".into());
    let studio = match DataDir::from_env().and_then(Studio::open) {
        Ok(studio) => {
            studio.set_dialogs(Box::new(QueuedAnswers));
            studio.set_notifier(Box::new(RecordedNotifications));
            Arc::new(studio)
        }
        Err(err) => {
            eprintln!("studio-bridge: {err} ({})", err.hint);
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(format!("127.0.0.1:{port}")) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("studio-bridge: cannot listen on port {port}: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let token: Arc<str> = match random_token() {
        Ok(token) => token.into(),
        Err(err) => {
            eprintln!("studio-bridge: no random token: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    println!("listening on {port} token {token}");
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let studio = studio.clone();
        let token = token.clone();
        std::thread::spawn(move || {
            if let Err(err) = serve(&studio, &token, stream) {
                eprintln!("studio-bridge: {err}");
            }
        });
    }
    std::process::ExitCode::SUCCESS
}

/// The test's queued dialog answers; an empty queue is a cancelled dialog.
static ANSWERS: Mutex<VecDeque<Vec<PathBuf>>> = Mutex::new(VecDeque::new());

struct QueuedAnswers;

impl Dialogs for QueuedAnswers {
    fn pick(&self, _: &DialogRequest) -> Vec<PathBuf> {
        ANSWERS
            .lock()
            .expect("answers")
            .pop_front()
            .unwrap_or_default()
    }
}

/// The desktop notifications the app would have shown, for the test to read.
static NOTIFICATIONS: Mutex<Vec<Value>> = Mutex::new(Vec::new());

struct RecordedNotifications;

impl Notifier for RecordedNotifications {
    fn show(&self, title: &str, body: &str) -> Result<(), String> {
        NOTIFICATIONS
            .lock()
            .expect("notifications")
            .push(json!({ "title": title, "body": body }));
        Ok(())
    }
}

/// A JSON path, list of paths, or null, as the test sends it.
fn paths_of(value: &Value) -> Vec<PathBuf> {
    match value {
        Value::String(p) => vec![PathBuf::from(p)],
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(PathBuf::from)
            .collect(),
        _ => Vec::new(),
    }
}

/// 128 bits from the kernel's CSPRNG, as hex.
fn random_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A page on this machine (the test's own static server), or no browser at all.
fn loopback_origin(origin: Option<&str>) -> bool {
    origin.is_none_or(|o| {
        ["http://127.0.0.1:", "http://localhost:"].iter().any(|p| {
            o.strip_prefix(p)
                .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

/// One request per connection: enough for `fetch` from the test page.
fn serve(studio: &Studio, token: &str, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let mut length = 0usize;
    let mut origin = None;
    let mut presented = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim().to_string();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("origin") {
                origin = Some(value);
            } else if name.eq_ignore_ascii_case("x-bridge-token") {
                presented = Some(value);
            }
        }
    }
    if !loopback_origin(origin.as_deref()) {
        return respond(stream, 403, None, "{}");
    }
    let origin = origin.as_deref();
    if method == "OPTIONS" {
        return respond(stream, 204, origin, "");
    }
    if presented.as_deref() != Some(token) {
        return respond(
            stream,
            403,
            origin,
            r#"{"error":{"code":"bridge.token","message":"no or wrong x-bridge-token","hint":""}}"#,
        );
    }
    if method != "POST" || length > MAX_BODY {
        return respond(stream, 400, origin, "{}");
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let args: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match target {
        "/test/notifications" => {
            let shown = Value::Array(NOTIFICATIONS.lock().expect("notifications").clone());
            return respond(stream, 200, origin, &shown.to_string());
        }
        "/test/dialog-answer" => {
            ANSWERS.lock().expect("answers").push_back(paths_of(&args));
            return respond(stream, 200, origin, "{}");
        }
        "/test/progress" => {
            // `{"taskId", "from"}`: the messages of a running task from index `from` on.
            let task = args.get("taskId").and_then(Value::as_str).unwrap_or("");
            let from = args.get("from").and_then(Value::as_u64).unwrap_or(0) as usize;
            let messages: Vec<Value> = RUNNING
                .lock()
                .expect("running tasks")
                .get(task)
                .map(|list| {
                    list.lock()
                        .expect("progress list")
                        .iter()
                        .skip(from)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            return respond(stream, 200, origin, &Value::Array(messages).to_string());
        }
        "/test/drop" => {
            for path in paths_of(&args) {
                studio.grants().grant(&path);
            }
            return respond(stream, 200, origin, "{}");
        }
        _ => {}
    }
    let Some(name) = target.strip_prefix("/invoke/") else {
        return respond(stream, 404, origin, "{}");
    };
    // A long task's progress is kept under its id while it runs, so the page can read it as
    // it comes (`/test/progress`) and cancel it mid-way, as the app's channel would allow.
    let task = args
        .get("taskId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let progress = Arc::new(Mutex::new(Vec::new()));
    if let Some(task) = &task {
        RUNNING
            .lock()
            .expect("running tasks")
            .insert(task.clone(), progress.clone());
    }
    let sink = progress.clone();
    let reply = commands::dispatch(studio, name, args, move |p| {
        sink.lock().expect("progress list").push(p)
    });
    if let Some(task) = &task {
        RUNNING.lock().expect("running tasks").remove(task);
    }
    let progress = std::mem::take(&mut *progress.lock().expect("progress list"));
    let body = match reply {
        Ok(value) => json!({ "ok": value, "progress": progress }),
        Err(err) => json!({ "error": err, "progress": progress }),
    };
    respond(stream, 200, origin, &body.to_string())
}

/// The reply; CORS lets in only the loopback page that asked.
fn respond(
    mut stream: TcpStream,
    status: u16,
    origin: Option<&str>,
    body: &str,
) -> std::io::Result<()> {
    let cors = origin
        .map(|o| {
            format!(
                "Access-Control-Allow-Origin: {o}\r\nAccess-Control-Allow-Headers: content-type, x-bridge-token\r\nVary: Origin\r\n"
            )
        })
        .unwrap_or_default();
    write!(
        stream,
        "HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         {cors}Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
