//! Any bytes as a card picture: the library's thumbnail maker must refuse or shrink them
//! within the pixel limit, never panic or exhaust memory.
#![no_main]

use deskmate_cards::{Limits, thumbnail};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_image_pixels: 1 << 22, ..Limits::default() };
    let _ = thumbnail(data, &limits);
});
