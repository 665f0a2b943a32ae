//! Loading, caching and the plugin folder: what is refused, and why.

mod support;

use deskmate_plugins::{CacheUse, Limits, Registry, Runtime, Target};
use support::*;

#[test]
fn a_wrong_api_version_is_refused() {
    let bytes = wasm("room_essentials");
    let mut manifest = manifest("room-essentials", &bytes, &[Target::Room]);
    manifest.api_version = "0.2.0".into();
    let error = runtime().load(&manifest, &bytes).err().unwrap();
    assert_eq!(error.code(), "plugin.unsupported_api");
    assert!(error.to_string().contains("0.2.0"));
}

#[test]
fn a_hash_mismatch_is_refused() {
    let bytes = wasm("room_essentials");
    let mut manifest = manifest("room-essentials", &bytes, &[Target::Room]);
    manifest.sha256 = sha_of(b"something else");
    let error = runtime().load(&manifest, &bytes).err().unwrap();
    assert_eq!(error.code(), "plugin.hash_mismatch");
}

#[test]
fn something_that_is_not_a_validator_component_is_refused() {
    let core_module = wat::parse_str("(module)").unwrap();
    let empty_component = wat::parse_str("(component)").unwrap();
    let garbage = b"\0asm but not really".to_vec();
    for bytes in [core_module, empty_component, garbage] {
        let manifest = manifest("not-a-validator", &bytes, &[Target::Room]);
        let error = runtime().load(&manifest, &bytes).err().unwrap();
        assert_eq!(error.code(), "plugin.bad_component", "{error}");
    }
}

#[test]
fn an_oversized_wasm_is_refused() {
    let bytes = wasm("room_essentials");
    let runtime = Runtime::new(
        None,
        Limits {
            max_wasm_bytes: 1_000,
            ..Limits::default()
        },
    )
    .unwrap();
    let error = runtime
        .load(
            &manifest("room-essentials", &bytes, &[Target::Room]),
            &bytes,
        )
        .err()
        .unwrap();
    assert_eq!(error.code(), "plugin.too_large");
}

#[test]
fn compiled_components_are_cached_and_a_corrupt_entry_is_replaced() {
    let cache = tempfile::tempdir().unwrap();
    let bytes = wasm("room_essentials");
    let manifest = manifest("room-essentials", &bytes, &[Target::Room]);
    let first = Runtime::new(Some(cache.path().into()), Limits::default()).unwrap();
    assert_eq!(first.load(&manifest, &bytes).unwrap().cache, CacheUse::Miss);
    let second = Runtime::new(Some(cache.path().into()), Limits::default()).unwrap();
    assert_eq!(second.load(&manifest, &bytes).unwrap().cache, CacheUse::Hit);

    let entries: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1);
    let name = entries[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(&manifest.sha256), "{name}");
    std::fs::write(&entries[0], b"not machine code").unwrap();
    let plugin = second.load(&manifest, &bytes).unwrap();
    assert_eq!(plugin.cache, CacheUse::Miss);
    assert!(
        second
            .validate(&plugin, Target::Room, &template_json("modern"))
            .failure
            .is_none()
    );
    assert_eq!(second.load(&manifest, &bytes).unwrap().cache, CacheUse::Hit);
}

#[test]
fn install_list_disable_enable_and_remove() {
    let work = tempfile::tempdir().unwrap();
    let registry = Registry::new(work.path().join("plugins"));
    let runtime = runtime();
    assert!(registry.list().unwrap().plugins.is_empty());

    let bytes = wasm("room_essentials");
    let manifest = manifest("room-essentials", &bytes, &[Target::Room]);
    let source = plugin_folder(work.path(), &manifest, &bytes);
    let (installed, info) = registry.install(&runtime, &source, false).unwrap();
    assert!(installed.enabled);
    assert_eq!(info.targets, [Target::Room]);
    assert_eq!(installed.dir, work.path().join("plugins/room-essentials"));

    let again = registry
        .install(&runtime, &source.join("plugin.toml"), false)
        .err()
        .unwrap();
    assert_eq!(again.code(), "plugin.already_installed");
    registry.install(&runtime, &source, true).unwrap();

    let listing = registry.list().unwrap();
    assert_eq!(listing.plugins.len(), 1);
    assert!(listing.problems.is_empty());
    let names: Vec<_> = std::fs::read_dir(registry.root())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.to_string_lossy().starts_with(".install")),
        "{names:?}"
    );

    let (plugins, problems) = registry.load_enabled(&runtime, Target::Room).unwrap();
    assert_eq!((plugins.len(), problems.len()), (1, 0));
    assert!(
        registry
            .load_enabled(&runtime, Target::Persona)
            .unwrap()
            .0
            .is_empty()
    );

    assert!(
        !registry
            .set_enabled("room-essentials", false)
            .unwrap()
            .enabled
    );
    assert!(!registry.list().unwrap().plugins[0].enabled);
    assert!(
        registry
            .load_enabled(&runtime, Target::Room)
            .unwrap()
            .0
            .is_empty()
    );
    assert!(
        registry
            .set_enabled("room-essentials", true)
            .unwrap()
            .enabled
    );

    registry.remove("room-essentials").unwrap();
    assert!(registry.list().unwrap().plugins.is_empty());
    assert_eq!(
        registry.remove("room-essentials").err().unwrap().code(),
        "plugin.not_found"
    );
    assert_eq!(
        registry.set_enabled("../etc", true).err().unwrap().code(),
        "plugin.not_found"
    );
}

#[test]
fn install_refuses_a_plugin_whose_own_info_disagrees_with_its_manifest() {
    let work = tempfile::tempdir().unwrap();
    let registry = Registry::new(work.path().join("plugins"));
    let bytes = wasm("room_essentials");
    let mut manifest = manifest("room-essentials", &bytes, &[Target::Room, Target::Persona]);
    let source = plugin_folder(work.path(), &manifest, &bytes);
    let error = registry.install(&runtime(), &source, false).err().unwrap();
    assert_eq!(error.code(), "plugin.manifest_mismatch");
    assert!(error.to_string().contains("targets"), "{error}");

    manifest.targets = vec![Target::Room];
    manifest.id = "impostor".into();
    let source = plugin_folder(work.path(), &manifest, &bytes);
    assert_eq!(
        registry
            .install(&runtime(), &source, false)
            .err()
            .unwrap()
            .code(),
        "plugin.manifest_mismatch"
    );
    assert!(!registry.root().join("impostor").exists());
}

#[test]
fn a_plugin_changed_on_disk_after_install_is_not_run() {
    let work = tempfile::tempdir().unwrap();
    let registry = Registry::new(work.path().join("plugins"));
    let runtime = runtime();
    let bytes = wasm("room_essentials");
    let source = plugin_folder(
        work.path(),
        &manifest("room-essentials", &bytes, &[Target::Room]),
        &bytes,
    );
    let (installed, _) = registry.install(&runtime, &source, false).unwrap();
    std::fs::write(installed.dir.join("room_essentials.wasm"), wasm("hostile")).unwrap();
    let (plugins, problems) = registry.load_enabled(&runtime, Target::Room).unwrap();
    assert!(plugins.is_empty());
    assert_eq!(problems[0].code, "plugin.hash_mismatch");
    assert_eq!(problems[0].source.as_deref(), Some("room-essentials"));
}

fn sha_of(bytes: &[u8]) -> String {
    deskmate_plugins::sha256_hex(bytes)
}
