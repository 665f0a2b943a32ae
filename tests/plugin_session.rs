//! The editor's path: a room session reports built-in and plugin findings after every
//! command, as the validation panel shows them while the owner edits.

mod support;

use std::sync::Arc;

use deskmate_api::{DataDir, Plugins, RoomCommand, RoomSession};
use support::example_plugin;

#[test]
fn a_session_merges_plugin_findings_and_follows_edits() {
    let data = tempfile::tempdir().unwrap();
    let plugins = Plugins::open(&DataDir::new(data.path())).unwrap();
    plugins
        .install(&example_plugin("room-essentials"), false)
        .unwrap();
    let plugins = Arc::new(plugins);

    let work = tempfile::tempdir().unwrap();
    let office = work.path().join("office.json");
    deskmate_api::new_room("office", &office).unwrap();
    let mut session = RoomSession::open(&office, Arc::clone(&plugins)).unwrap();

    let found = session.diagnostics();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "essentials.no_bed");
    assert_eq!(found[0].source.as_deref(), Some("room-essentials"));

    let rename: RoomCommand = serde_json::from_str(
        r#"{"op":"set_property","id":"lounge_sofa","property":"name","value":"Sofa Bed"}"#,
    )
    .unwrap();
    assert!(session.apply(&rename).unwrap().is_empty());
    assert!(session.undo());
    assert_eq!(session.diagnostics()[0].code, "essentials.no_bed");

    // Disabling the plugin takes effect on the next check, without reopening the session.
    plugins.set_enabled("room-essentials", false).unwrap();
    assert!(session.diagnostics().is_empty());
}
