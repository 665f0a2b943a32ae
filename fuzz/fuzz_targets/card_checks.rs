//! Whatever any reader accepts (PNG, JSON, CHARX), `validate` and `repair` must finish without
//! a panic, and repair must give a card that serializes, reads back, and that a second repair
//! leaves alone.
#![no_main]

use deskmate_cards::{Card, Limits, read, repair, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_inflated_text_bytes: 1 << 20, ..Limits::default() };
    let Ok(loaded) = read(data, &limits) else {
        return;
    };
    let _ = validate(&loaded.card);
    let (repaired, _) = repair(&loaded.card);
    let _ = validate(&repaired);
    let text = serde_json::to_vec(&repaired.to_value()).expect("a repaired card serializes");
    let value = serde_json::from_slice(&text).expect("a repaired card is JSON");
    let reread = Card::from_value(value).expect("a repaired card reads back");
    let (twice, _) = repair(&reread);
    assert_eq!(twice.to_value(), repaired.to_value(), "repair is idempotent");
});
