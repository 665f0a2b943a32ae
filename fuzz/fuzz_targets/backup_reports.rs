//! Any bytes as what the server's backup scripts print (`key<TAB>value` reports), as the
//! backup list (restic's JSON and the logs), as `shared/data-volumes`, as the offsite
//! probe's output, as a repository's file listing, and as the server's release listing:
//! read or refused, never a panic; every volume name read is one Docker would take and
//! every repository path one that stays inside the copy's folder.
#![no_main]

use deskmate_remote::backup::{parse_list, parse_report};
use deskmate_remote::releases::parse_releases;
use deskmate_remote::parsers::parse_probe;
use deskmate_remote::repository_copy::{is_repository_path, parse_listing};
use deskmate_stack::backup::SftpTarget;
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
    let probe = parse_probe(text);
    assert!(probe.host_keys.len() <= 64);
    if let Ok(files) = parse_listing(text) {
        for file in files {
            assert!(is_repository_path(&file.path));
            assert!(!file.path.contains("..") && !file.path.starts_with('/'));
        }
    }
    for release in parse_releases(text) {
        assert!(!release.version.is_empty() && release.version.len() <= 128);
    }
    if let Ok(target) = SftpTarget::parse(text) {
        assert!(!target.restic_repository().contains(char::is_whitespace));
    }
});
