//! Builds the guest plugins (the examples and the hostile one) for wasm32-wasip2, once per
//! test process, and wraps them with manifests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use deskmate_plugins::{Limits, Manifest, Plugin, Runtime, Target, sha256_hex};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The folder holding every built guest `.wasm`.
pub fn guests() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = repo_root();
        let target_dir = root.join("target/wasm-guests");
        for workspace in ["plugins/examples", "crates/plugins/tests/guests"] {
            let status = Command::new(env!("CARGO"))
                .args(["build", "--release", "--quiet", "--target", "wasm32-wasip2"])
                .arg("--manifest-path")
                .arg(root.join(workspace).join("Cargo.toml"))
                .arg("--target-dir")
                .arg(&target_dir)
                .status()
                .expect("cargo runs");
            assert!(
                status.success(),
                "building {workspace} for wasm32-wasip2 failed; is the target installed? (`cargo xtask setup` adds it)"
            );
        }
        target_dir.join("wasm32-wasip2/release")
    })
}

pub fn wasm(name: &str) -> Vec<u8> {
    std::fs::read(guests().join(format!("{name}.wasm"))).unwrap()
}

pub fn manifest(id: &str, wasm: &[u8], targets: &[Target]) -> Manifest {
    Manifest {
        id: id.into(),
        name: id.into(),
        version: "1.0.0".into(),
        api_version: "0.1.0".into(),
        targets: targets.to_vec(),
        wasm: format!("{}.wasm", id.replace('-', "_")),
        sha256: sha256_hex(wasm),
        description: String::new(),
        author: "tests".into(),
    }
}

pub fn runtime() -> Runtime {
    Runtime::new(None, Limits::default()).unwrap()
}

pub fn hostile(runtime: &Runtime) -> Plugin {
    let bytes = wasm("hostile");
    runtime
        .load(
            &manifest("hostile", &bytes, &[Target::Room, Target::Persona]),
            &bytes,
        )
        .unwrap()
}

/// Writes an installable plugin folder (manifest + wasm) and returns it.
pub fn plugin_folder(dir: &Path, manifest: &Manifest, wasm: &[u8]) -> PathBuf {
    let folder = dir.join(format!("src-{}", manifest.id));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("plugin.toml"), manifest.to_toml()).unwrap();
    std::fs::write(folder.join(&manifest.wasm), wasm).unwrap();
    folder
}

pub fn template_json(name: &str) -> String {
    std::fs::read_to_string(repo_root().join(format!("templates/rooms/{name}.json"))).unwrap()
}
