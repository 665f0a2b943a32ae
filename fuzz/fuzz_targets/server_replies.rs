//! Any bytes as the backend's HTTP reply to `/health` (then as its JSON), and as the output
//! of the facts script (then as preflight findings).
#![no_main]

use deskmate_remote::parsers::{BackendHealth, parse_response};
use deskmate_remote::{facts, preflight};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, body)) = parse_response(data) {
        let _ = serde_json::from_slice::<BackendHealth>(&body);
    }
    if let Ok(facts) = facts::parse(&String::from_utf8_lossy(data)) {
        let _ = facts::HostStats::from_facts(&facts);
        let _ = preflight::findings(&facts, "/opt/deskmate", &[80]);
    }
});
