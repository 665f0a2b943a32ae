//! The `deskmate server` calls the install tests make through the real binary, and what they
//! read back from the installed stack.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use deskmate_test_server::TestServer;
use deskmate_test_server::docker::{docker, release};

use super::{Run, deskmate_piped};

pub fn cli(data: &Path, args: &[&str]) -> Run {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"server"];
    all.extend(args.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
    deskmate_piped(data, "", &all)
}

/// `server add` with the client key as `user`, the stack in the server's own folder.
pub fn add(data: &Path, server: &TestServer, user: &str) {
    add_at(data, server, user, &server.stack_dir());
}

/// The same, with the stack in `stack`.
pub fn add_at(data: &Path, server: &TestServer, user: &str, stack: &str) {
    let port = server.port.to_string();
    let key = server.client_key();
    let fingerprint = server.host_fingerprint();
    let run = cli(
        data,
        &[
            "add",
            "home",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            user,
            "--key",
            key.to_str().unwrap(),
            "--trust-fingerprint",
            &fingerprint,
            "--stack-dir",
            stack,
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

pub fn install(data: &Path, release_name: &str, http_port: u16, extra: &[&str]) -> Run {
    let release = release(release_name);
    let port = http_port.to_string();
    let mut args = vec![
        "install",
        "home",
        "--release",
        release.to_str().unwrap(),
        "--tls",
        "none",
        "--http-port",
        &port,
        "--json",
    ];
    args.extend_from_slice(extra);
    cli(data, &args)
}

/// `GET path` on loopback `port`; the status line and body.
pub fn get(port: u16, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

pub fn inspect(id: &str, format: &str) -> String {
    docker(&["inspect", "--format", format, id])
        .trim()
        .to_string()
}
