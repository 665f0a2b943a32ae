//! Declares the app's own commands to Tauri's ACL, so each one must be granted by a capability
//! in `capabilities/` before the window may call it.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(deskmate_commands());
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build step");
}

/// Must match `COMMANDS` in src/commands/mod.rs; a unit test there checks it.
fn deskmate_commands() -> &'static [&'static str] {
    &include!("src/commands/names.in")
}
