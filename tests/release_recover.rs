//! A change cut off midway, found and put right without a terminal, against the real engine,
//! proxy and sshd: an update from good-1 to good-2 whose connection dies just after good-2's
//! backend and frontend turned healthy beside good-1's (two versions answering behind the
//! proxy, the lock left behind: what closing the app mid-rollback once left), read back by
//! `interrupted` (and `release interrupted`), then undone by `recover`.

mod support;

use std::time::Duration;

use deskmate_api::servers::{DeployOptions, Liveness, Recovery, WayKind, WayRuns};
use deskmate_api::{Cancel, Environment, OperationEvent};
use deskmate_test_server::docker::{docker, release};
use support::stack::{installed, memories};
use support::traffic::with_traffic;

fn options() -> DeployOptions {
    DeployOptions {
        watch: Duration::from_secs(5),
        no_backup: true,
        ..DeployOptions::default()
    }
}

#[test]
fn an_update_cut_off_beside_the_old_is_shown_as_it_is_and_undone_to_one_version_and_no_lock() {
    let it = installed(1);
    let servers = &it.servers;
    let production = Environment::Production;

    // Cut off once good-2 is healthy beside good-1 and its line is in the audit: the next
    // step's start (in the update's own thread, so nothing more reaches the server).
    let cut = servers.release_deploy(
        "home",
        &release("good-2"),
        &DeployOptions {
            holder: "bob@desk".into(),
            ..options()
        },
        &mut |e| {
            if matches!(
                e,
                OperationEvent::Started {
                    step: "stateful",
                    ..
                }
            ) {
                it.server.drop_connections();
            }
        },
        &Cancel::new(),
    );
    assert!(cut.is_err(), "{cut:?}");
    assert_eq!(it.project.containers("backend").len(), 2, "both answer");

    let seen = servers
        .interrupted("home", production)
        .unwrap()
        .expect("the lock is left behind");
    assert_eq!(seen.lock.holder.who, "bob@desk");
    // This very process took it, and runs nothing on the server now: certainly gone.
    assert_eq!(seen.liveness, Liveness::Gone, "{}", seen.liveness_words);
    let run = seen.run.as_ref().expect("the run, from the audit log");
    let done: Vec<&str> = run.done.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(done, ["backup", "images", "files", "beside"], "{seen:#?}");
    assert_eq!(run.at.as_ref().map(|s| s.id.as_str()), Some("stateful"));
    assert_eq!(seen.current.as_deref(), Some("1.0.0"));
    assert!(seen.mixed, "{seen:#?}");
    assert!(
        seen.state
            .starts_with("Two versions of DeskMate answer at once: 1.0.0 and 1.1.0."),
        "{}",
        seen.state
    );
    let ways: Vec<(WayKind, Option<&str>, WayRuns)> = seen
        .ways
        .iter()
        .map(|w| (w.kind, w.to.as_deref(), w.runs))
        .collect();
    assert_eq!(
        ways,
        [
            (WayKind::Undo, Some("1.0.0"), WayRuns::Update),
            (WayKind::Finish, Some("1.1.0"), WayRuns::Update),
            (WayKind::Clear, None, WayRuns::Nothing),
        ]
    );

    // The command line says the same (another program: it cannot know the holder is gone).
    let shown = support::deskmate_with_data(it.data.path(), &[&"release", &"interrupted", &"home"]);
    assert_eq!(shown.code, 0, "{}{}", shown.stdout, shown.stderr);
    for said in [
        "A change was cut off on home (production): an update to DeskMate 1.1.0, from 1.0.0.",
        "Two versions of DeskMate answer at once: 1.0.0 and 1.1.0.",
        "--undo    Undo: go back to 1.0.0 (suggested)",
        "--finish  Finish: update to 1.1.0 again",
    ] {
        assert!(shown.stdout.contains(said), "{said}\n{}", shown.stdout);
    }

    // A choice made on a lock that is not the one shown changes nothing.
    let undo = Recovery {
        way: WayKind::Undo,
        to: Some("1.0.0".into()),
        lock_taken: seen.lock.holder.taken,
    };
    let stale = Recovery {
        lock_taken: undo.lock_taken - 60,
        ..undo.clone()
    };
    let err = servers
        .recover("home", &stale, &options(), &mut |_| {}, &Cancel::new())
        .unwrap_err();
    assert_eq!(err.code, "release.lock_changed", "{err:?}");

    // Undo: the lock cleared, then good-1 settled alone, with no request lost.
    let mut finished = Vec::new();
    let (undone, traffic) = with_traffic(it.port, || {
        servers.recover(
            "home",
            &undo,
            &options(),
            &mut |e| finished.extend(support::events::finished(e)),
            &Cancel::new(),
        )
    });
    let undone = undone.unwrap();
    assert!(undone.cleared);
    assert!(traffic.failures.is_empty(), "{:?}", traffic.failures);
    assert_eq!(finished.first(), Some(&"clear"), "{finished:?}");
    for step in ["lock", "beside", "switch", "watch"] {
        assert!(finished.contains(&step), "{finished:?}");
    }
    let update = undone.update.expect("an update settled it");
    assert_eq!(
        (update.version.as_str(), update.previous.as_str()),
        ("1.0.0", "1.1.0")
    );
    let backends = it.project.containers("backend");
    assert_eq!(backends.len(), 1, "one version serves: {backends:?}");
    let image = docker(&["inspect", "--format", "{{.Config.Image}}", &backends[0]]);
    assert!(image.contains("backend:1.0.0"), "{image}");
    assert_eq!(it.project.containers("frontend").len(), 1);
    assert!(servers.interrupted("home", production).unwrap().is_none());
    let list = servers.release_list("home", production).unwrap();
    assert_eq!(list.iter().find(|r| r.current).unwrap().version, "1.0.0");
    assert_eq!(memories(it.port), 1);
    let audit = servers.release_audit("home", production).unwrap();
    assert!(
        audit.contains("recover production 1.0.0 run=")
            && audit.contains("step=clear outcome=done changed=true"),
        "{audit}"
    );
}
