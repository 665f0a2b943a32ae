//! Acting on the way forward an owner chose after a change was cut off (`interrupted.rs`):
//! the lock they were shown is cleared (only that one: a lock taken again since is someone's
//! live change), then the chosen operation runs with its own lock, passing its events on, so
//! the app's one operation view and the CLI's printer show the clear and the run as one.

use deskmate_remote::Cancel;
use deskmate_remote::ops::recover as clear;
use deskmate_remote::ops::{Event, Runner, Scope};
use serde::Serialize;

use super::install::stack_dir;
use super::interrupted::{Interrupted, Liveness, Recovery, Way, WayKind, WayRuns};
use super::{DeployOptions, DeployReport, MaintainReport, Servers, stopped_error};
use crate::error::ApiError;

/// What a recovery did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Recovered {
    pub server: String,
    pub environment: &'static str,
    pub way: WayKind,
    /// The lock was there and is cleared (false: someone had cleared it already).
    pub cleared: bool,
    /// The update that finished or undid the cut-off one.
    pub update: Option<DeployReport>,
    pub maintenance: Option<MaintainReport>,
}

impl Servers {
    /// Clears the lock the owner was shown and runs the way they chose (`recovery`), with
    /// `options` for its update (the environment among them). Refused, with nothing changed,
    /// when the lock is another one now, when that change is still working, or when the way
    /// is no longer offered (the server changed since it was shown).
    pub fn recover(
        &self,
        name: &str,
        recovery: &Recovery,
        options: &DeployOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<Recovered, ApiError> {
        let environment = options.environment;
        let seen = self.interrupted(name, environment)?.ok_or_else(|| {
            ApiError::new(
                "release.not_locked",
                format!("{name} holds no deploy lock any more: there is nothing to recover"),
                "look at the server again: the change may have been finished or cleared from elsewhere",
            )
        })?;
        let way = chosen(&seen, recovery)?.clone();
        // Finish goes to the update's version, away from the one before; Undo the reverse.
        let (to, from) = match (&seen.versions, way.kind) {
            (Some(v), WayKind::Finish) => (v.to.clone(), v.from.clone().unwrap_or_default()),
            (Some(v), _) => (v.from.clone().unwrap_or_default(), v.to.clone()),
            (None, _) => Default::default(),
        };
        // The judge offers either only with both versions known.
        if way.runs == WayRuns::Update && (to.is_empty() || from.is_empty()) {
            return Err(ApiError::new(
                "release.way_gone",
                "That way forward needs both releases of the update, and one is not known any more",
                "look at the server again, then choose",
            ));
        }

        let cleared = {
            let _claim = self.busy.claim(name, "clearing the deploy lock")?;
            let (server, session) = self.open_session(name)?;
            let scope = Scope {
                dir: stack_dir(&server.stack_dir, environment),
                environment: environment.name().into(),
                subject: way.to.clone().unwrap_or_else(|| "-".into()),
            };
            // When another operation follows, the clear is its first step in the owner's
            // view: its end is not passed on (the next run's is), and the next run's plan
            // keeps it, done, ahead of its own steps.
            let more = way.runs != WayRuns::Nothing;
            let mut pass = |e: &Event| {
                if !more || !matches!(e, Event::Done { .. }) {
                    on_event(e)
                }
            };
            let holder = seen.lock.holder.clone();
            let ran = Runner::new(&session, cancel, options.holder.clone(), &mut pass)
                .run(clear::plan(scope, &holder), &mut ())
                .map_err(|stopped| stopped_error(stopped, name, environment))?;
            ran.changed()
        };
        let mut recovered = Recovered {
            server: name.to_string(),
            environment: environment.name(),
            way: way.kind,
            cleared,
            update: None,
            maintenance: None,
        };
        match way.runs {
            WayRuns::Nothing => {}
            WayRuns::Update => {
                recovered.update =
                    Some(self.release_settle(name, &to, &from, options, on_event, cancel)?);
            }
            WayRuns::Maintenance => {
                recovered.maintenance =
                    Some(self.maintain(name, environment, false, on_event, cancel)?);
            }
        }
        Ok(recovered)
    }
}

/// The way the owner chose, if it is still offered for the lock they were shown.
fn chosen<'a>(seen: &'a Interrupted, recovery: &Recovery) -> Result<&'a Way, ApiError> {
    let look_again = "look at the server again, then choose";
    if seen.lock.holder.taken != recovery.lock_taken {
        return Err(ApiError::new(
            "release.lock_changed",
            format!(
                "The deploy lock changed since it was shown: it is held by {} now",
                seen.lock.description
            ),
            look_again,
        ));
    }
    if seen.liveness == Liveness::Working {
        return Err(ApiError::new(
            "release.still_working",
            format!("That change is still working: {}", seen.liveness_words),
            "wait for it to finish",
        ));
    }
    seen.ways
        .iter()
        .find(|w| w.kind == recovery.way && w.to == recovery.to)
        .ok_or_else(|| {
            ApiError::new(
                "release.way_gone",
                "That way forward is no longer offered: the server changed since it was shown",
                look_again,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servers::interrupted::tests::cut_off_before_the_switch;

    #[test]
    fn only_the_lock_and_way_shown_are_acted_on() {
        let seen = cut_off_before_the_switch();
        let taken = seen.lock.holder.taken;
        let undo = Recovery {
            way: WayKind::Undo,
            to: Some("1.0.0".into()),
            lock_taken: taken,
        };
        assert_eq!(chosen(&seen, &undo).unwrap().kind, WayKind::Undo);

        let retaken = Recovery {
            lock_taken: taken + 30,
            ..undo.clone()
        };
        assert_eq!(
            chosen(&seen, &retaken).unwrap_err().code,
            "release.lock_changed"
        );
        let elsewhere = Recovery {
            to: Some("0.9.0".into()),
            ..undo.clone()
        };
        assert_eq!(
            chosen(&seen, &elsewhere).unwrap_err().code,
            "release.way_gone"
        );

        let mut working = seen.clone();
        working.liveness = Liveness::Working;
        assert_eq!(
            chosen(&working, &undo).unwrap_err().code,
            "release.still_working"
        );
    }
}
