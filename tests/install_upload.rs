//! The install's image transfer and its cancellation, through the api: an image the server
//! lacks is uploaded from the release's `docker save` archive, checked by hash, loaded and
//! checked by id; an install cancelled while it does that leaves no half-written file and
//! nothing running, and the next run finishes it.

mod support;

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use deskmate_api::Cancel;
use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_test_server::docker::{Project, docker, release};
use deskmate_test_server::{TestServer, free_port};

/// A tag of the test bed's frontend that exists only in this test's archive, so the server
/// (the same engine) lacks it until the install loads it. Untagged again when dropped.
struct UploadOnlyTag {
    tag: String,
}

impl Drop for UploadOnlyTag {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["rmi", &self.tag])
            .output();
    }
}

/// A release like good-1 whose frontend must come from `frontend-upload.tar` beside it.
fn release_needing_an_upload(dir: &Path) -> (UploadOnlyTag, String) {
    let good: serde_json::Value =
        serde_json::from_slice(&std::fs::read(release("good-1")).unwrap()).unwrap();
    let original = good["images"]["frontend"]["image"]
        .as_str()
        .unwrap()
        .to_string();
    let id = good["images"]["frontend"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tag = format!(
        "deskmate-testbed/frontend:upload-{}-{}",
        std::process::id(),
        free_port()
    );
    docker(&["tag", &original, &tag]);
    let archive = dir.join("frontend-upload.tar");
    docker(&["save", "--output", archive.to_str().unwrap(), &tag]);
    docker(&["rmi", &tag]);
    let sha = String::from_utf8(
        std::process::Command::new("sha256sum")
            .arg(&archive)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()[..64]
        .to_string();
    let mut release = good.clone();
    release["images"]["frontend"]["image"] = tag.clone().into();
    release["archives"] = serde_json::json!([{
        "file": "frontend-upload.tar",
        "sha256": sha,
        "size": std::fs::metadata(&archive).unwrap().len(),
        "images": ["frontend"],
    }]);
    std::fs::write(dir.join("upload.json"), release.to_string()).unwrap();
    (UploadOnlyTag { tag }, id)
}

#[test]
fn a_missing_image_is_uploaded_and_loaded_and_a_cancelled_install_leaves_nothing_half_done() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let (upload, id) = release_needing_an_upload(files.path());
    let servers = support::api_servers(data.path(), &server, server.user(), &stack);
    let mut options = InstallOptions::new(files.path().join("upload.json"));
    options.tls = TlsChoice::None;
    options.http_port = free_port();

    // Cancelled shortly after the folders exist: while the archive is on its way.
    let cancel = Cancel::new();
    let steps = Mutex::new(Vec::new());
    let cancelled = std::thread::scope(|scope| {
        let canceller = cancel.clone();
        let mut on_step = |e: &deskmate_api::OperationEvent| {
            let Some(id) = support::events::finished(e) else {
                return;
            };
            steps.lock().unwrap().push(id);
            if id == "folders" {
                let canceller = canceller.clone();
                scope.spawn(move || {
                    std::thread::sleep(Duration::from_millis(300));
                    canceller.cancel();
                });
            }
        };
        servers.install("home", &options, &mut on_step, &cancel)
    });
    let error = cancelled.expect_err("the install was cancelled");
    assert_eq!(error.code, "ssh.cancelled", "{error:?}");
    assert_eq!(
        *steps.lock().unwrap(),
        vec!["lock", "check", "folders"],
        "it stopped at the images"
    );
    let incoming = Path::new(&stack).join(".incoming");
    let leftovers: Vec<_> = std::fs::read_dir(&incoming)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers.is_empty(),
        "half-uploaded files stayed: {leftovers:?}"
    );
    assert!(!Path::new(&stack).join("current").exists());
    assert!(project.containers("frontend").is_empty());

    // The next run uploads, checks and loads the image, and finishes the install.
    let report = servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    let images = report.steps.iter().find(|s| s.id == "images").unwrap();
    assert!(
        images.changed && images.detail.contains(&upload.tag),
        "{images:?}"
    );
    let loaded = docker(&["image", "inspect", "--format", "{{.Id}}", &upload.tag]);
    assert_eq!(loaded.trim(), id);
    assert_eq!(project.containers("frontend").len(), 1);
}
