//! Any bytes as what the server prints for updates and publishing: the published versions
//! of a folder, the publish log, two readings of the database's columns (split at the first
//! `|`), names that would become folders or git refs, and each line as a container log line
//! (parsed, grouped into error patterns, counted as requests): read or refused, never a panic;
//! every name accepted stays one path segment (or a ref git reads as a ref, not an option).
#![no_main]

use deskmate_remote::parsers::schema_changes;
use deskmate_remote::git_build::check_ref;
use deskmate_remote::publish::{check_name, parse_publications, parse_versions};
use deskmate_logs::{group_errors, parse_line, request_stats};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let versions = parse_versions(text, "room-v", ".json");
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "ascending, once each");
    for p in parse_publications(text) {
        assert!(p.kind == "room" || p.kind == "persona");
        assert!(p.action == "publish" || p.action == "rollback");
    }
    let (before, after) = text.split_once('|').unwrap_or((text, ""));
    let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
    let changes = schema_changes(&lines(before), &lines(after));
    assert!(changes.len() <= before.lines().count() + after.lines().count());
    let logs: Vec<_> = text.lines().filter_map(parse_line).collect();
    for line in &logs {
        assert!(line.message.len() <= deskmate_logs::line::MAX_LINE);
    }
    let (groups, _) = group_errors(&logs);
    assert!(groups.iter().map(|g| g.count).sum::<u64>() <= logs.len() as u64);
    for route in request_stats(&logs, 1.0) {
        assert!(route.p50_ms <= route.p95_ms && (0.0..=1.0).contains(&route.error_rate));
    }
    for line in text.lines().take(64) {
        if check_name(line).is_ok() {
            assert!(!line.contains('/') && line != "." && line != ".." && !line.starts_with('-'));
        }
        if check_ref(line).is_ok() {
            assert!(!line.starts_with('-') && !line.contains("..") && !line.contains(char::is_whitespace));
        }
    }
});
