//! Any bytes after a PNG signature: the chunk walk, text chunk decoding, payload decoding and
//! the writer must never panic. Whatever reads must also write and read back the same card.
#![no_main]

use deskmate_cards::png::{self, WriteOptions, chunks::SIGNATURE};
use deskmate_cards::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_inflated_text_bytes: 1 << 20, ..Limits::default() };
    let mut bytes = SIGNATURE.to_vec();
    bytes.extend_from_slice(data);
    if let Ok(read) = png::read(&bytes, &limits) {
        if let Ok((written, _)) = png::write(&bytes, &read.card, &limits, WriteOptions::default()) {
            let again = png::read(&written, &limits).expect("a card we wrote must read");
            assert_eq!(again.card.to_value(), deskmate_cards::convert::to_v3(&read.card));
        }
    }
});
