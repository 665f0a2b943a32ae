//! Ctrl-C (SIGINT) sent to the real `deskmate` binary while it works on a server. The first
//! three need no Docker engine: a real sshd whose sessions' `docker` is a stand-in that
//! hangs (or a server that stops answering), so the command is caught inside a server
//! operation; they take about two seconds. The last is the real thing: an update on the
//! real engine interrupted, the old release still serving, no lock left behind.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};

/// The CLI, started with `data` as its data folder, its output read line by line as it comes.
struct Running {
    child: Child,
    lines: mpsc::Receiver<(bool, String)>,
    stdout: String,
    stderr: String,
}

impl Running {
    fn start(data: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
            .args(args)
            .env("DESKMATE_DATA_DIR", data)
            .env("DESKMATE_SECRETS", "file")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for (is_err, pipe) in [
            (false, Box::new(out) as Box<dyn Read + Send>),
            (true, Box::new(err)),
        ] {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if send.send((is_err, line)).is_err() {
                        break;
                    }
                }
            });
        }
        Running {
            child,
            lines,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    fn interrupt(&self) {
        // SAFETY: kill(2) on the pid of a child this test started and has not reaped yet.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        assert_eq!(sent, 0, "kill: {}", std::io::Error::last_os_error());
    }

    fn take(&mut self, (is_err, line): (bool, String)) {
        let text = if is_err {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        text.push_str(&line);
        text.push('\n');
    }

    /// Waits (at most `limit`) for a line holding `text`, on stdout or stderr.
    fn wait_for(&mut self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.stdout.contains(text) && !self.stderr.contains(text) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.take(line),
                Err(_) => panic!(
                    "no `{text}` within {limit:?}:\n{}\n{}",
                    self.stdout, self.stderr
                ),
            }
        }
    }

    /// The exit code (None: ended by a signal), stdout and stderr; killed (and the test
    /// failed) if it has not ended within `limit`.
    fn finish(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "still running {limit:?} after Ctrl-C:\n{}\n{}",
                    self.stdout, self.stderr
                );
            }
            while let Ok(line) = self.lines.try_recv() {
                self.take(line);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Both pipes close when the process ends; the readers then drop their senders.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.take(line);
        }
        (status.code(), self.stdout, self.stderr)
    }
}

/// Waits (at most 30 s) for `path`, which the stand-in makes when the server runs it.
fn wait_for_file(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared: the command did not reach the server's docker",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A stack folder that looks installed to the maintenance script (it reads `current/.env`),
/// owned by the test account.
fn fake_stack(server: &TestServer, stack: &str) {
    let current = Path::new(stack).join("current");
    std::fs::create_dir_all(&current).unwrap();
    std::fs::write(
        current.join(".env"),
        "COMPOSE_PROJECT_NAME=deskmate-interrupt\n",
    )
    .unwrap();
    let chown = Command::new("chown")
        .args(["-R", server.user(), stack])
        .status()
        .unwrap();
    assert!(chown.success());
}

/// A test sshd saved as the server `home` in a fresh data folder; its stack folder.
fn saved_server() -> (TestServer, tempfile::TempDir, String) {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    drop(support::api_servers(
        data.path(),
        &server,
        server.user(),
        &stack,
    ));
    (server, data, stack)
}

#[test]
fn ctrl_c_during_maintenance_cancels_it_and_says_so() {
    let (server, data, stack) = saved_server();
    fake_stack(&server, &stack);
    let called = server.home().join("docker-called");
    server.stand_in(
        "docker",
        &format!("#!/bin/sh\ntouch '{}'\nexec sleep 20\n", called.display()),
    );

    let mut run = Running::start(data.path(), &["server", "maintain", "home"]);
    wait_for_file(&called);
    let sent = Instant::now();
    run.interrupt();
    run.wait_for(
        "Stopping: putting back what was changed.",
        Duration::from_secs(10),
    );
    let (code, stdout, stderr) = run.finish(Duration::from_secs(10));
    let took = sent.elapsed();

    // The api's error, printed as every error is, with the CLI's exit code for it.
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("error[ssh.cancelled]"), "{stderr}");
    assert!(
        stderr.contains("press Ctrl-C again to leave now"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?} to stop");
}

#[test]
fn ctrl_c_ends_following_the_logs_without_an_error() {
    let (server, data, _) = saved_server();
    let called = server.home().join("docker-logs-called");
    // One container of the stack, the backend, whose log has one line and then waits.
    server.stand_in(
        "docker",
        &format!(
            "#!/bin/sh\ncase $1 in\nps) echo 0123456789ab ;;\ninspect) echo backend ;;\nlogs)\n    echo '2026-12-07T10:00:00.000000000Z {{\"level\": \"info\", \"message\": \"hello\"}}'\n    touch '{}'\n    exec sleep 20 ;;\nesac\n",
            called.display()
        ),
    );

    let mut run = Running::start(data.path(), &["server", "logs", "home", "--follow"]);
    wait_for_file(&called);
    let sent = Instant::now();
    run.interrupt();
    run.wait_for("Stopping.", Duration::from_secs(10));
    let (code, stdout, stderr) = run.finish(Duration::from_secs(10));
    let took = sent.elapsed();

    // Ctrl-C is how following ends: exit 0, no error.
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(!stderr.contains("error["), "{stderr}");
    assert!(
        stderr.contains("Nothing on the server was changed"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?} to stop");
}

#[test]
fn a_second_ctrl_c_leaves_at_once_and_says_what_is_left() {
    let (server, data, _) = saved_server();
    // The server stops answering: its port takes the connection and then says nothing, so
    // the command sits in the SSH handshake (10 s before it gives up) and the first Ctrl-C
    // cannot end it.
    let port = server.port;
    drop(server);
    let silent = TcpListener::bind(("127.0.0.1", port)).unwrap();
    silent.set_nonblocking(true).unwrap();

    let mut run = Running::start(data.path(), &["server", "maintain", "home"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let _connection = loop {
        match silent.accept() {
            Ok((connection, _)) => break connection,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "the command never connected");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    run.interrupt();
    run.wait_for("press Ctrl-C again to leave now", Duration::from_secs(10));
    let sent = Instant::now();
    run.interrupt();
    let (code, stdout, stderr) = run.finish(Duration::from_secs(5));
    let took = sent.elapsed();

    assert_eq!(code, Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("may be half-changed"), "{stderr}");
    assert!(stderr.contains("deskmate release audit home\n"), "{stderr}");
    assert!(
        stderr.contains("deskmate release unlock home (it asks first)"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(2), "took {took:?} to leave");
}

/// The "done when": Ctrl-C during `release deploy` leaves the old release serving
/// and no lock behind. Real engine, proxy and sshd; good-1 installed with the CLI, then
/// good-2 deployed and interrupted once the update has written the new release's files (so
/// the server has changed: its images loaded, `releases/1.1.0/` written, and next its
/// containers started beside the old ones).
#[test]
fn ctrl_c_during_an_update_leaves_the_old_release_serving_and_no_lock() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    // Removes the stack's containers, networks and volumes when the test ends, pass or fail.
    let project = Project::of(&stack);
    drop(support::api_servers(
        data.path(),
        &server,
        server.user(),
        &stack,
    ));
    let http_port = free_port();
    let good_1 = release("good-1");
    let port = http_port.to_string();
    let install = Running::start(
        data.path(),
        &[
            "server",
            "install",
            "home",
            "--release",
            good_1.to_str().unwrap(),
            "--tls",
            "none",
            "--http-port",
            &port,
            "--yes",
        ],
    );
    let (code, stdout, stderr) = install.finish(Duration::from_secs(300));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(version_serving(http_port), "1.0.0");

    let good_2 = release("good-2");
    let mut deploy = Running::start(
        data.path(),
        &[
            "release",
            "deploy",
            "home",
            "--release",
            good_2.to_str().unwrap(),
            "--yes",
            "--watch",
            "5",
        ],
    );
    deploy.wait_for("Write releases/1.1.0/", Duration::from_secs(300));
    let sent = Instant::now();
    deploy.interrupt();
    let (code, stdout, stderr) = deploy.finish(Duration::from_secs(180));
    eprintln!(
        "the update stopped {:.1} s after Ctrl-C",
        sent.elapsed().as_secs_f64()
    );

    assert!(
        stderr.contains("Stopping: putting back what was changed."),
        "{stdout}\n{stderr}"
    );
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("error[ssh.cancelled]"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(
        version_serving(http_port),
        "1.0.0",
        "the old release serves"
    );
    let lock = Path::new(&stack).join(".lock/deploy");
    assert!(!lock.exists(), "{} was left behind", lock.display());
    let backends = project.containers("backend");
    assert_eq!(backends.len(), 1, "good-2's backend is gone: {backends:?}");
}

/// The version `/api/health` reports through the proxy.
fn version_serving(port: u16) -> String {
    let (status, body) = support::stack::http(port, "GET", "/api/health", "");
    assert!(status.contains(" 200 "), "{status} {body}");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    health["version"].as_str().unwrap_or_default().to_string()
}
