//! `server maintain` against an installed test-bed stack (real sshd, engine, PostgreSQL):
//! the plan changes nothing; the run vacuums and reindexes the database, removes the images
//! only older releases name (a release folder's and one an update set aside) and never the
//! current or previous release's, trims old records, and the companion keeps its data and
//! answers throughout; `--weekly` installs a timer systemd reads.

mod support;

use std::path::Path;
use std::process::Command;

use deskmate_api::{Cancel, Environment};
use support::stack::{http, installed_as, memories};

/// Throwaway images with 20 MB of their own each, removed on drop whatever happens, and
/// built with `--force-rm` so a failed build leaves no container (the test bed's own images
/// are shared by every test and never touched).
struct Images(Vec<String>);

impl Images {
    fn build(base: &str, tags: &[String]) -> Images {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!(
                "FROM {base}\nUSER root\nRUN head -c 20000000 /dev/urandom > /old-release-blob\n"
            ),
        )
        .unwrap();
        for tag in tags {
            let out = Command::new("docker")
                .args(["build", "-q", "--force-rm", "-t", tag])
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Images(tags.to_vec())
    }
}

impl Drop for Images {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = Command::new("docker").args(["rmi", "-f", tag]).output();
        }
    }
}

fn exists(tag: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", tag])
        .output()
        .unwrap()
        .status
        .success()
}

fn release_file(images: &[(&str, &str)]) -> String {
    let entries: Vec<String> = images
        .iter()
        .map(|(role, tag)| format!("\"{role}\": {{ \"image\": \"{tag}\", \"id\": \"sha256:00\" }}"))
        .collect();
    format!(
        "{{\n  \"version\": \"old\",\n  \"images\": {{\n    {}\n  }}\n}}\n",
        entries.join(",\n    ")
    )
}

fn touch_days_ago(path: &Path, days: u32) {
    let out = Command::new("touch")
        .args(["-d", &format!("{days} days ago")])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn maintenance_removes_only_what_older_releases_name_and_the_companion_keeps_answering() {
    let it = installed_as(2, Some("root"));
    let stack = Path::new(&it.stack);
    let current = std::fs::read_link(stack.join("current")).unwrap();
    let current_json = std::fs::read_to_string(stack.join(&current).join("release.json")).unwrap();
    let current_backend = current_json
        .lines()
        .find(|l| l.contains("\"backend\""))
        .and_then(|l| l.split('"').nth(5))
        .unwrap()
        .to_string();
    let old = format!("deskmate-maint-{}/backend:0.9.0", it.project.name);
    let retired = format!("deskmate-maint-{}/backend:0.8.0", it.project.name);
    let _images = Images::build(&current_backend, &[old.clone(), retired.clone()]);

    // The previous release (a day old) names the current images; an older one (two days)
    // names the throwaway image and the current backend; an update set 0.8.0's file aside.
    for (version, days, json) in [
        ("0.9.5", 1, current_json.clone()),
        (
            "0.9.0",
            2,
            release_file(&[("backend", &old), ("postgres", &current_backend)]),
        ),
    ] {
        let folder = stack.join("releases").join(version);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("release.json"), json).unwrap();
        touch_days_ago(&folder, days);
    }
    let set_aside = stack.join("state/retired/0.8.0.json");
    std::fs::create_dir_all(set_aside.parent().unwrap()).unwrap();
    std::fs::write(&set_aside, release_file(&[("backend", &retired)])).unwrap();
    // Records: a health sample 40 days old and one from now; a change 200 days old.
    let logs = stack.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("health.tsv"),
        "2020-01-01T00:00:00Z\tok\t12\t40\t30\n2099-01-01T00:00:00Z\tok\t11\t40\t30\n",
    )
    .unwrap();

    // The plan, through the CLI: it names both images and changes nothing.
    let plan = support::deskmate_with_data(
        it.data.path(),
        &[&"server", &"maintain", &"home", &"--plan", &"--json"],
    );
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    let plan = plan.json();
    let images_step = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "images")
        .unwrap()
        .clone();
    let detail = images_step["detail"].as_str().unwrap();
    assert!(
        detail.contains(&old) && detail.contains(&retired),
        "{detail}"
    );
    assert!(!detail.contains(&current_backend), "{detail}");
    assert!(exists(&old) && exists(&retired));
    assert!(
        plan["freed_bytes"].as_u64().unwrap() >= 40_000_000,
        "{plan}"
    );

    // The run.
    let mut seen = Vec::new();
    let report = it
        .servers
        .maintain(
            "home",
            Environment::Production,
            false,
            &mut |e| seen.extend(support::events::note_key(e).map(str::to_string)),
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(
        seen,
        ["database", "images", "cache", "records"],
        "{report:?}"
    );
    for step in &report.steps {
        assert!(!step.failed, "{step:?}");
    }
    let database = &report.steps[0];
    assert!(database.detail.contains("indexes rebuilt"), "{database:?}");
    assert!(database.bytes_before > 0 && database.bytes_after > 0);
    assert!(
        !exists(&old) && !exists(&retired),
        "the older releases' images are gone"
    );
    assert!(
        exists(&current_backend),
        "the current release's images stay"
    );
    assert!(
        !set_aside.exists(),
        "the set-aside file goes with its images"
    );
    assert!(
        stack.join("releases/0.9.0/release.json").exists(),
        "release folders are the update's to prune"
    );
    assert!(report.freed_bytes >= 40_000_000, "{report:?}");
    let health = std::fs::read_to_string(logs.join("health.tsv")).unwrap();
    assert!(
        !health.contains("2020-01-01") && health.contains("2099-01-01"),
        "{health}"
    );

    // The companion kept its data and answers.
    let (status, _) = http(it.port, "GET", "/api/health", "");
    assert!(status.contains("200"), "{status}");
    assert_eq!(memories(it.port), 2);
    // Through the engine: inside the deploy lock, one audit line per step.
    let audit = std::fs::read_to_string(stack.join("log/audit.log")).unwrap();
    for step in ["step=lock outcome=done", "step=maintain outcome=done"] {
        assert!(audit.contains(step), "{audit}");
    }
    assert!(audit.contains("freed "), "{audit}");

    // A second run has nothing left to remove.
    let again = it
        .servers
        .maintain(
            "home",
            Environment::Production,
            false,
            &mut |_| {},
            &Cancel::new(),
        )
        .unwrap();
    assert_eq!(again.steps[1].bytes_before, 0, "{again:?}");

    // On the server's own schedule.
    let host_root = it.server.home().join("host-root");
    let timer = it
        .servers
        .maintain_schedule(
            "home",
            Environment::Production,
            &host_root.to_string_lossy(),
        )
        .unwrap();
    assert!(
        it.server
            .recorded("systemctl")
            .contains(&format!("systemctl enable --now {timer}"))
    );
    let service = host_root
        .join("etc/systemd/system")
        .join(timer.replace(".timer", ".service"));
    support::systemd_verify(&[&service, &service.with_extension("timer")]);
}
