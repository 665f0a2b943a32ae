//! The quoting helper against a real POSIX shell: whatever the argument, `sh` must hand the
//! exact bytes on to the program.

use std::process::Command;

use deskmate_remote::{command_line, quote};
use proptest::prelude::*;

/// Runs `line` with `sh -c` and returns what it printed.
fn sh(line: &str) -> Vec<u8> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(line)
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "sh failed on {line:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Characters that matter to shells, weighted in alongside arbitrary text.
fn nasty() -> impl Strategy<Value = String> {
    let specials = proptest::sample::select(vec![
        "'", "\"", "\\", "$", "`", "$(", "${", "!", "*", "?", "[", "]", "{", "}", "~", "#", ";",
        "&", "|", "<", ">", "(", ")", " ", "\t", "\n", "\r", "=", "%", "-", "--", "'\\''", "é",
        "💬",
    ]);
    proptest::collection::vec(
        prop_oneof![specials.prop_map(str::to_string), "[^\\x00]{0,4}"],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn sh_receives_every_argument_exactly(arg in nasty()) {
        let printed = sh(&format!("printf '%s' {}", quote(&arg).unwrap()));
        prop_assert_eq!(printed, arg.as_bytes());
    }

    #[test]
    fn arguments_stay_separate(args in proptest::collection::vec(nasty(), 0..5)) {
        // printf repeats its format for each argument: one NUL-terminated record per argument.
        let printed = sh(&command_line("printf", &[vec!["%s\\0".to_string()], args.clone()].concat()).unwrap());
        let expected: Vec<u8> = if args.is_empty() {
            b"\0".to_vec()
        } else {
            args.iter().flat_map(|a| a.bytes().chain([0])).collect()
        };
        prop_assert_eq!(printed, expected);
    }
}
