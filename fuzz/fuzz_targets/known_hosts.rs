//! Any text as the app's known_hosts: reading it, and asking it about a key, must never panic.
#![no_main]

use deskmate_remote::known_hosts::{HostKey, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(pins) = parse(text) {
        let key = HostKey::new(data);
        let _ = key.key_type();
        let _ = pins.verdict("example.org", 22, &key);
        let _ = pins.pinned_types("[example.org]:2222", 2222);
    }
});
