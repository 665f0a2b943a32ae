//! Any bytes as `docker compose ps --format json` output, then as health findings.
#![no_main]

use deskmate_remote::compose::{Listing, parse};
use deskmate_remote::health::services;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(containers) = parse(text) {
        let _ = services(&Listing::Containers(containers));
    }
});
