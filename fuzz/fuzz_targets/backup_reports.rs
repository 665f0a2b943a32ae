//! Any bytes as what the server's backup scripts print (`key<TAB>value` reports), as the
//! backup list (restic's JSON and the two logs), and as `shared/data-volumes`: read or
//! refused, never a panic, and every volume name read is one Docker would take.
#![no_main]

use deskmate_remote::backup::{parse_list, parse_report};
use deskmate_stack::{DataVolumes, is_volume_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let report = parse_report(text);
    assert!(report.len() <= deskmate_remote::backup::MAX_LINES);
    if let Ok(list) = parse_list(text) {
        assert!(list.windows(2).all(|w| w[0].time >= w[1].time), "newest first");
    }
    let volumes = DataVolumes::parse(text);
    for name in [&volumes.postgres, &volumes.qdrant].into_iter().flatten() {
        assert!(is_volume_name(name));
    }
});
