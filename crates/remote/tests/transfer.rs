//! Uploads and downloads against a real OpenSSH server: verified, atomic, private when asked.

mod support;

use std::fs;
use std::io::Write;
use std::path::Path;

use deskmate_remote::Remote;
use deskmate_remote::{Cancel, Session, Visibility};
use deskmate_test_server::TestServer;
use sha2::{Digest, Sha256};
use support::session;

const MIB: u64 = 1 << 20;

/// Incompressible bytes, quickly: xorshift, not a file of zeros a broken copy could fake.
fn random_file(path: &Path, bytes: u64) -> String {
    let mut out = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let mut hasher = Sha256::new();
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ bytes;
    let mut block = vec![0u8; 1 << 16];
    let mut left = bytes;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n]).unwrap();
        hasher.update(&block[..n]);
        left -= n as u64;
    }
    out.flush().unwrap();
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn remote_text(session: &Session, command: &str) -> String {
    session
        .capture(command, 1 << 16)
        .unwrap()
        .stdout_text()
        .trim()
        .to_string()
}

fn listing(session: &Session, dir: &Path) -> String {
    remote_text(session, &format!("ls -A {}", dir.display()))
}

#[test]
fn a_256_mib_upload_and_download_are_verified_by_hash() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let local = dir.path().join("big.bin");
    let expected = random_file(&local, 256 * MIB);
    let remote = server.home().join("big.bin");
    let remote = remote.to_str().unwrap();

    let mut calls = 0;
    let mut last = None;
    let sent = session
        .upload(
            &local,
            remote,
            Visibility::Normal,
            &mut |p| {
                calls += 1;
                last = Some(p);
            },
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(sent.sha256, expected);
    assert_eq!(sent.bytes, 256 * MIB);
    let last = last.unwrap();
    assert_eq!((last.done, last.total), (256 * MIB, 256 * MIB));
    assert!(calls >= 4096, "progress in 64 KiB steps, got {calls} calls");
    // An independent check on the server's side.
    let on_server = remote_text(&session, &format!("sha256sum {remote}"));
    assert!(on_server.starts_with(&expected), "{on_server}");
    assert_eq!(
        remote_text(&session, &format!("stat -c %a {remote}")),
        "644"
    );
    assert_eq!(
        listing(&session, &server.home()),
        "big.bin",
        "no part file is left"
    );

    let back = dir.path().join("back.bin");
    let got = session
        .download(
            remote,
            &back,
            Visibility::Normal,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(got.sha256, expected);
    assert_eq!(hex(&Sha256::digest(fs::read(&back).unwrap())), expected);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        4,
        "known_hosts (and its lock), big.bin, back.bin"
    );
}

#[test]
fn secrets_are_written_owner_only() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let local = dir.path().join("env");
    fs::write(&local, "POSTGRES_PASSWORD=s3cret\n").unwrap();
    let remote = server.home().join(".env");
    let remote = remote.to_str().unwrap();
    session
        .upload(
            &local,
            remote,
            Visibility::Secret,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(
        remote_text(&session, &format!("stat -c %a {remote}")),
        "600"
    );

    let back = dir.path().join("env.back");
    session
        .download(
            remote,
            &back,
            Visibility::Secret,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&back).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_cancelled_transfer_leaves_the_old_target_and_no_new_one() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let local = dir.path().join("big.bin");
    random_file(&local, 64 * MIB);
    let remote = server.home().join("data.bin");
    let remote = remote.to_str().unwrap();
    session
        .capture(&format!("echo old > {remote}"), 64)
        .unwrap();

    let cancel = Cancel::new();
    let err = session
        .upload(
            &local,
            remote,
            Visibility::Normal,
            &mut |p| {
                if p.done >= 8 * MIB {
                    cancel.cancel()
                }
            },
            &cancel,
        )
        .unwrap_err();
    assert_eq!(err.code(), "ssh.cancelled");
    assert_eq!(remote_text(&session, &format!("cat {remote}")), "old");
    assert_eq!(
        listing(&session, &server.home()),
        "data.bin",
        "the part file was removed"
    );

    let mine = dir.path().join("mine.bin");
    fs::write(&mine, "mine").unwrap();
    let big = server.home().join("big.bin");
    session
        .upload(
            &local,
            big.to_str().unwrap(),
            Visibility::Normal,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    let cancel = Cancel::new();
    let err = session
        .download(
            big.to_str().unwrap(),
            &mine,
            Visibility::Normal,
            &mut |p| {
                if p.done >= 8 * MIB {
                    cancel.cancel()
                }
            },
            &cancel,
        )
        .unwrap_err();
    assert_eq!(err.code(), "ssh.cancelled");
    assert_eq!(fs::read_to_string(&mine).unwrap(), "mine");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names.len(),
        4,
        "known_hosts and its lock, and two files: no part file is left locally: {names:?}"
    );
}

#[test]
fn a_dropped_connection_leaves_only_a_part_file() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let local = dir.path().join("big.bin");
    random_file(&local, 64 * MIB);
    let remote = server.home().join("data.bin");

    let mut dropped = false;
    let err = session
        .upload(
            &local,
            remote.to_str().unwrap(),
            Visibility::Normal,
            &mut |p| {
                if p.done >= 8 * MIB && !dropped {
                    dropped = true;
                    server.drop_connections();
                }
            },
            &Cancel::new(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err.code(),
            "ssh.protocol" | "ssh.no_exit_status" | "ssh.timeout"
        ),
        "{err}"
    );

    let fresh = support::session(&server, dir.path());
    let left = listing(&fresh, &server.home());
    assert!(
        !left.lines().any(|name| name == "data.bin"),
        "no target: {left}"
    );
    for name in left.lines() {
        assert!(name.starts_with(".data.bin.deskmate-part-"), "{name}");
    }
}

#[test]
fn a_missing_remote_file_is_a_clear_error_and_writes_nothing() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let err = session
        .download(
            "/nonexistent/file",
            &dir.path().join("x"),
            Visibility::Normal,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code(), "ssh.remote_failed");
    assert!(err.to_string().contains("/nonexistent/file"), "{err}");
    assert!(!dir.path().join("x").exists());
}
