//! `studio-bridge`: the app's command table over loopback HTTP, for the browser tests only.
//!
//! The Playwright tests run the built UI in Chromium with `@tauri-apps/api`'s IPC mocked; the
//! mock forwards each `invoke(name, args)` here as `POST /invoke/<name>` with the arguments as
//! the JSON body, so the UI under test talks to the real application layer. The reply is
//! `{"ok": value, "progress": [...]}` or `{"error": {code, message, hint}}`.
//!
//! It listens on 127.0.0.1 only, on the port given (0 picks one), prints `listening on
//! PORT` once ready, and serves until killed. The data folder comes from
//! `DESKMATE_DATA_DIR`, which the tests point at a temp dir. It is not installed with the app.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use deskmate_api::DataDir;
use deskmate_studio::{Studio, commands};
use serde_json::{Value, json};

/// Bigger than any request the UI makes (a room of 1,000 objects is about 400 KB).
const MAX_BODY: usize = 16 * 1024 * 1024;

fn main() -> std::process::ExitCode {
    let port = std::env::args().nth(1).unwrap_or_else(|| "0".into());
    let studio = match DataDir::from_env().and_then(Studio::open) {
        Ok(studio) => Arc::new(studio),
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
    println!("listening on {port}");
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let studio = studio.clone();
        std::thread::spawn(move || {
            if let Err(err) = serve(&studio, stream) {
                eprintln!("studio-bridge: {err}");
            }
        });
    }
    std::process::ExitCode::SUCCESS
}

/// One request per connection: enough for `fetch` from the test page.
fn serve(studio: &Studio, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    if method == "OPTIONS" {
        return respond(stream, 204, "");
    }
    let Some(name) = target.strip_prefix("/invoke/") else {
        return respond(stream, 404, "{}");
    };
    if method != "POST" || length > MAX_BODY {
        return respond(stream, 400, "{}");
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let args: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let sink = progress.clone();
    let reply = commands::dispatch(studio, name, args, move |p| {
        sink.lock().expect("progress list").push(p)
    });
    let progress = std::mem::take(&mut *progress.lock().expect("progress list"));
    let body = match reply {
        Ok(value) => json!({ "ok": value, "progress": progress }),
        Err(err) => json!({ "error": err, "progress": progress }),
    };
    respond(stream, 200, &body.to_string())
}

fn respond(mut stream: TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Headers: content-type\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
