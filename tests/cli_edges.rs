//! How the CLI behaves at its edges: a reader that stops early, and a first run on a machine
//! with no data folder yet.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};

use support::{deskmate_with_data, sample};

/// `deskmate card inspect CARD --json | head -1`: the reader goes away after one line. The
/// CLI must stop without a panic message (Rust's default is exit 101 and "failed printing
/// to stdout: Broken pipe").
#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let data = tempfile::tempdir().unwrap();
    // A big report, so it cannot fit in the pipe before the reader leaves.
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args(["room", "schema"])
        .env("DESKMATE_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
    assert_ne!(status.code(), Some(101), "{status:?}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_deskmate"))
        .args(["card", "inspect"])
        .arg(sample("nyx-holloway.png"))
        .arg("--json")
        .env("DESKMATE_DATA_DIR", data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(output.status.code(), Some(101));
}

/// Runs the CLI with plain string arguments.
fn run(data: &std::path::Path, args: &[&str]) -> support::Run {
    let args: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    deskmate_with_data(data, &args)
}

/// The very first run, with no data folder: nothing but the answer, and no complaint about
/// a log folder that is not there yet.
#[test]
fn a_first_run_prints_nothing_but_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("not-yet");
    for args in [
        vec!["persona", "list", "--json"],
        vec!["server", "list", "--json"],
        vec!["plugin", "list", "--json"],
    ] {
        let done = run(&data, &args);
        assert_eq!(done.code, 0, "{}", done.stderr);
        assert_eq!(done.stderr, "", "stderr of a first run");
        done.json();
        // Each command gets the first run again.
        let _ = std::fs::remove_dir_all(&data);
    }
}

/// `--json` is one global flag: it works before the noun, after the verb, and on commands
/// whose output is otherwise text.
#[test]
fn json_is_one_flag_for_every_command_wherever_it_is_written() {
    let data = tempfile::tempdir().unwrap();
    for args in [
        vec!["--json", "room", "templates"],
        vec!["room", "--json", "templates"],
        vec!["room", "templates", "--json"],
        vec!["--json", "persona", "list"],
    ] {
        let done = run(data.path(), &args);
        assert_eq!(done.code, 0, "{}", done.stderr);
        assert!(done.json().is_array(), "{}", done.stdout);
    }
}
