//! `deskmate plugin …` and plugin findings in `room validate` / `card validate`, end to end.

mod support;

use std::path::Path;

use support::*;

fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn install_list_validate_disable_enable_remove() {
    let data = data_dir();
    let dm = |args: &[&dyn AsRef<std::ffi::OsStr>]| deskmate_with_data(data.path(), args);

    let installed = dm(&[
        &"plugin",
        &"install",
        &example_plugin("room-essentials"),
        &"--json",
    ]);
    assert_eq!(
        installed.code, 0,
        "{}{}",
        installed.stdout, installed.stderr
    );
    assert_eq!(installed.json()["info"]["id"], "room-essentials");

    let list = dm(&[&"plugin", &"list", &"--json"]).json();
    assert_eq!(list["plugins"][0]["manifest"]["id"], "room-essentials");
    assert_eq!(list["plugins"][0]["enabled"], true);
    assert_eq!(list["limits"]["deadline_ms"], 100);
    assert_eq!(list["api_versions"][0], "0.1.0");

    let work = tempfile::tempdir().unwrap();
    let office = work.path().join("office.json");
    assert_eq!(
        dm(&[&"room", &"new", &"--template", &"office", &office]).code,
        0
    );

    // Built-in rules find nothing in the office template; the plugin finds no bed.
    let checked = dm(&[&"room", &"validate", &office, &"--json"]);
    assert_eq!(checked.code, 1, "{}", checked.stdout);
    let findings = checked.json()["diagnostics"].clone();
    assert_eq!(findings.as_array().unwrap().len(), 1);
    assert_eq!(findings[0]["code"], "essentials.no_bed");
    assert_eq!(findings[0]["source"], "room-essentials");
    let human = dm(&[&"room", &"validate", &office]);
    assert!(
        human
            .stdout
            .contains("error[essentials.no_bed] from plugin room-essentials"),
        "{}",
        human.stdout
    );

    assert_eq!(dm(&[&"plugin", &"disable", &"room-essentials"]).code, 0);
    assert_eq!(dm(&[&"room", &"validate", &office]).code, 0);
    assert_eq!(
        dm(&[&"plugin", &"list", &"--json"]).json()["plugins"][0]["enabled"],
        false
    );
    assert_eq!(dm(&[&"plugin", &"enable", &"room-essentials"]).code, 0);
    assert_eq!(dm(&[&"room", &"validate", &office]).code, 1);

    assert_eq!(dm(&[&"plugin", &"remove", &"room-essentials"]).code, 0);
    assert_eq!(dm(&[&"room", &"validate", &office]).code, 0);
    let gone = dm(&[&"plugin", &"remove", &"room-essentials", &"--json"]);
    assert_eq!(gone.code, 1);
    assert_eq!(gone.json()["error"]["code"], "plugin.not_found");
}

#[test]
fn plugin_run_exits_1_on_an_error_and_0_when_clean() {
    let data = data_dir();
    let dm = |args: &[&dyn AsRef<std::ffi::OsStr>]| deskmate_with_data(data.path(), args);
    let work = tempfile::tempdir().unwrap();
    let (office, cozy) = (
        work.path().join("office.json"),
        work.path().join("cozy.json"),
    );
    dm(&[&"room", &"new", &"--template", &"office", &office]);
    dm(&[&"room", &"new", &"--template", &"cozy", &cozy]);

    // Not installed: run it straight from its folder, as an author would.
    let folder = example_plugin("room-essentials");
    let failing = dm(&[&"plugin", &"run", &folder, &office, &"--json"]);
    assert_eq!(failing.code, 1);
    let report = failing.json();
    assert_eq!(report["target"], "room");
    assert_eq!(
        report["outcome"]["diagnostics"][0]["code"],
        "essentials.no_bed"
    );
    let objects = deskmate_rooms::template("office").unwrap().objects.len();
    assert_eq!(
        report["outcome"]["log"]["lines"][0]["message"],
        format!("checking {objects} objects").as_str()
    );
    assert!(report["outcome"]["elapsed_ms"].as_f64().unwrap() > 0.0);

    let passing = dm(&[&"plugin", &"run", &folder, &cozy]);
    assert_eq!(passing.code, 0, "{}{}", passing.stdout, passing.stderr);
    assert!(
        passing
            .stdout
            .contains("room-essentials: 0 errors, 0 warnings"),
        "{}",
        passing.stdout
    );

    let wrong = dm(&[
        &"plugin",
        &"run",
        &example_plugin("persona-rating"),
        &office,
    ]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("usage.wrong_target"));
}

#[test]
fn persona_plugins_join_card_validate() {
    let data = data_dir();
    let dm = |args: &[&dyn AsRef<std::ffi::OsStr>]| deskmate_with_data(data.path(), args);
    assert_eq!(
        dm(&[&"plugin", &"install", &example_plugin("persona-rating")]).code,
        0
    );
    let work = tempfile::tempdir().unwrap();
    let card = work.path().join("unrated.json");
    std::fs::write(
        &card,
        r#"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Mira","description":"A librarian.","first_mes":"Hello.","creator":"me","tags":["cozy"]}}"#,
    )
    .unwrap();
    let checked = dm(&[&"card", &"validate", &card, &"--json"]);
    let codes: Vec<_> = checked.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["source"] == "persona-rating")
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["rating.missing"]);
    assert_eq!(checked.code, 1);
}

#[test]
fn a_tampered_or_future_plugin_is_refused_at_install() {
    let data = data_dir();
    let dm = |args: &[&dyn AsRef<std::ffi::OsStr>]| deskmate_with_data(data.path(), args);
    let work = tempfile::tempdir().unwrap();

    let tampered = copy_plugin(
        &example_plugin("room-essentials"),
        &work.path().join("tampered"),
    );
    let wasm = tampered.join("room_essentials.wasm");
    let mut bytes = std::fs::read(&wasm).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&wasm, bytes).unwrap();
    let refused = dm(&[&"plugin", &"install", &tampered, &"--json"]);
    assert_eq!(refused.code, 1);
    assert_eq!(refused.json()["error"]["code"], "plugin.hash_mismatch");

    let future = copy_plugin(
        &example_plugin("room-essentials"),
        &work.path().join("future"),
    );
    let manifest = future.join("plugin.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("api_version = \"0.1.0\"", "api_version = \"0.2.0\"");
    std::fs::write(&manifest, text).unwrap();
    let refused = dm(&[&"plugin", &"install", &future]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("plugin.unsupported_api"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("runs plugins for API 0.1.0"),
        "{}",
        refused.stderr
    );

    assert!(
        dm(&[&"plugin", &"list", &"--json"]).json()["plugins"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

fn copy_plugin(from: &Path, to: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to.to_path_buf()
}

#[test]
fn a_plugin_written_in_javascript_runs_like_the_rust_ones() {
    let data = data_dir();
    let dm = |args: &[&dyn AsRef<std::ffi::OsStr>]| deskmate_with_data(data.path(), args);
    let installed = dm(&[
        &"plugin",
        &"install",
        &example_plugin("greeting-variety"),
        &"--json",
    ]);
    assert_eq!(
        installed.code, 0,
        "{}{}",
        installed.stdout, installed.stderr
    );
    let work = tempfile::tempdir().unwrap();
    let card = work.path().join("card.json");
    std::fs::write(
        &card,
        r#"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Mira","first_mes":"Hello.","alternate_greetings":["Hi!","Hello."]}}"#,
    )
    .unwrap();
    let run = dm(&[&"plugin", &"run", &"greeting-variety", &card, &"--json"]).json();
    let outcome = &run["outcome"];
    assert_eq!(outcome["diagnostics"][0]["code"], "greetings.duplicate");
    assert_eq!(
        outcome["diagnostics"][0]["path"],
        "data.alternate_greetings[1]"
    );
    assert_eq!(outcome["diagnostics"][0]["source"], "greeting-variety");
    assert_eq!(
        outcome["log"]["lines"][0]["message"],
        "first message of 6 characters, 2 alternates"
    );
}
