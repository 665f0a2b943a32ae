//! Any bytes as a server script's stderr: the `error<TAB>code<TAB>message` reader finds a
//! line or none, never panics, and what it reads is a well-formed code (`[a-z_]+.[a-z_]+`,
//! bounded) with a message of one bounded, non-empty line; the code a caller reports is one
//! it knows or its generic one.
#![no_main]

use deskmate_remote::parsers::{
    MAX_CODE, MAX_LINE, is_code, last_error, read_error_lines as read,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(said) = last_error(&text) {
        assert!(is_code(&said.code) && said.code.len() <= MAX_CODE);
        assert!(!said.message.is_empty() && said.message.len() <= MAX_LINE);
        assert!(!said.message.contains(['\t', '\n', '\r']));
        assert_eq!(said.message, said.message.trim());
    }
    let (code, message) = read(&text, &["backup.busy", "backup.disk_full"], "backup.failed");
    assert!(["backup.busy", "backup.disk_full", "backup.failed"].contains(&code));
    assert!(message.chars().count() <= MAX_LINE);
});
