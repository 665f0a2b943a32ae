//! The TypeScript types of what crosses into the window, generated from the Rust types with
//! ts-rs, so the UI can never drift from the app: `ui/src/lib/generated/` must be exactly what
//! the types give. Regenerate with `cargo xtask types` (this test with `DESKMATE_WRITE_TYPES`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

/// The roots; everything they use comes along.
fn export_all(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    deskmate_api::Placement::export_all(&cfg).expect("Placement exports");
    deskmate_api::Room::export_all(&cfg).expect("Room exports");
    deskmate_api::RoomCommand::export_all(&cfg).expect("Command exports");
    deskmate_api::persona::PersonaDetail::export_all(&cfg).expect("PersonaDetail exports");
    deskmate_api::PersonaSummary::export_all(&cfg).expect("PersonaSummary exports");
    deskmate_api::Finding::export_all(&cfg).expect("Finding exports");
    deskmate_api::servers::ServerList::export_all(&cfg).expect("ServerList exports");
    deskmate_api::servers::AddReport::export_all(&cfg).expect("AddReport exports");
    deskmate_api::servers::TrustReport::export_all(&cfg).expect("TrustReport exports");
    deskmate_api::servers::CheckReport::export_all(&cfg).expect("CheckReport exports");
    deskmate_api::servers::HealthOutcome::export_all(&cfg).expect("HealthOutcome exports");
    deskmate_api::servers::HistoryEntry::export_all(&cfg).expect("HistoryEntry exports");
    deskmate_api::room::TemplateSummary::export_all(&cfg).expect("TemplateSummary exports");
    deskmate_api::servers::InstallReport::export_all(&cfg).expect("InstallReport exports");
    deskmate_api::servers::Backup::export_all(&cfg).expect("Backup exports");
    deskmate_api::servers::BackupOutcome::export_all(&cfg).expect("BackupOutcome exports");
    deskmate_api::servers::RestoreReport::export_all(&cfg).expect("RestoreReport exports");
    deskmate_api::servers::ScheduleReport::export_all(&cfg).expect("ScheduleReport exports");
    deskmate_api::servers::TargetReport::export_all(&cfg).expect("TargetReport exports");
    deskmate_api::servers::DownloadReport::export_all(&cfg).expect("DownloadReport exports");
    deskmate_api::servers::HealReport::export_all(&cfg).expect("HealReport exports");
    deskmate_api::servers::DeployReport::export_all(&cfg).expect("DeployReport exports");
    deskmate_api::servers::ReleaseEntry::export_all(&cfg).expect("ReleaseEntry exports");
    deskmate_api::servers::Published::export_all(&cfg).expect("Published exports");
    deskmate_api::servers::Publication::export_all(&cfg).expect("Publication exports");
    deskmate_api::servers::WatchReport::export_all(&cfg).expect("WatchReport exports");
    deskmate_api::servers::AlertsReport::export_all(&cfg).expect("AlertsReport exports");
    deskmate_api::servers::MaintainReport::export_all(&cfg).expect("MaintainReport exports");
    deskmate_api::servers::LogReport::export_all(&cfg).expect("LogReport exports");
    deskmate_studio::commands::Editing::export_all(&cfg).expect("Editing exports");
    deskmate_api::ArtBook::export_all(&cfg).expect("ArtBook exports");
    deskmate_api::servers::home::Home::export_all(&cfg).expect("Home exports");
    deskmate_api::known_releases::KnownRelease::export_all(&cfg).expect("KnownRelease exports");
    deskmate_api::servers::OperationEvent::export_all(&cfg).expect("OperationEvent exports");
    deskmate_api::servers::AuditLine::export_all(&cfg).expect("AuditLine exports");
    deskmate_api::servers::Interrupted::export_all(&cfg).expect("Interrupted exports");
    deskmate_api::servers::Recovered::export_all(&cfg).expect("Recovered exports");
}

fn files(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ts") {
                let relative = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn the_ui_types_are_the_ones_the_rust_types_generate() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/generated");
    if std::env::var_os("DESKMATE_WRITE_TYPES").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        export_all(&committed);
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    export_all(fresh.path());
    let (want, have) = (files(fresh.path()), files(&committed));
    for (path, text) in &want {
        assert_eq!(
            have.get(path),
            Some(text),
            "ui/src/lib/generated/{} is out of date: run `cargo xtask types`",
            path.display()
        );
    }
    for path in have.keys() {
        assert!(
            want.contains_key(path),
            "ui/src/lib/generated/{} is generated from nothing now: run `cargo xtask types`",
            path.display()
        );
    }
}
