//! The health report's backup and service findings, from states made here.

use super::*;

#[test]
fn a_failed_last_trial_restore_is_a_failure_of_its_own_beside_the_age_of_the_last_good_one() {
    let state = BackupState {
        verified_age: Some(3600),
        trial_failed: Some(("5f3a09c1".into(), "pg_restore: corrupt pack".into())),
        ..BackupState::default()
    };
    let findings = backup_findings(&state);
    let failed = findings
        .iter()
        .find(|f| f.id == "backup.trial_failed")
        .expect("told");
    assert_eq!(failed.level, Level::Fail);
    assert!(failed.detail.contains("backup 5f3a09c1"), "{failed:?}");
    assert!(
        failed
            .fix
            .as_deref()
            .unwrap_or("")
            .contains("delete nothing"),
        "{failed:?}"
    );
    let healthy = backup_findings(&BackupState {
        verified_age: Some(3600),
        ..BackupState::default()
    });
    assert!(healthy.iter().all(|f| f.id != "backup.trial_failed"));
}

#[test]
fn two_backends_of_different_versions_each_have_a_finding_and_a_warning_of_their_own() {
    let backend = |image: &str| Container {
        service: "backend".into(),
        state: "running".into(),
        health: "healthy".into(),
        image: image.into(),
        ..Container::default()
    };
    let listing = Listing::Containers(vec![
        backend("deskmate/backend:1.1.0"),
        backend("deskmate/backend:1.2.0"),
    ]);
    let findings = services(&listing);
    let mut ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "every id once: {findings:?}");
    let both = findings
        .iter()
        .find(|f| f.id == "service.backend.versions")
        .expect("warned");
    assert_eq!(both.level, Level::Warn);
    assert!(
        both.detail
            .contains("deskmate/backend:1.1.0, deskmate/backend:1.2.0")
    );
    // The same version twice (beside an update of another service) is no warning.
    let same = services(&Listing::Containers(vec![backend("b:1"), backend("b:1")]));
    assert!(same.iter().all(|f| !f.id.ends_with(".versions")));
}

#[test]
fn the_weekly_repository_check_is_shown_and_a_damaged_one_fails() {
    let state = |passed: bool| BackupState {
        verified_age: Some(3600),
        check: Some((
            passed,
            "2026-12-06T04:10:00Z".into(),
            "pack 1f2e3d: not found".into(),
        )),
        ..BackupState::default()
    };
    let find = |s: &BackupState| {
        backup_findings(s)
            .into_iter()
            .find(|f| f.id == "backup.check")
            .expect("shown")
    };
    assert_eq!(find(&state(true)).level, Level::Pass);
    let damaged = find(&state(false));
    assert_eq!(damaged.level, Level::Fail);
    assert!(
        damaged.detail.contains("found it damaged: pack 1f2e3d"),
        "{damaged:?}"
    );
    let none = BackupState::default();
    assert!(
        backup_findings(&none)
            .iter()
            .all(|f| f.id != "backup.check")
    );
}
