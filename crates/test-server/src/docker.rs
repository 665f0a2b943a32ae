//! The real Docker engine, the test bed's release files, and cleaning up after a test.
//!
//! `cargo xtask test` starts the engine (when none answers) and builds the images before
//! the tests run; when a test is run on its own, [`releases`] does both the same way, through
//! `cargo xtask server-images`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The folder with `good-1.json`, `good-2.json`, `broken.json` and their archives.
pub fn releases() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::var_os("DESKMATE_SERVER_IMAGES")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target/server-images"));
        if !dir.join("good-1.json").exists() || !engine_answers() {
            // Builds nothing when the images exist; starts the engine when none answers.
            let status = Command::new(env!("CARGO"))
                .args([
                    "run",
                    "--quiet",
                    "-p",
                    "xtask",
                    "--",
                    "server-images",
                    "--out",
                ])
                .arg(&dir)
                .current_dir(workspace())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo xtask server-images failed");
        }
        assert!(
            engine_answers(),
            "no Docker engine answers (run `cargo xtask server-images`)"
        );
        dir
    })
}

/// Compose v2 (Debian 13's static binary, fetched by `cargo xtask server-images`), as a Docker
/// CLI plugin.
pub fn compose_v2_plugin() -> PathBuf {
    releases().join("compose-v2/docker-compose")
}

/// A release file of the test bed: `good-1`, `good-2` or `broken`.
pub fn release(name: &str) -> PathBuf {
    releases().join(format!("{name}.json"))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn engine_answers() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `docker` on this machine (as root), its stdout; panics with stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The compose project of a stack folder (its name, as the stack names projects), and on
/// drop the removal of everything labelled with it (containers, networks, volumes), pass or
/// fail. Each [`crate::TestServer`] has a stack folder of its own, so tests never share one.
pub struct Project {
    pub name: String,
}

impl Project {
    pub fn of(stack_dir: &str) -> Project {
        let base = stack_dir
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("deskmate");
        Project {
            name: base.to_string(),
        }
    }

    /// The ids of this project's containers of one service.
    pub fn containers(&self, service: &str) -> Vec<String> {
        docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.name),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ])
        .lines()
        .map(String::from)
        .collect()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let label = format!("label=com.docker.compose.project={}", self.name);
        let ids = |kind: &[&str]| -> Vec<String> {
            let mut args = kind.to_vec();
            args.extend(["--filter", &label]);
            Command::new("docker")
                .args(&args)
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        for (list, remove) in [
            (&["ps", "-aq"][..], &["rm", "-f", "-v"][..]),
            (&["network", "ls", "-q"][..], &["network", "rm"][..]),
            (&["volume", "ls", "-q"][..], &["volume", "rm", "-f"][..]),
        ] {
            let found = ids(list);
            if !found.is_empty() {
                let _ = Command::new("docker")
                    .args(remove)
                    .args(&found)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        // A restore's volumes are made outside compose (named `<project>_…_r<time>`), so
        // they carry no project label: they go by name.
        let restored: Vec<String> = Command::new("docker")
            .args([
                "volume",
                "ls",
                "-q",
                "--filter",
                "label=org.deskmate.restored-from",
            ])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .filter(|v| v.starts_with(&format!("{}_", self.name)))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if !restored.is_empty() {
            let _ = Command::new("docker")
                .args(["volume", "rm", "-f"])
                .args(&restored)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
