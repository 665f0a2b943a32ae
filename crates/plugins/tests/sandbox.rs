//! Hostile plugins are contained, each with a clear finding, and the host keeps serving.

mod support;

use std::time::Duration;

use deskmate_plugins::{FailureKind, Limits, Outcome, Runtime, Target};
use support::*;

/// For tests about something other than time: a deadline long enough that two cores shared
/// with the other tests never trip it.
fn unhurried_runtime() -> Runtime {
    Runtime::new(
        None,
        Limits {
            deadline: Duration::from_millis(1500),
            ..Limits::default()
        },
    )
    .unwrap()
}

fn run(runtime: &Runtime, misdeed: &str) -> Outcome {
    runtime.validate(&hostile(runtime), Target::Room, misdeed)
}

fn failed_with(outcome: &Outcome, kind: FailureKind) {
    let failure = outcome
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("expected {kind:?}, got {outcome:?}"));
    assert_eq!(failure.kind, kind, "{failure}");
    assert_eq!(outcome.diagnostics.len(), 1);
    let diagnostic = &outcome.diagnostics[0];
    assert_eq!(diagnostic.code, kind.code());
    assert_eq!(diagnostic.source.as_deref(), Some("hostile"));
    assert!(
        diagnostic
            .hint
            .as_deref()
            .unwrap()
            .contains("turn the plugin `hostile` off")
    );
}

fn still_serves(runtime: &Runtime) {
    let outcome = run(runtime, "hello");
    assert!(outcome.failure.is_none(), "{outcome:?}");
    assert_eq!(outcome.diagnostics[0].message, "ok");
}

#[test]
fn an_infinite_loop_is_stopped_soon_after_the_deadline() {
    let runtime = runtime();
    let outcome = run(&runtime, "loop");
    failed_with(&outcome, FailureKind::Timeout);
    let deadline = runtime.limits().deadline;
    assert!(
        outcome.elapsed >= deadline - Duration::from_millis(10),
        "{:?}",
        outcome.elapsed
    );
    // Stopped by the epoch ticker, which a machine busy with other work (the test suite's
    // real stacks on two cores) may run late: the promise is within a second (on a quiet
    // machine it is a few milliseconds past the deadline).
    assert!(
        outcome.elapsed < deadline + Duration::from_secs(1),
        "stopped after {:?}",
        outcome.elapsed
    );
    still_serves(&runtime);
}

#[test]
fn a_shorter_deadline_is_honoured() {
    let runtime = Runtime::new(
        None,
        Limits {
            deadline: Duration::from_millis(20),
            ..Limits::default()
        },
    )
    .unwrap();
    let outcome = run(&runtime, "loop");
    failed_with(&outcome, FailureKind::Timeout);
    assert!(
        outcome.elapsed < Duration::from_millis(40),
        "stopped after {:?}",
        outcome.elapsed
    );
}

#[test]
fn unbounded_memory_growth_stops_at_the_limit() {
    let runtime = unhurried_runtime();
    let outcome = run(&runtime, "hog");
    failed_with(&outcome, FailureKind::MemoryLimit);
    assert!(
        outcome
            .failure
            .unwrap()
            .message
            .contains("plugins may use 64 MiB")
    );
    still_serves(&runtime);
}

/// The limit is on the plugin, not on each of its memories: a component of several core
/// instances, each growing its own memory well within 64 MiB, is stopped once they add up.
#[test]
fn memory_is_limited_in_total_over_every_memory_of_the_plugin() {
    let runtime = unhurried_runtime();
    let path = repo_root().join("crates/plugins/tests/guests/wat/many_memories.wat");
    let bytes = wat::parse_file(&path).unwrap();
    let plugin = runtime
        .load(&manifest("many-memories", &bytes, &[Target::Room]), &bytes)
        .unwrap();
    let small = runtime.validate(&plugin, Target::Room, "small");
    assert!(
        small.failure.is_none(),
        "4 MiB in four memories fits: {small:?}"
    );
    let big = runtime.validate(&plugin, Target::Room, "four times 40 MiB");
    let failure = big.failure.expect("160 MiB over four memories is refused");
    assert_eq!(failure.kind, FailureKind::MemoryLimit, "{failure}");
    assert!(
        failure.message.contains("plugins may use 64 MiB"),
        "{failure}"
    );
    assert!(
        runtime
            .validate(&plugin, Target::Room, "small")
            .failure
            .is_none()
    );
}

#[test]
fn a_panic_and_a_stack_overflow_are_traps() {
    let runtime = unhurried_runtime();
    for misdeed in ["trap", "recurse"] {
        failed_with(&run(&runtime, misdeed), FailureKind::Trap);
    }
    still_serves(&runtime);
}

#[test]
fn too_many_findings_too_much_text_or_a_bad_code_is_bad_output() {
    let runtime = unhurried_runtime();
    let flood = run(&runtime, "flood");
    failed_with(&flood, FailureKind::BadOutput);
    assert!(flood.failure.unwrap().message.contains("5000 findings"));
    let huge = run(&runtime, "huge");
    failed_with(&huge, FailureKind::BadOutput);
    assert!(
        huge.failure
            .unwrap()
            .message
            .contains("larger than the output limit")
    );
    failed_with(&run(&runtime, "bad-code"), FailureKind::BadOutput);
    still_serves(&runtime);
}

#[test]
fn a_chatty_plugin_keeps_working_with_its_log_bounded() {
    let runtime = unhurried_runtime();
    let outcome = run(&runtime, "chatty");
    assert!(outcome.failure.is_none(), "{outcome:?}");
    assert_eq!(outcome.diagnostics[0].message, "still here");
    let kept: usize = outcome.log.lines.iter().map(|l| l.message.len()).sum();
    assert!(kept <= runtime.limits().max_log_bytes, "{kept}");
    assert!(
        outcome.log.dropped_bytes > 5_000_000,
        "{}",
        outcome.log.dropped_bytes
    );
}

#[test]
fn a_plugin_may_not_wait_on_the_clock() {
    let runtime = runtime();
    let outcome = run(&runtime, "sleep");
    failed_with(&outcome, FailureKind::Trap);
    assert!(outcome.failure.unwrap().message.contains("may not wait"));
    assert!(outcome.elapsed < runtime.limits().deadline);
}

#[test]
fn the_sandbox_has_no_files_environment_network_or_clock() {
    let runtime = unhurried_runtime();
    // A real listener, so the network door has something to open onto.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "outside the sandbox the port answers"
    );
    let _ = listener.accept().unwrap();
    listener.set_nonblocking(true).unwrap();
    let outcome = run(&runtime, &format!("snoop {port}"));
    assert!(
        listener.accept().is_err(),
        "the plugin's connection never reached the listener"
    );
    let opened: Vec<&str> = outcome
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(opened, ["done"], "{outcome:?}");
}

#[test]
fn the_host_keeps_serving_after_every_misdeed_in_turn() {
    let runtime = unhurried_runtime();
    let plugin = hostile(&runtime);
    for misdeed in [
        "loop", "hog", "trap", "recurse", "flood", "huge", "bad-code", "chatty", "sleep", "snoop",
    ] {
        let _ = runtime.validate(&plugin, Target::Persona, misdeed);
        let fine = runtime.validate(&plugin, Target::Persona, "fine");
        assert!(fine.failure.is_none(), "after {misdeed}: {fine:?}");
    }
}

#[test]
fn an_oversized_document_is_not_handed_over() {
    let runtime = Runtime::new(
        None,
        Limits {
            max_document_bytes: 10,
            ..Limits::default()
        },
    )
    .unwrap();
    failed_with(
        &run(&runtime, "a document that is too long"),
        FailureKind::BadOutput,
    );
}
