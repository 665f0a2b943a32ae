//! The reading of interrupted changes, without a server: audit lines as the runner writes
//! them, a holder, the containers and releases a server would list.

use deskmate_remote::health::ContainerState;
use deskmate_remote::ops::audit;
use deskmate_remote::ops::lock::Holder;
use deskmate_remote::releases::ReleaseEntry;
use deskmate_stack::Environment;

use super::judge::{Facts, Here, ServerSide, judge, liveness};
use super::{Interrupted, Liveness, WayKind, WayRuns};
use crate::servers::home::time::parse_rfc3339;
use crate::servers::lock::HeldLock;

const TOOK: &str = "2026-12-07T18:00:02Z";

fn took() -> u64 {
    parse_rfc3339("2026-12-07T18:00:01Z").unwrap() as u64
}

fn holder(action: &str) -> Holder {
    Holder {
        who: "bob@desk".into(),
        action: action.into(),
        seconds: 14,
        taken: took(),
        host: "desk".into(),
        pid: 4242,
    }
}

/// An earlier update that ended well, then the lines of run `cut01234` up to `last` (the
/// steps of an update in order), taking the lock at [`TOOK`].
fn update_log(subject: &str, last: &str) -> String {
    let mut log = String::from(
        "2026-12-01T10:00:00Z deskmate update production 1.0.0 run=good0000 step=lock outcome=done changed=false held by bob@desk\n\
         2026-12-01T10:02:00Z deskmate update production 1.0.0 run=good0000 step=switch outcome=done changed=true current is releases/1.0.0\n\
         2026-12-01T10:03:00Z deskmate update production 1.0.0 run=good0000 step=lock outcome=undone changed=false let go\n",
    );
    log.push_str(&format!(
        "{TOOK} deskmate update production {subject} run=cut01234 step=lock outcome=done changed=false held by bob@desk\n"
    ));
    let steps = [
        (
            "backup",
            "skipped on purpose (--no-backup); recorded in the audit log",
            false,
        ),
        (
            "images",
            "all already on the server, with the right ids",
            false,
        ),
        ("files", "wrote releases/1.1.0/compose.yaml", true),
        (
            "beside",
            "backend and frontend healthy beside the old, which still serves",
            true,
        ),
        ("stateful", "unchanged: left running, untouched", false),
        (
            "switch",
            "the old containers drained and stopped; current is releases/1.1.0",
            true,
        ),
    ];
    for (id, detail, changed) in steps {
        log.push_str(&format!(
            "2026-12-07T18:00:10Z deskmate update production {subject} run=cut01234 step={id} outcome=done changed={changed} {detail}\n"
        ));
        if id == last {
            break;
        }
    }
    log
}

fn container(id: &str, service: &str, release: &str) -> ContainerState {
    ContainerState {
        id: id.into(),
        service: service.into(),
        state: "running".into(),
        health: "healthy".into(),
        release: release.into(),
    }
}

fn release(version: &str, current: bool, served: bool) -> ReleaseEntry {
    ReleaseEntry {
        version: version.into(),
        source: String::new(),
        time: String::new(),
        current,
        served,
    }
}

fn facts(action: &str, log: &str, current: &str, containers: Vec<ContainerState>) -> Facts {
    Facts {
        lock: HeldLock::of(holder(action), Environment::Production),
        liveness: (Liveness::Gone, "gone".into()),
        audit: audit::parse(log),
        current: Some(current.into()),
        containers,
        releases: vec![
            release("1.1.0", current == "1.1.0", current == "1.1.0"),
            release("1.0.0", current == "1.0.0", true),
            release("0.9.0", false, true),
        ],
    }
}

/// Closed 14 s into a rollback-like update from 1.0.0 to 1.1.0, just after 1.1.0's backend
/// and frontend turned healthy beside 1.0.0's: both answer, `current` says 1.0.0.
pub(in crate::servers) fn cut_off_before_the_switch() -> Interrupted {
    judge(
        "home",
        Environment::Production,
        facts(
            "update 1.1.0",
            &update_log("1.1.0", "beside"),
            "1.0.0",
            vec![
                container("a", "backend", "1.0.0"),
                container("b", "backend", "1.1.0"),
                container("c", "frontend", "1.0.0"),
                container("d", "frontend", "1.1.0"),
                container("e", "postgres", "1.0.0"),
            ],
        ),
    )
}

#[test]
fn cut_off_before_the_switch_says_two_versions_answer_and_offers_undo_first_then_finish() {
    let seen = cut_off_before_the_switch();
    let run = seen.run.as_ref().expect("the run is found");
    assert_eq!(run.run, "cut01234");
    assert_eq!(run.started, TOOK);
    let done: Vec<&str> = run.done.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(done, ["backup", "images", "files", "beside"]);
    let at = run.at.as_ref().expect("the step under way");
    assert_eq!(at.id, "stateful");
    assert!(
        seen.progress
            .contains("It was cut off during: Update the database"),
        "{}",
        seen.progress
    );
    assert!(
        seen.progress
            .contains("Start 1.1.0's backend and frontend beside 1.0.0's"),
        "{}",
        seen.progress
    );
    assert_eq!(seen.what, "an update to DeskMate 1.1.0, from 1.0.0");
    assert!(seen.mixed);
    assert!(
        seen.state
            .starts_with("Two versions of DeskMate answer at once: 1.0.0 and 1.1.0."),
        "{}",
        seen.state
    );
    assert!(
        seen.state.contains("counts 1.0.0 as the release it runs"),
        "{}",
        seen.state
    );
    let versions = seen.versions.as_ref().unwrap();
    assert_eq!(
        (versions.to.as_str(), versions.from.as_deref()),
        ("1.1.0", Some("1.0.0"))
    );

    let ways: Vec<(WayKind, Option<&str>, WayRuns, bool)> = seen
        .ways
        .iter()
        .map(|w| (w.kind, w.to.as_deref(), w.runs, w.recommended))
        .collect();
    assert_eq!(
        ways,
        [
            (WayKind::Undo, Some("1.0.0"), WayRuns::Update, true),
            (WayKind::Finish, Some("1.1.0"), WayRuns::Update, false),
            (WayKind::Clear, None, WayRuns::Nothing, false),
        ]
    );
    assert_eq!(seen.ways[0].label, "Undo: go back to 1.0.0");
    assert!(
        seen.ways[0]
            .does
            .contains("1.1.0's containers stopped and removed")
    );
    assert_eq!(seen.ways[1].label, "Finish: update to 1.1.0 again");
    assert!(
        seen.ways[2].effect.contains("two releases running at once"),
        "{}",
        seen.ways[2].effect
    );
}

#[test]
fn cut_off_after_the_switch_offers_finishing_first_and_undo_to_the_last_release_that_served() {
    let seen = judge(
        "home",
        Environment::Production,
        facts(
            "update 1.1.0",
            &update_log("1.1.0", "switch"),
            "1.1.0",
            vec![
                container("b", "backend", "1.1.0"),
                container("d", "frontend", "1.1.0"),
                container("e", "postgres", "1.0.0"),
            ],
        ),
    );
    let run = seen.run.as_ref().unwrap();
    assert_eq!(run.at.as_ref().unwrap().id, "watch");
    assert!(!seen.mixed);
    // Its postgres runs as 1.0.0 left it (its image did not change): that is no problem.
    assert_eq!(
        seen.state,
        "DeskMate 1.1.0 answers. The server counts 1.1.0 as the release it runs."
    );
    assert!(
        seen.ways[2]
            .effect
            .contains("not recorded as a release that served")
    );
    let kinds: Vec<(WayKind, Option<&str>)> = seen
        .ways
        .iter()
        .map(|w| (w.kind, w.to.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (WayKind::Finish, Some("1.1.0")),
            (WayKind::Undo, Some("1.0.0")),
            (WayKind::Clear, None),
        ]
    );
    assert!(seen.ways[0].recommended && seen.ways[0].does.contains("watched"));
    assert!(
        seen.ways[1]
            .does
            .contains("the last release that served healthily")
    );
}

#[test]
fn cut_off_before_anything_served_changed_undo_only_clears_and_an_unkept_release_is_not_finished() {
    let mut facts = facts(
        "update 1.1.0",
        &update_log("1.1.0", "backup"),
        "1.0.0",
        vec![container("a", "backend", "1.0.0")],
    );
    // Its files never reached the server.
    facts.releases.remove(0);
    let seen = judge("home", Environment::Production, facts);
    assert_eq!(seen.run.as_ref().unwrap().at.as_ref().unwrap().id, "images");
    let kinds: Vec<(WayKind, WayRuns)> = seen.ways.iter().map(|w| (w.kind, w.runs)).collect();
    assert_eq!(
        kinds,
        [
            (WayKind::Undo, WayRuns::Nothing),
            (WayKind::Clear, WayRuns::Nothing)
        ]
    );
    assert!(
        seen.ways[0]
            .does
            .contains("had not changed anything that serves")
    );
    assert_eq!(
        seen.state,
        "DeskMate 1.0.0 answers. The server counts 1.0.0 as the release it runs."
    );
}

#[test]
fn an_older_cut_off_run_whose_lock_was_cleared_since_is_not_this_locks() {
    // The same update was cut off a week ago and its lock cleared by hand (no line lets it
    // go); this lock was taken at TOOK, by the run after it.
    let older = "2026-11-30T09:00:00Z deskmate update production 1.1.0 run=old99999 step=lock outcome=done changed=false held by bob@desk\n\
                 2026-11-30T09:00:05Z deskmate update production 1.1.0 run=old99999 step=backup outcome=done changed=true backup 1 passed\n";
    let log = format!("{older}{}", update_log("1.1.0", "images"));
    let seen = judge(
        "home",
        Environment::Production,
        facts("update 1.1.0", &log, "1.0.0", vec![]),
    );
    assert_eq!(seen.run.as_ref().unwrap().run, "cut01234");

    // A lock taken at a time no run wrote a lock line (a publish's, say): no run is shown,
    // and the words say how far it got is not known.
    let only_older = judge(
        "home",
        Environment::Production,
        facts("update 1.1.0", older, "1.0.0", vec![]),
    );
    assert!(only_older.run.is_none());
    assert!(
        only_older.progress.contains("not known"),
        "{}",
        only_older.progress
    );
    assert!(
        only_older
            .state
            .starts_with("No DeskMate backend is running")
    );
}

#[test]
fn cut_off_while_putting_back_says_so() {
    let log = format!(
        "{}2026-12-07T18:01:10Z deskmate update production 1.1.0 run=cut01234 step=watch outcome=failed changed=false release.unhealthy_after_switch: unhealthy\n\
         2026-12-07T18:01:20Z deskmate update production 1.1.0 run=cut01234 step=switch outcome=undone changed=true 1.0.0 serves again\n",
        update_log("1.1.0", "switch")
    );
    let seen = judge(
        "home",
        Environment::Production,
        facts(
            "update 1.1.0",
            &log,
            "1.0.0",
            vec![container("a", "backend", "1.0.0")],
        ),
    );
    let run = seen.run.as_ref().unwrap();
    assert!(run.at.is_none());
    assert_eq!(run.stopped.as_ref().unwrap().id, "watch");
    assert_eq!(run.undone.len(), 1);
    assert!(
        seen.progress
            .contains("was putting back what it had changed (it had put back: Switch to 1.1.0"),
        "{}",
        seen.progress
    );
}

#[test]
fn other_operations_offer_running_again_where_safe_or_clearing_with_what_it_means() {
    let maintain = "2026-12-07T18:00:02Z root maintain production - run=mnt00001 step=lock outcome=done changed=false held by maintain timer on vps\n\
                    2026-12-07T18:00:40Z root maintain production - run=mnt00001 step=database outcome=done changed=true vacuumed\n";
    let seen = judge(
        "home",
        Environment::Production,
        facts("scheduled maintenance", maintain, "1.0.0", vec![]),
    );
    assert_eq!(seen.what, "maintenance");
    assert_eq!(seen.run.as_ref().unwrap().done[0].id, "database");
    let kinds: Vec<(WayKind, WayRuns)> = seen.ways.iter().map(|w| (w.kind, w.runs)).collect();
    assert_eq!(
        kinds,
        [
            (WayKind::RunAgain, WayRuns::Maintenance),
            (WayKind::Clear, WayRuns::Nothing)
        ]
    );

    let restore = "2026-12-07T18:00:02Z deskmate restore production 4f2a9c1e run=rst00001 step=lock outcome=done changed=false held by bob@desk\n";
    let seen = judge(
        "home",
        Environment::Production,
        facts("restore 4f2a9c1e", restore, "1.0.0", vec![]),
    );
    assert_eq!(seen.what, "a restore of backup 4f2a9c1e");
    assert_eq!(seen.ways.len(), 1);
    assert!(seen.ways[0].recommended);
    assert!(
        seen.ways[0]
            .effect
            .contains("restore backup 4f2a9c1e again"),
        "{}",
        seen.ways[0].effect
    );
}

#[test]
fn a_change_still_working_offers_nothing() {
    let mut working = facts(
        "update 1.1.0",
        &update_log("1.1.0", "beside"),
        "1.0.0",
        vec![],
    );
    working.liveness = (Liveness::Working, "This app is working on it now.".into());
    let seen = judge("home", Environment::Production, working);
    assert!(seen.ways.is_empty());
    assert!(seen.run.is_some());
}

fn here(host: &str, pid: u32, holder_alive: bool, working_on_it: bool) -> Here {
    Here {
        host: host.into(),
        pid,
        holder_alive,
        working_on_it,
    }
}

#[test]
fn whether_the_holder_can_still_be_working() {
    let server = ServerSide {
        host: "vps".into(),
        alive: false,
    };
    let h = holder("update 1.1.0");
    // This app's own lock, with nothing of it running on the server: the connection was lost.
    let (l, words) = liveness(&h, &here("desk", 4242, true, false), &server);
    assert_eq!(l, Liveness::Gone);
    assert!(
        words.contains("connection to the server was lost"),
        "{words}"
    );
    assert_eq!(
        liveness(&h, &here("desk", 4242, true, true), &server).0,
        Liveness::Working
    );
    // Another program of this computer: gone when its process is, else it may be working.
    assert_eq!(
        liveness(&h, &here("desk", 1, false, false), &server).0,
        Liveness::Gone
    );
    assert_eq!(
        liveness(&h, &here("desk", 1, true, false), &server).0,
        Liveness::Unknown
    );
    // Another computer: it may be; after hours, most likely cut off.
    let (l, words) = liveness(&h, &here("laptop", 1, false, false), &server);
    assert_eq!(l, Liveness::Unknown);
    assert!(
        words.contains("another computer (desk), 14 s ago"),
        "{words}"
    );
    let old = Holder {
        seconds: 7 * 3600,
        ..h.clone()
    };
    assert!(
        liveness(&old, &here("laptop", 1, false, false), &server)
            .1
            .contains("most likely cut off")
    );
    // The server's own timer: its process there says.
    let timer = Holder {
        host: "vps".into(),
        ..h.clone()
    };
    assert_eq!(
        liveness(&timer, &here("laptop", 1, false, false), &server).0,
        Liveness::Gone
    );
    let running = ServerSide {
        alive: true,
        ..server
    };
    assert_eq!(
        liveness(&timer, &here("laptop", 1, false, false), &running).0,
        Liveness::Working
    );
    // A lock that does not say whose (made by hand, or by an older version).
    let bare = Holder {
        host: String::new(),
        pid: 0,
        ..h
    };
    assert_eq!(
        liveness(&bare, &here("laptop", 1, false, false), &running).0,
        Liveness::Unknown
    );
}

#[test]
fn after_the_switch_with_no_other_release_that_served_only_clearing_is_offered() {
    let mut facts = facts(
        "update 1.1.0",
        &update_log("1.1.0", "switch"),
        "1.1.0",
        vec![container("b", "backend", "1.1.0")],
    );
    facts.releases = vec![release("1.1.0", true, true), release("1.0.0", false, false)];
    let seen = judge("home", Environment::Production, facts);
    assert_eq!(seen.versions.as_ref().unwrap().from, None);
    let kinds: Vec<WayKind> = seen.ways.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WayKind::Clear]);
    assert_eq!(seen.what, "an update to DeskMate 1.1.0");
}
