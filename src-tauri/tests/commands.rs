//! The app's command table, called as the window calls it: by name, with JSON arguments.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use deskmate_api::{ApiError, DataDir};
use deskmate_studio::{Studio, commands};
use deskmate_test_server::{HealthEndpoint, TestServer, fixture};
use serde_json::{Value, json};

fn studio() -> (tempfile::TempDir, Studio) {
    let dir = tempfile::tempdir().unwrap();
    let studio = Studio::open(DataDir::new(dir.path())).unwrap();
    (dir, studio)
}

/// The owner picks `path` in a file dialog (or drops it): only then may a command use it.
fn chosen(studio: &Studio, path: impl AsRef<Path>) -> PathBuf {
    studio.grants().grant(path.as_ref());
    path.as_ref().to_path_buf()
}

fn call(studio: &Studio, name: &str, args: Value) -> Result<Value, ApiError> {
    commands::dispatch(studio, name, args, |_| {})
}

fn ok(studio: &Studio, name: &str, args: Value) -> Value {
    call(studio, name, args).unwrap_or_else(|e| panic!("{name}: {} ({})", e.message, e.code))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/personas")
}

fn object<'a>(editing: &'a Value, id: &str) -> &'a Value {
    editing["room"]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap()
}

#[test]
fn a_room_is_edited_through_engine_commands_probed_undone_saved_and_reopened() {
    let (dir, studio) = studio();
    let editing = ok(&studio, "room_new", json!({ "template": "cozy" }));
    let session = editing["session"].as_u64().unwrap();
    let objects = editing["room"]["objects"].as_array().unwrap().clone();
    let solid: Vec<&Value> = objects.iter().filter(|o| o["is_solid"] != false).collect();
    let (mover, other) = (solid[0], solid[1]);
    let id = mover["id"].as_str().unwrap();

    // Onto another solid object: the probe refuses, names it, and offers a free spot.
    let onto =
        json!({ "op": "move", "id": id, "x": other["position_x"], "y": other["position_y"] });
    let placement = ok(
        &studio,
        "room_probe",
        json!({ "session": session, "command": onto }),
    );
    assert_eq!(placement["refused"]["code"], "edit.collision");
    assert!(
        placement["conflicts"]
            .as_array()
            .unwrap()
            .contains(&other["id"])
    );
    let free = placement["nearest_free"].clone();
    assert!(free.is_object(), "a free spot is offered: {placement}");
    let refused = call(
        &studio,
        "room_apply",
        json!({ "session": session, "command": onto }),
    );
    assert_eq!(refused.unwrap_err().code, "edit.collision");

    // The offered spot applies; undo brings the object back.
    let there = json!({ "op": "move", "id": id, "x": free["x"], "y": free["y"] });
    let probe = ok(
        &studio,
        "room_probe",
        json!({ "session": session, "command": there }),
    );
    assert!(probe["refused"].is_null());
    assert!(
        probe["diagnostics"].is_array(),
        "the drag sees the findings"
    );
    let moved = ok(
        &studio,
        "room_apply",
        json!({ "session": session, "command": there }),
    );
    assert_eq!(object(&moved, id)["position_x"], free["x"]);
    assert_eq!(moved["canUndo"], true);
    let undone = ok(&studio, "room_undo", json!({ "session": session }));
    assert_eq!(object(&undone, id)["position_x"], mover["position_x"]);
    assert_eq!(undone["canRedo"], true);
    let redone = ok(&studio, "room_redo", json!({ "session": session }));
    assert_eq!(object(&redone, id)["position_x"], free["x"]);

    ok(
        &studio,
        "room_save",
        json!({ "session": session, "name": "My cabin" }),
    );
    let saved = ok(&studio, "room_saved", json!({}));
    assert_eq!(saved[0]["name"], "My cabin");
    ok(&studio, "room_close", json!({ "session": session }));
    let closed = call(&studio, "room_undo", json!({ "session": session }));
    assert_eq!(closed.unwrap_err().code, "room.not_open");

    let reopened = ok(&studio, "room_open_saved", json!({ "name": "My cabin" }));
    assert_eq!(object(&reopened, id)["position_x"], free["x"]);
    assert_eq!(
        reopened["room"]["name"], "My cabin",
        "the new name is the room's own"
    );
    let reopened_session = reopened["session"].as_u64().unwrap();
    ok(
        &studio,
        "room_save",
        json!({ "session": reopened_session, "name": "My cabin" }),
    );
    assert_eq!(
        ok(&studio, "room_saved", json!({}))
            .as_array()
            .unwrap()
            .len(),
        1,
        "saving again replaces, never duplicates"
    );
    let exported = chosen(&studio, dir.path().join("cabin.room.json"));
    ok(
        &studio,
        "room_export",
        json!({ "session": reopened_session, "path": exported, "format": "room" }),
    );
    let file: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(file["name"], "My cabin", "the export carries the new name");

    // The app opens its own share package ("Open a file…"), as the CLI's import does.
    let package = chosen(&studio, dir.path().join("shared").join("cozy_cabin.dmroom"));
    std::fs::create_dir_all(package.parent().unwrap()).unwrap();
    ok(
        &studio,
        "room_export",
        json!({ "session": reopened_session, "path": package, "format": "package" }),
    );
    let opened = ok(&studio, "room_import", json!({ "path": package }));
    assert_eq!(opened["room"]["name"], "My cabin");
    assert_eq!(opened["room"]["objects"], reopened["room"]["objects"]);
    assert_eq!(reopened["canUndo"], false);
}

#[test]
fn templates_have_previews_and_themes() {
    let (_dir, studio) = studio();
    let templates = ok(&studio, "room_templates", json!({}));
    assert_eq!(templates.as_array().unwrap().len(), 4);
    let preview = ok(
        &studio,
        "room_template_preview",
        json!({ "template": "modern" }),
    );
    assert!(
        preview["png"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,iVBOR")
    );
    let themes = ok(&studio, "room_themes", json!({}));
    assert_eq!(themes.as_array().unwrap().len(), 4);
    let missing = call(&studio, "room_new", json!({ "template": "castle" })).unwrap_err();
    assert!(missing.message.contains("castle"), "{missing:?}");
}

#[test]
fn a_card_edit_keeps_unknown_fields_and_refuses_a_changed_spec_or_no_name() {
    let (_dir, studio) = studio();
    let report = ok(
        &studio,
        "persona_import",
        json!({ "paths": [chosen(&studio, samples().join("aster-vale.json"))] }),
    );
    assert_eq!(report["imported"], 1, "{report}");
    let id = report["files"][0]["id"].as_i64().unwrap();
    let detail = ok(&studio, "persona_show", json!({ "id": id }));
    let mut card: Value = serde_json::from_str(detail["card"].as_str().unwrap()).unwrap();
    card["data"]["description"] = json!("Changed in the app.");
    card["data"]["alternate_greetings"] = json!(["One", "Two"]);
    card["x_app_specific"] = json!({ "kept": true });
    ok(
        &studio,
        "persona_update_card",
        json!({ "id": id, "card": card }),
    );
    let stored: Value = serde_json::from_str(
        ok(&studio, "persona_show", json!({ "id": id }))["card"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["data"]["description"], "Changed in the app.");
    assert_eq!(stored["data"]["alternate_greetings"], json!(["One", "Two"]));
    assert_eq!(stored["x_app_specific"], json!({ "kept": true }));

    let mut other_spec = stored.clone();
    other_spec["spec"] = json!("chara_card_v2");
    let err = call(
        &studio,
        "persona_update_card",
        json!({ "id": id, "card": other_spec }),
    )
    .unwrap_err();
    assert_eq!(err.code, "card.spec_changed");
    let mut nameless = stored.clone();
    nameless["data"]["name"] = json!("  ");
    let err = call(
        &studio,
        "persona_update_card",
        json!({ "id": id, "card": nameless }),
    )
    .unwrap_err();
    assert_eq!(err.code, "card.missing_name");
}

#[test]
fn an_import_reports_progress_and_stops_when_cancelled() {
    let (_dir, studio) = studio();
    let studio = Arc::new(studio);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (sink, canceller) = (seen.clone(), studio.clone());
    // Cancel from the first progress report, as the window's Cancel button would.
    let report = commands::dispatch(
        &studio,
        "persona_import",
        json!({ "paths": [chosen(&studio, samples())], "taskId": "import-1" }),
        move |p| {
            sink.lock().unwrap().push(p);
            commands::dispatch(
                &canceller,
                "task_cancel",
                json!({ "id": "import-1" }),
                |_| {},
            )
            .unwrap();
        },
    )
    .unwrap();
    assert_eq!(report["cancelled"], true);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 3, "every file is reported: {report}");
    assert!(
        files.iter().any(|f| f["code"] == "task.cancelled"),
        "{report}"
    );
    assert_eq!(
        report["imported"], 1,
        "stopped right after the first file: {report}"
    );
    let progress = seen.lock().unwrap();
    assert_eq!(progress[0]["total"], 3);
    // Nothing half-imported: what was imported is listed whole.
    let listed = ok(&studio, "persona_list", json!({}));
    assert_eq!(
        listed.as_array().unwrap().len() as u64,
        report["imported"].as_u64().unwrap()
    );
    // Once finished, the task is gone.
    let late = ok(&studio, "task_cancel", json!({ "id": "import-1" }));
    assert_eq!(late["cancelled"], false);
}

#[test]
fn a_zip_export_reports_progress_and_a_cancel_writes_nothing() {
    let (dir, studio) = studio();
    let studio = Arc::new(studio);
    ok(
        &studio,
        "persona_import",
        json!({ "paths": [chosen(&studio, samples())] }),
    );
    let ids: Vec<Value> = ok(&studio, "persona_list", json!({}))
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids.len(), 3);
    let zip = chosen(&studio, dir.path().join("all.zip"));

    let canceller = studio.clone();
    let err = commands::dispatch(
        &studio,
        "persona_export",
        json!({ "ids": ids, "path": zip, "taskId": "export-1" }),
        move |_| {
            commands::dispatch(
                &canceller,
                "task_cancel",
                json!({ "id": "export-1" }),
                |_| {},
            )
            .unwrap();
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "task.cancelled");
    assert!(!zip.exists(), "a cancelled export leaves no file");

    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let report = commands::dispatch(
        &studio,
        "persona_export",
        json!({ "ids": ids, "path": zip, "taskId": "export-2" }),
        move |p| sink.lock().unwrap().push(p["done"].as_u64().unwrap()),
    )
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), [1, 2, 3]);
    assert_eq!(report["files"].as_array().unwrap().len(), 3);
    assert!(zip.exists());
}

#[test]
fn an_expression_picture_comes_back_byte_for_byte() {
    use base64::Engine as _;
    let (dir, studio) = studio();
    let card = samples().join("nyx-holloway.png");
    ok(
        &studio,
        "persona_import",
        json!({ "paths": [chosen(&studio, &card)] }),
    );
    let id = ok(&studio, "persona_list", json!({}))[0]["id"].clone();
    let sprites = dir.path().join("sprites");
    std::fs::create_dir(&sprites).unwrap();
    let picture = std::fs::read(&card).unwrap();
    std::fs::write(sprites.join("joy.png"), &picture).unwrap();
    ok(
        &studio,
        "persona_expressions_import",
        json!({ "id": id, "path": chosen(&studio, &sprites) }),
    );

    let shown = ok(
        &studio,
        "persona_sprite",
        json!({ "id": id, "fileName": "joy.png" }),
    );
    let url = shown["url"].as_str().unwrap();
    let encoded = url.strip_prefix("data:image/png;base64,").expect(url);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(bytes, picture);

    let missing = call(
        &studio,
        "persona_sprite",
        json!({ "id": id, "fileName": "anger.png" }),
    )
    .unwrap_err();
    assert_eq!(missing.code, "sprite.not_found");
}

/// A key file the window merely names (typed, not chosen in the dialog) is never read, and
/// nothing is saved.
#[test]
fn a_key_file_the_owner_did_not_choose_is_refused() {
    let (dir, studio) = studio();
    let key = dir.path().join("id_ed25519");
    std::fs::write(&key, "not read").unwrap();
    let refused = call(
        &studio,
        "server_add",
        json!({
            "name": "home",
            "host": "127.0.0.1",
            "user": "me",
            "auth": { "kind": "key", "path": key },
        }),
    )
    .unwrap_err();
    assert_eq!(refused.code, "ipc.path_not_chosen");
    assert_eq!(ok(&studio, "server_list", json!({}))["servers"], json!([]));
}

/// What the window's key dialog does: a first contact is trusted; a changed key is
/// replaced, with `server_trust` for a saved server, or with `replace` while adding again.
#[test]
fn host_keys_are_trusted_and_replaced_as_the_key_dialog_asks() {
    let mut server = TestServer::start();
    let (_dir, studio) = studio();
    let profile = json!({
        "name": "home",
        "host": "127.0.0.1",
        "port": server.port,
        "user": server.user(),
        "auth": { "kind": "key", "path": chosen(&studio, server.client_key()) },
    });
    let add = |extra: Value| {
        let mut args = profile.clone();
        args.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        call(&studio, "server_add", args)
    };

    let unknown = add(json!({})).unwrap_err();
    assert_eq!(unknown.code, "ssh.host_key_unknown");
    let first = unknown.details["fingerprint"].clone();
    assert_eq!(first, server.host_fingerprint());
    add(json!({ "trust": first })).unwrap();

    server.change_host_key();
    let changed = call(&studio, "server_check", json!({ "name": "home" })).unwrap_err();
    assert_eq!(changed.code, "ssh.host_key_changed");
    assert_eq!(changed.details["expected"], first);
    let second = changed.details["actual"].clone();
    let trusted = ok(
        &studio,
        "server_trust",
        json!({ "name": "home", "fingerprint": second }),
    );
    assert_eq!(trusted["replaced"], true);
    ok(&studio, "server_check", json!({ "name": "home" }));

    ok(&studio, "server_remove", json!({ "name": "home" }));
    server.change_host_key();
    let third = server.host_fingerprint();
    let again = add(json!({ "trust": third })).unwrap_err();
    assert_eq!(again.code, "ssh.host_key_changed");
    assert_eq!(again.details["actual"], third);
    let added = add(json!({ "replace": third })).unwrap();
    assert_eq!(added["host_key"], third.as_str());
    assert_eq!(added["server"]["name"], "home");
}

#[test]
fn unknown_commands_and_bad_arguments_are_plain_errors() {
    let (_dir, studio) = studio();
    let err = call(&studio, "rm_rf", json!({})).unwrap_err();
    assert_eq!(err.code, "ipc.unknown_command");
    let err = call(&studio, "room_apply", json!({ "session": "x" })).unwrap_err();
    assert_eq!(err.code, "ipc.bad_arguments");
    assert!(!err.hint.is_empty());
}

/// Long server tasks hold only their server: while a slow health check runs, the persona
/// list, the server list and the history answer; a second task on the same server is
/// refused with `server.busy`; a task on another server runs at the same time.
#[test]
fn a_slow_health_check_holds_its_server_and_nothing_else() {
    let server = TestServer::start();
    let backend = HealthEndpoint::start(
        200,
        &std::fs::read_to_string(fixture("health-healthy.json")).unwrap(),
    );
    let (_dir, studio) = studio();
    for name in ["home", "office"] {
        ok(
            &studio,
            "server_add",
            json!({
                "name": name,
                "host": "127.0.0.1",
                "port": server.port,
                "user": server.user(),
                "auth": { "kind": "key", "path": chosen(&studio, server.client_key()) },
                "trust": server.host_fingerprint(),
                "backendPort": backend.port,
            }),
        );
    }
    backend.set_delay(std::time::Duration::from_secs(3));
    std::thread::scope(|scope| {
        let home = scope.spawn(|| call(&studio, "server_health", json!({ "name": "home" })));
        while backend.requests().is_empty() {
            assert!(!home.is_finished(), "{:?}", home.join());
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // The health check is now waiting on the backend, in the middle of its SSH work.
        let personas = ok(&studio, "persona_list", json!({}));
        assert!(personas.is_array());
        let servers = ok(&studio, "server_list", json!({}));
        assert_eq!(servers["servers"].as_array().unwrap().len(), 2);
        ok(&studio, "server_history", json!({ "name": "home" }));
        let again = call(&studio, "server_health", json!({ "name": "home" })).unwrap_err();
        assert_eq!(again.code, "server.busy", "{}", again.message);
        assert!(
            again.message.contains("a health check"),
            "{}",
            again.message
        );
        assert!(
            !home.is_finished(),
            "all of that answered while the check ran"
        );

        let office = scope.spawn(|| call(&studio, "server_health", json!({ "name": "office" })));
        while backend.requests().len() < 2 {
            assert!(!office.is_finished(), "{:?}", office.join());
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(
            !home.is_finished(),
            "both servers' checks were in flight at once"
        );
        home.join().unwrap().expect("home's check finishes");
        office.join().unwrap().expect("office's check finishes");
    });
    let history = ok(&studio, "server_history", json!({ "name": "home" }));
    assert_eq!(history.as_array().unwrap().len(), 1);
}

/// The window may name only files the owner chose: in a dialog the app showed, or dropped
/// on the window. Anything else is refused before it is touched.
#[test]
fn a_path_the_owner_never_chose_is_refused() {
    struct Picks(PathBuf);
    impl deskmate_studio::dialogs::Dialogs for Picks {
        fn pick(&self, _: &deskmate_studio::dialogs::DialogRequest) -> Vec<PathBuf> {
            vec![self.0.clone()]
        }
    }
    let (dir, studio) = studio();
    let card = samples().join("aster-vale.json");
    for (name, args) in [
        ("persona_import", json!({ "paths": [card] })),
        ("plugin_install", json!({ "path": dir.path() })),
        ("room_import", json!({ "path": card })),
    ] {
        let err = call(&studio, name, args).unwrap_err();
        assert_eq!(err.code, "ipc.path_not_chosen", "{name}");
    }
    assert_eq!(
        ok(&studio, "persona_list", json!({}))
            .as_array()
            .unwrap()
            .len(),
        0
    );

    studio.set_dialogs(Box::new(Picks(card.clone())));
    let picked = ok(
        &studio,
        "dialog_pick",
        json!({ "kind": "files", "title": "Import cards" }),
    );
    assert_eq!(picked, json!([card]));
    let report = ok(&studio, "persona_import", json!({ "paths": picked }));
    assert_eq!(report["imported"], 1);
    // A sibling of the chosen file, or the folder it is in, is still not chosen.
    let sibling = samples().join("bram-copperkettle.json");
    let err = call(&studio, "persona_import", json!({ "paths": [sibling] })).unwrap_err();
    assert_eq!(err.code, "ipc.path_not_chosen");
}
