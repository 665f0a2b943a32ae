//! Any stderr, cut into any chunks: the exit-marker filter passes every byte that is not the
//! marker line through, in order, and reads a code only from a real marker at the very end.
#![no_main]

use deskmate_remote::parsers::ExitMarker;
use libfuzzer_sys::fuzz_target;

const NONCE: &str = "n0nce";

fuzz_target!(|data: &[u8]| {
    let Some((&cuts, stream)) = data.split_first() else {
        return;
    };
    let mut marker = ExitMarker::new(NONCE);
    let mut passed = Vec::new();
    let step = usize::from(cuts).max(1);
    for chunk in stream.chunks(step) {
        passed.extend(marker.feed(chunk));
    }
    let (code, held) = marker.finish();
    passed.extend(held);
    match code {
        None => assert_eq!(passed, stream, "without a marker, stderr passes whole"),
        Some(code) => {
            assert!(stream.starts_with(&passed), "stderr kept in order");
            let line = &stream[passed.len()..];
            let digits = line
                .strip_prefix(format!("\x1e{NONCE} exit ").as_bytes())
                .and_then(|rest| rest.strip_suffix(b"\n"))
                .expect("a code comes only from the marker line, last");
            assert_eq!(std::str::from_utf8(digits).unwrap().parse::<i32>().unwrap(), code);
        }
    }
});
