//! Clearing a deploy lock that a cut-off change left behind, as an operation of its own.
//!
//! The owner chooses it after being shown who held the lock, since when and how far their
//! change got (`api::servers::interrupted`), either alone or as the first thing a way
//! forward does (finish or undo an update, run maintenance again), which then runs as its own
//! operation with its own lock. Audited like every change (`recover … step=clear`), and it
//! clears only the lock the owner was shown ([`lock::clear_if`]): a lock cleared and taken
//! again since is someone's live change, so the step refuses and leaves it.

use super::lock::{self, Cleared, Holder};
use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::parts::commands::refuse;

/// The step's id, in events and in the audit.
pub const CLEAR_STEP: &str = "clear";

/// The plan: one step that clears the lock `seen` describes. `scope.subject` names the way
/// chosen (the version it goes to, or `-`).
pub fn plan(scope: Scope, seen: &Holder) -> Plan<'_, ()> {
    let title = format!("Clear the deploy lock left by {}", seen.describe());
    // It neither waits for nor takes the deploy lock: the lock is what it changes.
    Plan::new("recover", scope.clone(), Guard::ReadOnly).step(Step::new(
        CLEAR_STEP,
        title,
        move |cx: &mut Cx<'_, ()>| match lock::clear_if(cx.remote, &scope.dir, seen.taken, &seen.who)? {
            Cleared::Cleared => Ok(Did::changed(format!(
                "cleared the lock {} took for {}",
                seen.who,
                if seen.action.is_empty() { "a change" } else { &seen.action }
            ))),
            Cleared::NotHeld => Ok(Did::unchanged("already cleared by someone else")),
            Cleared::Other(now) => Err(refuse(
                "release.lock_changed",
                format!(
                    "The deploy lock was cleared and taken again since it was shown: it is held by {} now.",
                    now.map_or("someone".into(), |h| h.describe())
                ),
                "That change may be running now, so its lock was left alone. Look again at the server before choosing.",
            )),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;
    use crate::ops::fake::{RecordingFake, Reply};
    use crate::ops::{Event, Runner};

    fn seen() -> Holder {
        Holder {
            who: "bob@desk".into(),
            action: "update 1.1.0".into(),
            seconds: 300,
            taken: 1_780_000_000,
            host: "desk".into(),
            pid: 4242,
        }
    }

    fn scope() -> Scope {
        Scope {
            dir: "/opt/deskmate".into(),
            environment: "production".into(),
            subject: "1.0.0".into(),
        }
    }

    fn run(fake: &RecordingFake) -> (Result<(), String>, Vec<Event>) {
        let holder = seen();
        let mut events = Vec::new();
        let cancel = Cancel::new();
        let mut on_event = |e: &Event| events.push(e.clone());
        let ran = Runner::new(fake, &cancel, "alice@laptop", &mut on_event)
            .run(plan(scope(), &holder), &mut ())
            .map(|_| ())
            .map_err(|stopped| stopped.error.code().to_string());
        (ran, events)
    }

    fn audit(fake: &RecordingFake) -> Vec<String> {
        fake.commands()
            .into_iter()
            .filter(|c| c.contains("audit.log"))
            .collect()
    }

    #[test]
    fn the_lock_shown_is_cleared_and_audited_without_taking_the_lock() {
        let fake = RecordingFake::new();
        fake.on("echo cleared", Reply::ok("cleared\n"));
        let (ran, events) = run(&fake);
        assert_eq!(ran, Ok(()));
        let commands = fake.commands();
        let clear = commands
            .iter()
            .find(|c| c.contains("echo cleared"))
            .expect("the clear ran");
        // Only the lock taken at that time by that holder.
        assert!(
            clear.contains("1780000000") && clear.contains("bob@desk"),
            "{clear}"
        );
        assert!(
            !commands.iter().any(|c| c.contains("echo taken")),
            "no lock taken"
        );
        let audit = audit(&fake);
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert!(
            audit[0].contains("recover production 1.0.0 run=")
                && audit[0].contains("step=clear outcome=done changed=true"),
            "{audit:?}"
        );
        assert!(matches!(
            &events[0],
            Event::Plan { operation: "recover", steps } if steps.len() == 1 && steps[0].title.contains("bob@desk, for update 1.1.0")
        ));
    }

    #[test]
    fn a_lock_taken_again_since_is_left_alone_and_refused_with_who_holds_it() {
        let fake = RecordingFake::new();
        fake.on(
            "echo cleared",
            Reply::ok("held\t5\tcarol@office\tupdate 1.3.0\toffice\t77\t1780000500\n"),
        );
        let (ran, events) = run(&fake);
        assert_eq!(ran, Err("release.lock_changed".into()));
        let failed = events.iter().find_map(|e| match e {
            Event::Failed { message, .. } => Some(message.clone()),
            _ => None,
        });
        assert!(failed.unwrap().contains("carol@office"));
        assert!(audit(&fake)[0].contains("step=clear outcome=failed"));
    }

    #[test]
    fn a_lock_already_gone_is_nothing_to_do() {
        let fake = RecordingFake::new();
        fake.on("echo cleared", Reply::ok("none\n"));
        let (ran, events) = run(&fake);
        assert_eq!(ran, Ok(()));
        assert!(events.iter().any(|e| matches!(
            e,
            Event::Finished {
                step: "clear",
                changed: false,
                ..
            }
        )));
    }
}
