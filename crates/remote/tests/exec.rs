//! Remote commands against a real OpenSSH server: exit codes, big output, streaming,
//! cancellation, keepalives and quoting.

mod support;

use std::time::{Duration, Instant};

use deskmate_remote::Remote;
use deskmate_remote::pump::{Input, Stream};
use deskmate_remote::{Cancel, Exit, HostKeyPolicy, Timeouts, command_line, script};
use deskmate_test_server::TestServer;
use support::{connect_with, key, session};

#[test]
fn exit_codes_come_through() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    for (command, exit) in [
        ("true", Exit::Code(0)),
        ("exit 3", Exit::Code(3)),
        ("false", Exit::Code(1)),
        ("no-such-program-here", Exit::Code(127)),
        ("sh -c 'exit 255'", Exit::Code(255)),
        // The whole process group, wrapper included, dies: the server reports the signal.
        ("kill -KILL 0", Exit::Signal("KILL".into())),
    ] {
        assert_eq!(
            session.capture(command, 1 << 16).unwrap().exit,
            exit,
            "{command}"
        );
    }
    // The session is still good after all that.
    assert!(session.capture("true", 16).unwrap().exit.success());
}

#[test]
fn a_hundred_megabytes_on_both_streams_at_once_do_not_deadlock() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let (mut out, mut err) = (0u64, 0u64);
    let exit = session
        .exec(
            "head -c 104857600 /dev/zero & head -c 20971520 /dev/zero >&2; wait",
            None,
            &mut |stream, bytes| {
                match stream {
                    Stream::Stdout => out += bytes.len() as u64,
                    Stream::Stderr => err += bytes.len() as u64,
                }
                Ok(())
            },
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(exit, Exit::Code(0));
    assert_eq!((out, err), (100 << 20, 20 << 20));
}

#[test]
fn output_streams_while_the_command_runs_and_stdin_is_fed() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let start = Instant::now();
    let mut first_at = None;
    let mut text = Vec::new();
    let mut input: &[u8] = b"from stdin\n";
    session
        .exec(
            "cat; sleep 1.5; echo done",
            Some(Input {
                reader: &mut input,
                send_eof: true,
            }),
            &mut |_, bytes| {
                first_at.get_or_insert(start.elapsed());
                text.extend_from_slice(bytes);
                Ok(())
            },
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(text, b"from stdin\ndone\n");
    let total = start.elapsed();
    assert!(
        total - first_at.unwrap() > Duration::from_secs(1),
        "the first line came at {first_at:?}, the end at {total:?}"
    );
}

#[test]
fn cancelling_stops_the_command_on_the_server() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        trigger.cancel();
    });
    let start = Instant::now();
    let err = session
        .exec("sleep 41; echo never", None, &mut |_, _| Ok(()), &cancel)
        .unwrap_err();
    assert_eq!(err.code(), "ssh.cancelled");
    assert!(start.elapsed() < Duration::from_secs(5));
    let left = session
        .capture("pgrep -f '[s]leep 41' || true", 1024)
        .unwrap();
    assert_eq!(
        left.stdout_text().trim(),
        "",
        "the remote sleep was stopped"
    );
}

#[test]
fn keepalives_go_out_while_a_command_runs() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let timeouts = Timeouts {
        keepalive: Duration::from_secs(1),
        ..support::quick()
    };
    let session = connect_with(
        &server,
        &key(&server),
        &dir.path().join("known_hosts"),
        &HostKeyPolicy::TrustNew(server.host_fingerprint()),
        timeouts,
    )
    .unwrap();
    assert!(session.capture("sleep 3", 16).unwrap().exit.success());
    let sent = server.log().matches("keepalive@libssh2.org").count();
    assert!(sent >= 2, "sshd saw {sent} keepalives");
}

#[test]
fn quoted_arguments_reach_the_program_byte_for_byte() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = session(&server, dir.path());
    for arg in [
        "plain",
        "two words",
        "it's",
        "$HOME `id` $(id) \"dq\" \\ ; | & > < * ? [a] ~ # !",
        "line\nbreak\ttab",
        "-n",
        "",
        "ünïcødé ☃",
    ] {
        let direct = session
            .capture(&command_line("printf", &["%s", arg]).unwrap(), 4096)
            .unwrap();
        assert_eq!(direct.stdout_text(), arg);
        let via_script = session
            .capture(&script("printf %s \"$1\"", &[arg]).unwrap(), 4096)
            .unwrap();
        assert_eq!(via_script.stdout_text(), arg);
    }
    // What the server ran never had an unquoted value in it.
    assert!(!server.log().contains("$(id) \"dq\" \\ ; | &'\n"));
}
