//! Images of a test's own: the test bed's PostgreSQL rebuilt under a tag no other test
//! shares, and releases that run it.

use std::path::{Path, PathBuf};
use std::process::Command;

use deskmate_test_server::docker::docker;

/// This test's own PostgreSQL image, rebuilt from the test bed's under `tag` (so its id is
/// no other test's), removed with the guard, whatever happens.
pub struct OwnImage(pub String);

impl OwnImage {
    pub fn build(tag: &str) -> OwnImage {
        let mut build = Command::new("docker")
            .args(["build", "-q", "-t", tag, "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let dockerfile =
            format!("FROM deskmate-testbed/postgres:1\nLABEL org.deskmate.test={tag}\n");
        std::io::Write::write_all(&mut build.stdin.take().unwrap(), dockerfile.as_bytes()).unwrap();
        assert!(build.wait().unwrap().success(), "docker build {tag}");
        OwnImage(tag.to_string())
    }

    pub fn id(&self) -> String {
        docker(&["image", "inspect", "--format", "{{.Id}}", &self.0])
            .trim()
            .to_string()
    }
}

impl Drop for OwnImage {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f", &self.0]).output();
    }
}

/// The test bed's release `base` with `image` as its PostgreSQL (and `health` as its health
/// check, when given), written in `dir` with links to the test bed's archives, which it
/// names by file name.
pub fn with_postgres(dir: &Path, base: &str, image: &OwnImage, health: Option<&[&str]>) -> PathBuf {
    let from = deskmate_test_server::docker::release(base);
    let mut release: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&from).unwrap()).unwrap();
    release["images"]["postgres"]["image"] = image.0.clone().into();
    release["images"]["postgres"]["id"] = image.id().into();
    if let Some(test) = health {
        release["images"]["postgres"]["health"] = test.to_vec().into();
    }
    for archive in release["archives"].as_array().unwrap() {
        let file = archive["file"].as_str().unwrap();
        let link = dir.join(file);
        if !link.exists() {
            std::os::unix::fs::symlink(from.with_file_name(file), link).unwrap();
        }
    }
    let path = dir.join(format!("{base}.json"));
    std::fs::write(&path, serde_json::to_vec(&release).unwrap()).unwrap();
    path
}
