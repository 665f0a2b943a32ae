//! The DeskMate backend's own `/health` (and the few other calls Studio makes: publishing's
//! load, activate and read-back), through the SSH session.
//!
//! The request goes through an SSH `direct-tcpip` channel to the backend's port on the
//! server's loopback, the way `ssh -L` forwards, so no port is opened to the internet and no
//! tool (curl, wget) is needed on the server. The backend answers with JSON: `status`
//! (healthy or degraded), `services` (api, postgres, qdrant, each with a status and
//! `response_time_ms`) and `system` (cpu, memory, disk).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cancel::Cancel;
use crate::error::RemoteError;
use crate::ops::Remote;
use crate::pump::{Input, pump};
use crate::session::Session;

pub const MAX_RESPONSE: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
pub struct BackendHealth {
    pub status: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub services: BTreeMap<String, ServiceHealth>,
    #[serde(default)]
    pub system: Option<SystemMetrics>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
pub struct ServiceHealth {
    pub status: String,
    #[serde(default)]
    pub response_time_ms: Option<f64>,
    #[serde(default)]
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ts_rs::TS)]
pub struct SystemMetrics {
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    pub memory_available_mb: Option<f64>,
    pub disk_usage_percent: Option<f64>,
    pub disk_free_gb: Option<f64>,
    pub uptime_seconds: Option<f64>,
}

/// `GET /health` on the server's `127.0.0.1:port`. The error is a sentence for the report.
pub fn fetch(remote: &dyn Remote, port: u16) -> Result<BackendHealth, String> {
    fetch_path(remote, port, "/health", &format!("127.0.0.1:{port}"), false)
}

/// `GET path` on the server's `127.0.0.1:port` with `host` as the Host (and, over HTTPS, the
/// TLS name): the backend's health, directly or as the proxy passes it on. The certificate
/// is not judged here (that is the health report's certificate check, from the owner's
/// side); this only proves the route works.
pub fn fetch_path(
    remote: &dyn Remote,
    port: u16,
    path: &str,
    host: &str,
    https: bool,
) -> Result<BackendHealth, String> {
    let (status, body) = remote.request(port, host, https, "GET", path)?;
    if status != 200 && status != 503 {
        return Err(format!("the backend answered HTTP {status} at {path}"));
    }
    serde_json::from_slice(&body)
        .map_err(|e| format!("the backend's answer at {path} is not its health JSON: {e}"))
}

/// One bodiless request (`GET`, or a `POST` that needs no body, as DeskMate's load and
/// activate endpoints) to the server's `127.0.0.1:port`; its status and body.
pub fn exchange(
    session: &Session,
    port: u16,
    host: &str,
    https: bool,
    method: &str,
    path: &str,
) -> Result<(u16, Vec<u8>), String> {
    use std::io::{Read, Write};
    let mut channel = session
        .ssh
        .channel_direct_tcpip("127.0.0.1", port, None)
        .map_err(|e| {
            format!(
                "nothing answered on the server's port {port} ({})",
                e.message()
            )
        })?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nUser-Agent: DeskMate-Studio\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let mut response = Vec::new();
    if https {
        // TLS runs over a loopback socket on this side, which `forward` joins to the
        // channel: OpenSSL then reads and writes a plain socket, and the channel is driven
        // without blocking, in one loop.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        let host = host.to_string();
        let request = request.clone();
        std::thread::scope(|scope| {
            // The client connects first: `accept` below waits for exactly that, so nothing
            // that can fail comes before it.
            let socket = std::net::TcpStream::connect(local).map_err(|e| e.to_string())?;
            let client = scope.spawn(move || -> Result<Vec<u8>, String> {
                let mut builder =
                    openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client())
                        .map_err(|e| e.to_string())?;
                builder.set_verify(openssl::ssl::SslVerifyMode::NONE);
                let config = builder.build().configure().map_err(|e| e.to_string())?;
                socket
                    .set_read_timeout(Some(std::time::Duration::from_secs(30)))
                    .map_err(|e| e.to_string())?;
                let mut tls = config
                    .verify_hostname(false)
                    .connect(&host, socket)
                    .map_err(|e| match e {
                        openssl::ssl::HandshakeError::Failure(m) => {
                            format!("the TLS handshake with the proxy failed: {}", m.error())
                        }
                        _ => "the TLS handshake with the proxy did not finish".to_string(),
                    })?;
                tls.write_all(request.as_bytes())
                    .map_err(|e| e.to_string())?;
                let mut out = Vec::new();
                let mut buf = [0u8; 16 * 1024];
                loop {
                    match tls.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) if out.len() + n <= MAX_RESPONSE => out.extend_from_slice(&buf[..n]),
                        Ok(_) => return Err("the answer is larger than 1 MiB".into()),
                        Err(_) if !out.is_empty() => break,
                        Err(e) => return Err(format!("the proxy did not answer: {e}")),
                    }
                }
                Ok(out)
            });
            let (socket, _) = listener.accept().map_err(|e| e.to_string())?;
            forward(session, channel, socket);
            response = client
                .join()
                .map_err(|_| "the TLS client stopped".to_string())??;
            Ok::<(), String>(())
        })?;
    } else {
        let mut reader = request.as_bytes();
        pump(
            session,
            &mut channel,
            Some(Input {
                reader: &mut reader,
                send_eof: false,
            }),
            &mut |_, bytes| {
                if response.len() + bytes.len() > MAX_RESPONSE {
                    return Err(RemoteError::Protocol {
                        reason: "the backend's answer is larger than 1 MiB".into(),
                    });
                }
                response.extend_from_slice(bytes);
                Ok(())
            },
            &Cancel::new(),
        )
        .map_err(|e| format!("the backend did not answer: {e}"))?;
        let _ = channel.close();
    }
    parse_response(&response)
}

/// Joins `socket` and `channel` until either side closes, without blocking on either.
fn forward(session: &Session, mut channel: ssh2::Channel, mut socket: std::net::TcpStream) {
    use std::io::{ErrorKind, Read, Write};
    let _ = socket.set_nonblocking(true);
    session.ssh.set_blocking(false);
    let mut buf = [0u8; 32 * 1024];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut pending: Vec<u8> = Vec::new();
    'outer: while std::time::Instant::now() < deadline {
        let mut moved = false;
        if pending.is_empty() {
            match socket.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
        }
        while !pending.is_empty() {
            match channel.write(&pending) {
                Ok(n) => {
                    pending.drain(..n);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => break 'outer,
            }
        }
        match channel.read(&mut buf) {
            Ok(0) if channel.eof() => break,
            Ok(0) => {}
            Ok(n) => {
                let mut rest = &buf[..n];
                while !rest.is_empty() {
                    match socket.write(rest) {
                        Ok(k) => rest = &rest[k..],
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            std::thread::sleep(std::time::Duration::from_millis(1))
                        }
                        Err(_) => break 'outer,
                    }
                }
                moved = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
        if !moved {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
    session.ssh.set_blocking(true);
    let _ = socket.shutdown(std::net::Shutdown::Both);
    let _ = channel.close();
}

/// Status code and body of an HTTP/1.x response (Content-Length, chunked, or up to the end).
pub fn parse_response(bytes: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let head_end = find(bytes, b"\r\n\r\n").ok_or("the backend's answer is not HTTP")?;
    let head =
        std::str::from_utf8(&bytes[..head_end]).map_err(|_| "the HTTP header is not text")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !version.starts_with("HTTP/1.") {
        return Err("the backend's answer is not HTTP/1".into());
    }
    let status: u16 = code
        .parse()
        .map_err(|_| "the HTTP status is not a number")?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|_| "a bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && value.eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        }
    }
    let rest = &bytes[head_end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(length) = length {
        rest.get(..length)
            .ok_or("the HTTP body is cut short")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or("a chunk is cut short")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|_| "a bad chunk size")?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "a bad chunk size")?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest.get(..size).ok_or("a chunk is cut short")?;
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).ok_or("a chunk is cut short")?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
