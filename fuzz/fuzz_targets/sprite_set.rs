//! Any bytes as a sprite zip, and as one sprite file: the archive guards, the picture
//! decoders and the set checks must never panic.
#![no_main]

use deskmate_cards::archive::Entry;
use deskmate_cards::expressions::{SpriteLimits, check, set};
use deskmate_cards::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_zip_total_bytes: 16 << 20, max_image_pixels: 4 << 20, ..Limits::default() };
    let sprite_limits = SpriteLimits::default();
    if let Ok(read) = set::read_zip(data, &limits, &sprite_limits) {
        let _ = check(&read.sprites);
    }
    let one = vec![Entry { name: "joy.png".into(), bytes: data.to_vec() }];
    if let Ok(read) = set::read_files(one, &limits, &sprite_limits) {
        let _ = check(&read.sprites);
    }
});
