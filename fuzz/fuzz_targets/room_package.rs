//! Any bytes as a `.dmroom` package: the zip reader, its limits, name checks and the room
//! inside must never panic.
#![no_main]

use deskmate_rooms::{Limits, package};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_unpacked_bytes: 16 << 20, ..Limits::default() };
    let _ = package::unpack(data, &limits);
});
