//! The retention rules (`deskmate-retention`, run after every verified backup), run for real
//! with bash on prepared `verified.tsv` and `kept.tsv` files: which backups are kept, why,
//! and which are forgotten.

use std::path::Path;
use std::process::Command;

use deskmate_stack::backup::{RETENTION_LIB, scripts};
use proptest::prelude::*;

// Noon (UTC), so an hour before is the same day.
const NOW: u64 = 1_796_040_000;
const DAY: u64 = 86_400;

/// A stack folder with `verified` ("id<TAB>ok|failed" lines) and `kept` ("id<TAB>until")
/// written as the scripts write them.
struct Folder(tempfile::TempDir);

impl Folder {
    fn new(verified: &[(&str, &str)], kept: &[(&str, u64)]) -> Folder {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("backups")).unwrap();
        let lines: String = verified
            .iter()
            .map(|(id, outcome)| format!("2026-12-07T00:00:00Z\t{id}\t{outcome}\tdetail\n"))
            .collect();
        std::fs::write(dir.path().join("backups/verified.tsv"), lines).unwrap();
        let lines: String = kept
            .iter()
            .map(|(id, until)| {
                format!("{id}\t{until}\t2027-01-06\ttaken before the update to 1.2.0\n")
            })
            .collect();
        std::fs::write(dir.path().join("backups/kept.tsv"), lines).unwrap();
        let script = scripts()
            .into_iter()
            .find(|f| f.path == RETENTION_LIB)
            .expect("shipped");
        std::fs::write(dir.path().join("retention.sh"), script.contents).unwrap();
        Folder(dir)
    }

    /// `retention_plan` on (id, age in seconds) snapshots: (keep?, id, why), newest first.
    fn plan(&self, snapshots: &[(&str, u64)], rules: &str) -> Vec<(bool, String, String)> {
        let input: String = snapshots
            .iter()
            .map(|(id, age)| format!("{id}\t{}\n", NOW - age))
            .collect();
        let dir: &Path = self.0.path();
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -euo pipefail; stack=$1; backups=$1/backups; {rules}; . $1/retention.sh; retention_plan {NOW} <<< \"$2\""
            ))
            .arg("retention")
            .arg(dir)
            .arg(input)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                let mut f = line.splitn(3, '\t');
                let decision = f.next().unwrap();
                assert!(["keep", "forget"].contains(&decision), "{line}");
                (
                    decision == "keep",
                    f.next().unwrap().to_string(),
                    f.next().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
}

fn kept<'a>(plan: &'a [(bool, String, String)], id: &str) -> Option<&'a str> {
    let (keep, _, why) = plan.iter().find(|(_, i, _)| i == id).expect(id);
    keep.then_some(why.as_str())
}

#[test]
fn the_backup_an_update_took_first_survives_a_later_backup_the_same_day() {
    // One backup a day: restic's keep-daily would forget the update's backup `b` here.
    let folder = Folder::new(
        &[("aaaaaaaa", "ok"), ("bbbbbbbb", "ok")],
        &[("bbbbbbbb", NOW + 30 * DAY)],
    );
    let plan = folder.plan(&[("aaaaaaaa", 60), ("bbbbbbbb", 3600)], "KEEP_DAILY=1");
    assert_eq!(kept(&plan, "aaaaaaaa"), Some("the newest verified backup"));
    assert_eq!(
        kept(&plan, "bbbbbbbb"),
        Some("kept until 2027-01-06: taken before the update to 1.2.0")
    );
}

#[test]
fn a_keep_request_ends_and_the_daily_rules_take_over() {
    let folder = Folder::new(
        &[("aaaaaaaa", "ok"), ("bbbbbbbb", "ok")],
        &[("bbbbbbbb", NOW - 1)],
    );
    let plan = folder.plan(&[("aaaaaaaa", 60), ("bbbbbbbb", 3600)], "KEEP_DAILY=1");
    assert_eq!(kept(&plan, "bbbbbbbb"), None);
}

#[test]
fn an_unverified_backup_never_takes_a_verified_one_s_place() {
    // The newest of today is unverified: the verified one of today stays the day's backup.
    let folder = Folder::new(
        &[
            ("aaaaaaaa", "ok"),
            ("cccccccc", "ok"),
            ("ffffffff", "failed"),
        ],
        &[],
    );
    let plan = folder.plan(
        &[
            ("uuuuuuuu", 30),
            ("ffffffff", 45),
            ("aaaaaaaa", 60),
            ("cccccccc", DAY + 60),
            ("oooooooo", 10 * DAY),
        ],
        "KEEP_DAILY=1 KEEP_WEEKLY=0 KEEP_MONTHLY=0",
    );
    assert_eq!(kept(&plan, "aaaaaaaa"), Some("the newest verified backup"));
    assert_eq!(kept(&plan, "uuuuuuuu"), Some("not verified; kept 7 days"));
    assert_eq!(
        kept(&plan, "ffffffff"),
        Some("its trial restore failed; kept 7 days for salvage")
    );
    // Yesterday's verified one is past one day's rule; an old unverified one goes too.
    assert_eq!(kept(&plan, "cccccccc"), None);
    assert_eq!(kept(&plan, "oooooooo"), None);
}

#[test]
fn daily_weekly_and_monthly_count_verified_backups_only_and_say_which() {
    let folder = Folder::new(
        &[("aaaaaaaa", "ok"), ("bbbbbbbb", "ok"), ("cccccccc", "ok")],
        &[],
    );
    let plan = folder.plan(
        &[
            ("aaaaaaaa", 60),
            ("bbbbbbbb", DAY + 60),
            ("cccccccc", 40 * DAY),
        ],
        "KEEP_DAILY=2 KEEP_WEEKLY=0 KEEP_MONTHLY=2",
    );
    assert_eq!(
        kept(&plan, "bbbbbbbb"),
        Some("the newest verified backup of its day")
    );
    assert_eq!(
        kept(&plan, "cccccccc"),
        Some("the newest verified backup of its month")
    );
}

#[test]
fn with_no_verified_backup_nothing_is_forgotten() {
    let folder = Folder::new(&[("aaaaaaaa", "failed")], &[]);
    let plan = folder.plan(
        &[("aaaaaaaa", 60 * DAY), ("bbbbbbbb", 90 * DAY)],
        "KEEP_DAILY=0",
    );
    assert!(plan.iter().all(|(keep, _, _)| *keep), "{plan:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the backups and the rules: the newest verified backup and every backup
    /// under a keep request are kept, and each backup gets exactly one decision.
    #[test]
    fn the_newest_verified_and_the_kept_ones_are_never_forgotten(
        drawn in proptest::collection::vec((0u64..4 * DAY, 0u8..3, any::<bool>()), 1..12),
        daily in 0u32..3, weekly in 0u32..3, monthly in 0u32..3,
    ) {
        // Ages made distinct (and spread over two months), so "newest" is one backup.
        let backups: Vec<(u64, u8, bool)> = drawn
            .iter()
            .enumerate()
            .map(|(i, (age, outcome, keep))| (age * 16 + i as u64, *outcome, *keep))
            .collect();
        let ids: Vec<String> = (0..backups.len()).map(|i| format!("{i:08x}")).collect();
        let verified: Vec<(&str, &str)> = backups
            .iter()
            .zip(&ids)
            .filter(|((_, outcome, _), _)| *outcome > 0)
            .map(|((_, outcome, _), id)| (id.as_str(), if *outcome == 1 { "ok" } else { "failed" }))
            .collect();
        let protected: Vec<(&str, u64)> = backups
            .iter()
            .zip(&ids)
            .filter(|((_, _, keep), _)| *keep)
            .map(|(_, id)| (id.as_str(), NOW + DAY))
            .collect();
        let folder = Folder::new(&verified, &protected);
        let snapshots: Vec<(&str, u64)> =
            backups.iter().zip(&ids).map(|((age, _, _), id)| (id.as_str(), *age)).collect();
        let plan = folder.plan(
            &snapshots,
            &format!("KEEP_DAILY={daily} KEEP_WEEKLY={weekly} KEEP_MONTHLY={monthly}"),
        );
        prop_assert_eq!(plan.len(), backups.len());
        let newest_verified = backups
            .iter()
            .zip(&ids)
            .filter(|((_, outcome, _), _)| *outcome == 1)
            .min_by_key(|((age, _, _), _)| *age)
            .map(|(_, id)| id.clone());
        for (keep, id, _) in &plan {
            if Some(id) == newest_verified.as_ref() || protected.iter().any(|(p, _)| p == id) {
                prop_assert!(*keep, "{} forgotten: {:?}", id, plan);
            }
        }
    }
}
