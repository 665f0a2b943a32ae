//! A release built on the server from a git tag of the DeskMate source, and deployed like
//! any release; an address with credentials never shown nor put on a command line.

mod support;

use std::path::Path;
use std::time::Duration;

use deskmate_api::servers::DeployOptions;
use deskmate_api::{Cancel, Environment};
use deskmate_test_server::docker::docker;
use support::stack::{installed, memories};
use support::traffic::with_traffic;

fn options_production() -> DeployOptions {
    DeployOptions {
        no_backup: true,
        watch: Duration::from_secs(5),
        ..DeployOptions::default()
    }
}

/// A bare git repository of a DeskMate source tree, tagged `v1.3.0`, owned by the server's
/// account (git refuses to read a repository another account owns): its backend and
/// frontend build from the test bed's 1.1.0 images, offline, and say 1.3.0.
fn deskmate_source(owner: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let work = root.path().join("work");
    for (service, extra) in [
        ("backend", "ENV DESKMATE_VERSION=1.3.0\n"),
        ("frontend", ""),
    ] {
        std::fs::create_dir_all(work.join(service)).unwrap();
        std::fs::write(
            work.join(service).join("Dockerfile"),
            format!(
                "FROM deskmate-testbed/{service}:1.1.0\nLABEL org.opencontainers.image.version=1.3.0\n{extra}"
            ),
        )
        .unwrap();
    }
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    let work = work.to_str().unwrap();
    let bare = root.path().join("deskmate.git");
    git(&["init", "-q", work]);
    git(&["-C", work, "add", "."]);
    git(&["-C", work, "commit", "-q", "-m", "DeskMate 1.3.0"]);
    git(&["-C", work, "tag", "v1.3.0"]);
    git(&["clone", "-q", "--bare", work, bare.to_str().unwrap()]);
    let shared = std::process::Command::new("chown")
        .args(["-R", &format!("{owner}:")])
        .arg(root.path())
        .status()
        .unwrap();
    assert!(shared.success());
    root
}

#[test]
fn a_git_tag_of_the_source_is_built_on_the_server_and_deployed_like_any_release() {
    let it = installed(1);
    let source = deskmate_source(it.server.user());
    let url = source.path().join("deskmate.git");
    let url = url.to_str().unwrap();

    // A ref that is not there: refused with git's words, nothing changed.
    let err = it
        .servers
        .release_build_deploy(
            "home",
            url,
            "v9.9.9",
            &options_production(),
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "release.ref_not_found", "{err:?}");
    // An address with a token: it reaches git on stdin, never a command line, and is
    // masked in what the owner is told (git's words included).
    let err = it
        .servers
        .release_build_deploy(
            "home",
            "https://owner:canary-token-51c3@127.0.0.1:9/deskmate.git",
            "v1.3.0",
            &options_production(),
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap_err();
    assert_eq!(err.code, "release.ref_not_found", "{err:?}");
    assert!(err.message.contains("https://***@127.0.0.1:9/"), "{err:?}");
    assert!(!format!("{err:?}").contains("canary-token-51c3"), "{err:?}");
    assert!(!it.server.log().contains("canary-token-51c3"), "sshd's log");

    let mut steps = Vec::new();
    let (done, traffic) = with_traffic(it.port, || {
        it.servers.release_build_deploy(
            "home",
            url,
            "v1.3.0",
            &options_production(),
            &mut |e| steps.extend(support::events::finished(e)),
            &Cancel::new(),
        )
    });
    let done = done.unwrap();
    assert!(traffic.failures.is_empty(), "{:?}", traffic.failures);
    assert_eq!(steps.first(), Some(&"build"), "{steps:?}");
    assert!(done.version.starts_with("1.3.0+git."), "{done:?}");
    let (_, health) = support::stack::http(it.port, "GET", "/api/health", "");
    assert!(health.contains(r#""version": "1.3.0""#), "{health}");
    let list = it
        .servers
        .release_list("home", Environment::Production)
        .unwrap();
    let current = list.iter().find(|r| r.current).unwrap();
    assert_eq!(current.version, done.version);
    assert!(
        current
            .source
            .starts_with("built on the server from git v1.3.0"),
        "{current:?}"
    );
    // The databases were the current release's: untouched, the data all there.
    assert_eq!(memories(it.port), 1);
    // The checkout is gone; the built images stay.
    assert!(!Path::new(&it.stack).join(".build").exists());
    let image = docker(&["image", "ls", "-q", "deskmate-build/backend"]);
    assert!(!image.trim().is_empty());
}
