//! Any bytes as a CHARX archive: the ZIP reader, its limits and card.json parsing must never
//! panic.
#![no_main]

use deskmate_cards::{Limits, charx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_zip_total_bytes: 16 << 20, ..Limits::default() };
    let _ = charx::read(data, &limits);
    let _ = deskmate_cards::read(data, &limits);
});
