//! Any bytes as `docker compose ps --format json` output and as the `docker inspect` form,
//! then as health findings.
#![no_main]

use deskmate_remote::parsers::{Listing, parse_compose_ps as parse, parse_inspect};
use deskmate_remote::health::services;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for parsed in [parse(text), parse_inspect(text)] {
        if let Ok(containers) = parsed {
            let _ = services(&Listing::Containers(containers));
        }
    }
});
