//! The editing session and the hints on room errors, end to end on a temp dir.

use super::*;

fn session() -> (tempfile::TempDir, PathBuf, RoomSession) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("room.json");
    new_room("office", &path).unwrap();
    let session = RoomSession::open(&path, std::sync::Arc::new(Plugins::none().unwrap())).unwrap();
    (dir, path, session)
}

fn command(json: &str) -> Command {
    serde_json::from_str(json).unwrap()
}

#[test]
fn a_session_edits_reports_findings_undoes_and_saves() {
    let (_dir, path, mut session) = session();
    // Each apply returns the room's current findings, for the validation panel.
    let findings = session
        .apply(&command(
            r#"{"op":"move","id":"lounge_sofa","x":40,"y":11}"#,
        ))
        .unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    let findings = session
        .apply(&command(r#"{"op":"remove","id":"office_door"}"#))
        .unwrap();
    assert_eq!(findings[0].code, "room.no_door");
    assert!(session.undo());
    assert!(session.diagnostics().is_empty());

    let err = session
        .apply(&command(r#"{"op":"move","id":"chair_1","x":2,"y":3}"#))
        .unwrap_err();
    assert_eq!(err.code, "edit.collision");
    assert!(
        err.message.contains("the nearest free spot is"),
        "{}",
        err.message
    );
    assert!(err.details.contains_key("nearest_x"), "{:?}", err.details);
    assert!(
        session
            .would_apply(&command(r#"{"op":"move","id":"chair_1","x":2,"y":3}"#))
            .is_err()
    );

    let report = session.save(&path).unwrap();
    assert!(report.valid);
    let saved = RoomSession::open(&path, std::sync::Arc::new(Plugins::none().unwrap())).unwrap();
    assert_eq!(saved.room(), session.room());
    assert_eq!(saved.room().object("lounge_sofa").unwrap().position_y, 11);
}

#[test]
fn room_errors_carry_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("card.json");
    std::fs::write(&path, r#"{"spec":"chara_card_v3","data":{}}"#).unwrap();
    let err = validate_room(&path, &Plugins::none().unwrap()).unwrap_err();
    assert_eq!(err.code, "room.unsupported_format");
    assert!(err.hint.contains("from a template"), "{}", err.hint);
    assert_eq!(err.action(), Some(crate::Action::NewRoom));
    let err = new_room("castle", &dir.path().join("x.json")).unwrap_err();
    assert_eq!(err.code, "room.unknown_template");
    assert!(!dir.path().join("x.json").exists());
}
