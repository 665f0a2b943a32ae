//! `cargo xtask`: the project's own commands, so a fresh Debian 12 machine needs nothing but
//! Rust and this repository.
//!
//! - `setup`: install what builds and tests need (each step idempotent, and says what it does);
//! - `run`: build the UI and the app, and open it;
//! - `test`: setup, then the UI type check and build, format check, clippy with warnings as
//!   errors, and every test: Rust, UI unit tests, and the browser tests;
//! - `plugins`: build the example plugins for wasm32-wasip2 and package each, with its
//!   manifest and hash, into `target/plugins/<id>/`, ready for `deskmate plugin install`;
//! - `fuzz [SECONDS] [TARGET...]`: a bounded run of every fuzz target, or of those named;
//! - `bench`: the criterion benches;
//! - `package`: the Debian package of the app (a release build), and its installed size;
//! - `types`: regenerate `ui/src/lib/generated/`, the TypeScript types of the Rust DTOs the
//!   window receives (`cargo xtask test` fails while they are out of date).
//!
//! Only the standard library is used, so this builds in seconds before anything else.

mod setup;
mod testbed;

use setup::{
    install_nextest, install_npm_projects, install_tauri_driver, install_wasm_target, modified,
    setup,
};
use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The app's front end (Svelte + Vite), built to ui/dist, which the app embeds.
const UI: &str = "ui";

const FUZZ_TARGETS: &[&str] = &[
    "png_reader",
    "charx_reader",
    "sprite_set",
    "room_reader",
    "room_package",
    "plugin_manifest",
    "known_hosts",
    "compose_ps",
    "backup_reports",
    "server_replies",
    "card_checks",
    "room_commands",
    "thumbnail",
    "exit_marker",
    "release_file",
    "update_listings",
    "watch_reports",
    "script_errors",
    "owner_svg",
    "owner_picture",
];

/// The Rust example plugins under plugins/examples, by id.
const PLUGIN_EXAMPLES: &[&str] = &["room-essentials", "persona-rating", "expression-coverage"];
/// The JavaScript example, built by componentize-js from npm.
const JS_EXAMPLE: &str = "plugins/examples/greeting-variety-js";
const JS_EXAMPLE_ID: &str = "greeting-variety";
const WASM_TARGET: &str = "wasm32-wasip2";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("run") => run(),
        Some("test") => test(),
        Some("plugins") => plugins(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str), &args[args.len().min(2)..]),
        Some("package") => package(),
        Some("types") => types(),
        Some("server-images") => {
            let out = match args.get(1).map(String::as_str) {
                Some("--out") => args.get(2).map(PathBuf::from),
                _ => None,
            };
            testbed::server_images(&out.unwrap_or_else(|| root().join("target/server-images")))
        }
        Some("bench") => plugins().and_then(|()| drag_bench()).and_then(|()| {
            cargo(&[
                "bench",
                "-p",
                "deskmate-cards",
                "-p",
                "deskmate-rooms",
                "-p",
                "deskmate-plugins",
                "-p",
                "deskmate-remote",
                "-p",
                "deskmate-api",
                "-p",
                "deskmate",
            ])
        }),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|run|test|plugins|fuzz [SECONDS] [TARGET...]|bench|package|types|server-images [--out DIR]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn say(message: &str) {
    println!("xtask: {message}");
}

/// Runs a command in the workspace root, failing with its name when it fails.
fn sh(program: &str, args: &[&str]) -> Result {
    sh_in(&root(), program, args, &[])
}

fn sh_in(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result {
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(dir)
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn cargo(args: &[&str]) -> Result {
    sh(env!("CARGO"), args)
}

/// A command on PATH, or a file when given a path.
fn found(program: &str) -> bool {
    if program.starts_with('/') {
        return std::path::Path::new(program).exists();
    }
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

fn plugins() -> Result {
    install_wasm_target()?;
    let root = root();
    let guests = root.join("target/wasm-guests");
    say("building the example plugins");
    cargo(&[
        "build",
        "--release",
        "--quiet",
        "--target",
        WASM_TARGET,
        "--manifest-path",
        &root.join("plugins/examples/Cargo.toml").to_string_lossy(),
        "--target-dir",
        &guests.to_string_lossy(),
    ])?;
    for id in PLUGIN_EXAMPLES {
        let wasm_name = format!("{}.wasm", id.replace('-', "_"));
        let built = guests.join(WASM_TARGET).join("release").join(&wasm_name);
        package_plugin(id, &root.join("plugins/examples").join(id), &built)?;
    }
    install_npm_projects()?;
    let js = root.join(JS_EXAMPLE);
    let wasm = js.join(format!("{}.wasm", JS_EXAMPLE_ID.replace('-', "_")));
    let sources = ["plugin.js", "build.mjs", "package-lock.json"].map(|f| modified(&js.join(f)));
    if sources.iter().any(|s| s.is_none() || s > &modified(&wasm)) {
        say("building the JavaScript example plugin (componentize-js)");
        sh_in(&js, "node", &["build.mjs"], &[])?;
    }
    package_plugin(JS_EXAMPLE_ID, &js, &wasm)
}

/// Copies a built plugin and its manifest, with the wasm's hash added, into
/// target/plugins/<id>/.
fn package_plugin(id: &str, source: &Path, built: &Path) -> Result {
    let out = root().join("target/plugins").join(id);
    let wasm_name = built.file_name().expect("a wasm file name");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::copy(built, out.join(wasm_name)).map_err(|e| format!("{}: {e}", built.display()))?;
    let manifest_path = source.join("plugin.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let manifest = format!("{manifest}sha256 = \"{}\"\n", sha256_of(built)?);
    std::fs::write(out.join("plugin.toml"), manifest)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    say(&format!("packaged {}", out.display()));
    Ok(())
}

/// xtask stays std-only, so the hash comes from coreutils.
fn sha256_of(path: &Path) -> Result<String> {
    let output = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| format!("could not run sha256sum: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.split_whitespace().next() {
        Some(hash) if output.status.success() && hash.len() == 64 => Ok(hash.to_string()),
        _ => Err(format!("sha256sum failed on {}", path.display())),
    }
}

fn run() -> Result {
    install_npm_projects()?;
    build_ui()?;
    cargo(&[
        "build",
        "--quiet",
        "-p",
        "deskmate-studio",
        "--bin",
        "deskmate-studio",
    ])?;
    let has_display = env::var_os("DISPLAY").is_some() || env::var_os("WAYLAND_DISPLAY").is_some();
    if !has_display {
        return Err(
            "no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the app cannot open here. \
             On a desktop, run `cargo xtask run` again; on a server, `xvfb-run cargo xtask run`. \
             The `deskmate` CLI works everywhere: target/debug/deskmate --help"
                .into(),
        );
    }
    say("opening DeskMate Studio");
    sh(
        &root()
            .join("target/debug/deskmate-studio")
            .to_string_lossy(),
        &[],
    )
}

/// Writes the generated TypeScript types, through the test that otherwise checks them.
fn types() -> Result {
    say("generating ui/src/lib/generated (ts-rs)");
    sh_in(
        &root(),
        env!("CARGO"),
        &[
            "test",
            "--quiet",
            "-p",
            "deskmate-studio",
            "--test",
            "ts_bindings",
        ],
        &[("DESKMATE_WRITE_TYPES", "1")],
    )
}

/// The `.deb`, by Tauri's CLI from the UI's npm packages. Only the Debian bundle: the
/// AppImage tools download from outside, which this network refuses.
fn package() -> Result {
    install_npm_projects()?;
    build_ui()?;
    // The example plugins ship inside the package, as resources (the Plugins page lists
    // them from there). Only here: a resource that does not exist yet would fail every other
    // build of the app crate.
    plugins()?;
    say("release build and .deb (tauri build --bundles deb)");
    // From the workspace root: the CLI finds the app by looking for src-tauri/ below it.
    let tauri = root().join(UI).join("node_modules/.bin/tauri");
    let resources = r#"{"bundle":{"resources":{"../target/plugins/":"plugins/"}}}"#;
    sh(
        &tauri.to_string_lossy(),
        &["build", "--bundles", "deb", "--config", resources],
    )?;
    let bundles = root().join("target/release/bundle/deb");
    let debs = std::fs::read_dir(&bundles).map_err(|e| format!("{}: {e}", bundles.display()))?;
    for deb in debs.flatten().map(|e| e.path()) {
        if deb.extension().is_some_and(|x| x == "deb") {
            let size = Command::new("dpkg-deb")
                .args(["--field", &deb.to_string_lossy(), "Installed-Size"])
                .output()
                .map_err(|e| format!("could not start dpkg-deb: {e}"))?;
            let kib = String::from_utf8_lossy(&size.stdout);
            say(&format!("{}: installs {} KiB", deb.display(), kib.trim()));
        }
    }
    Ok(())
}

/// ui/dist is what the app embeds (Tauri's frontendDist), so it must exist before the
/// deskmate-studio crate compiles, clippy included.
fn build_ui() -> Result {
    say("building the UI (vite)");
    sh_in(&root().join(UI), "npm", &["run", "--silent", "build"], &[])
}

fn test() -> Result {
    setup()?;
    let ui = root().join(UI);
    say("UI type check (svelte-check)");
    sh_in(&ui, "npm", &["run", "--silent", "check"], &[])?;
    build_ui()?;
    say("cargo fmt --check");
    cargo(&["fmt", "--all", "--check"])?;
    say("cargo clippy -D warnings");
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ])?;
    for guests in ["plugins/examples", "crates/plugins/tests/guests"] {
        let manifest = root().join(guests).join("Cargo.toml");
        cargo(&[
            "fmt",
            "--all",
            "--check",
            "--manifest-path",
            &manifest.to_string_lossy(),
        ])?;
    }
    // The fuzz targets are run by `cargo xtask fuzz` only, so this is where a parser they
    // reach that moved or changed would otherwise go unnoticed.
    say("the fuzz targets compile (cargo check)");
    let fuzz = root().join("fuzz/Cargo.toml");
    let target = root().join("target");
    cargo(&[
        "check",
        "--quiet",
        "--bins",
        "--features",
        "plugins,remote",
        "--manifest-path",
        &fuzz.to_string_lossy(),
        "--target-dir",
        &target.to_string_lossy(),
    ])?;
    plugins()?;
    // The server tests run against a real Docker engine and the test bed's images. The
    // engine is stopped at the end only if this run started it.
    let _engine = testbed::Engine::ensure()?;
    testbed::server_images(&root().join("target/server-images"))?;
    say("UI unit tests (vitest)");
    sh_in(&ui, "npm", &["test", "--silent"], &[])?;
    install_nextest()?;
    // Test binaries side by side, each test in a process of its own; the real-engine ones
    // in a group of three (`.config/nextest.toml`). nextest runs no doc tests: they follow.
    say("cargo nextest run (the Rust tests)");
    cargo(&["nextest", "run", "--workspace"])?;
    say("doc tests");
    cargo(&["test", "--workspace", "--doc", "--quiet"])?;
    say("browser tests (Chromium, the real command table behind a mocked IPC, a real sshd)");
    cargo(&[
        "build",
        "--quiet",
        "-p",
        "deskmate-studio-bridge",
        "-p",
        "deskmate-test-server",
        "--bin",
        "studio-bridge",
        "--bin",
        "test-sshd",
    ])?;
    sh_in(&ui, "npm", &["run", "--silent", "e2e"], &[])?;
    say(
        "the real app (tauri-driver, WebKitWebDriver, Xvfb): the smoke test, and the first run against the test bed",
    );
    install_tauri_driver()?;
    cargo(&[
        "build",
        "--quiet",
        "-p",
        "deskmate",
        "-p",
        "deskmate-studio",
        "-p",
        "deskmate-test-server",
        "--bin",
        "deskmate",
        "--bin",
        "deskmate-studio",
        "--bin",
        "test-sshd",
    ])?;
    sh_in(
        &ui,
        "xvfb-run",
        &["-a", "node", "--test", "--test-concurrency=1", "tests/app/"],
        &[],
    )
}

/// The room editor's frame time while dragging in a 1,000-object room, in headless Chromium.
fn drag_bench() -> Result {
    install_npm_projects()?;
    build_ui()?;
    cargo(&["build", "--quiet", "-p", "deskmate-studio-bridge"])?;
    say("drag bench (Chromium, 1,000 objects)");
    sh_in(
        &root().join(UI),
        "npm",
        &["run", "--silent", "bench:drag"],
        &[],
    )
}

/// Every target (or only those named) for `seconds` each.
fn fuzz(seconds: Option<&str>, only: &[String]) -> Result {
    let seconds = seconds.unwrap_or("60");
    if seconds.parse::<u32>().is_err() {
        return Err(format!("fuzz takes a number of seconds, not `{seconds}`"));
    }
    if let Some(unknown) = only.iter().find(|t| !FUZZ_TARGETS.contains(&t.as_str())) {
        return Err(format!(
            "no fuzz target `{unknown}`; the targets are {}",
            FUZZ_TARGETS.join(", ")
        ));
    }
    if found("cargo-fuzz") {
        say("cargo-fuzz: present");
    } else {
        say("cargo-fuzz: installing from crates.io");
        cargo(&["install", "cargo-fuzz", "--locked"])?;
    }
    // cargo-fuzz needs nightly flags; the one compiler here is stable, which accepts them
    // under RUSTC_BOOTSTRAP. This affects only the fuzz build.
    let envs = [("RUSTC_BOOTSTRAP", "1")];
    let chosen = FUZZ_TARGETS
        .iter()
        .filter(|t| only.is_empty() || only.iter().any(|o| o == *t));
    for target in chosen {
        say(&format!("fuzzing {target} for {seconds}s"));
        let max_time = format!("-max_total_time={seconds}");
        // The working corpus grows in fuzz/corpus (ignored by git); fuzz/seeds holds small
        // real cards, so the fuzzer starts from inputs that reach the card decoding paths.
        let corpus = format!("fuzz/corpus/{target}");
        let seeds = format!("fuzz/seeds/{target}");
        std::fs::create_dir_all(root().join(&corpus)).map_err(|e| format!("{corpus}: {e}"))?;
        let mut args = vec!["fuzz", "run"];
        if target.starts_with("plugin_") {
            args.extend(["--features", "plugins"]);
        }
        if [
            "known_hosts",
            "compose_ps",
            "server_replies",
            "exit_marker",
            "backup_reports",
            "update_listings",
            "watch_reports",
            "script_errors",
        ]
        .contains(target)
        {
            args.extend(["--features", "remote"]);
        }
        args.extend([*target, &corpus, &seeds, "--", &max_time, "-max_len=262144"]);
        sh_in(&root(), env!("CARGO"), &args, &envs)?;
    }
    Ok(())
}
