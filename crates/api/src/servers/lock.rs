//! The server's deploy lock from the api's side: taking it for a change (let go however the
//! change ends, and only by its holder), who holds it, and clearing one left behind.
//!
//! A change refused because the lock is held (`release.locked`) names the next step as
//! [`Action::ClearDeployLock`] with the `server` and `environment` beside it, in one place
//! ([`offer_to_clear`]), so every front end can offer it: the CLI as `release unlock`, the app
//! as a button that shows who holds the lock and asks first.

use deskmate_remote::Cancel;
use deskmate_remote::Session;
use deskmate_remote::ops::lock::{self, Holder};
use deskmate_remote::ops::recover as clear;
use deskmate_remote::ops::{Event, Runner, Scope};
use deskmate_stack::Environment;
use serde::Serialize;

use super::install::stack_dir;
use super::opened::Opened;
use super::{Servers, holder, remote_error, stopped_error};
use crate::error::{Action, ApiError};

/// The code of a change refused because the deploy lock is held.
pub const LOCKED: &str = "release.locked";

/// Who holds a server's deploy lock, as the owner is told before clearing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct HeldLock {
    pub holder: Holder,
    /// "alice@laptop, for update to 1.2.0, since 3 min ago".
    pub description: String,
    /// The program that took it ran on this computer and runs no more: the lock is certainly
    /// left over, not just old.
    pub gone_from_here: bool,
    /// `production` or `staging`: whose lock it is.
    pub environment: &'static str,
}

impl HeldLock {
    /// Reads whether the holder still runs here (so not pure: `summarise` gets it made).
    pub fn of(holder: Holder, environment: Environment) -> HeldLock {
        HeldLock {
            description: holder.describe(),
            gone_from_here: holder.gone_from_here(),
            holder,
            environment: environment.name(),
        }
    }
}

/// A change refused because the lock is held offers to clear it; any other error is left as
/// it is. The one place this action is attached.
pub(super) fn offer_to_clear(err: ApiError, name: &str, environment: Environment) -> ApiError {
    if err.code != LOCKED {
        return err;
    }
    err.with_action(Action::ClearDeployLock)
        .with_detail("server", name)
        .with_detail("environment", environment.name())
}

/// The deploy lock, let go however the change ends, and only by its holder.
pub(super) struct DeployLock<'a> {
    session: &'a Session,
    dir: &'a str,
    token: String,
}

impl<'a> DeployLock<'a> {
    /// Takes the lock on `name`'s `environment` (its folder `dir`) for `action`, or says who
    /// holds it and offers to clear it.
    pub(super) fn take(
        session: &'a Session,
        name: &str,
        environment: Environment,
        dir: &'a str,
        holder: &str,
        action: &str,
    ) -> Result<DeployLock<'a>, ApiError> {
        let token = lock::token();
        lock::take(session, dir, &token, holder, action)
            .map_err(|e| offer_to_clear(remote_error(e, name), name, environment))?;
        Ok(DeployLock {
            session,
            dir,
            token,
        })
    }

    /// The owner token, for an operation of the engine that runs inside this lock
    /// ([`deskmate_remote::Runner::holding`]).
    pub(super) fn token(&self) -> &str {
        &self.token
    }
}

impl Drop for DeployLock<'_> {
    fn drop(&mut self) {
        let _ = lock::release(self.session, self.dir, &self.token);
    }
}

impl Servers {
    /// Who holds the deploy lock, and for how long, if anyone.
    pub fn release_lock_holder(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Option<Holder>, ApiError> {
        let (server, session) = self.open_session(name)?;
        lock::holder(&session, &stack_dir(&server.stack_dir, environment))
            .map_err(|e| remote_error(e, name))
    }

    /// The same, with what the owner is told before clearing it (the app's dialog).
    pub fn deploy_lock(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Option<HeldLock>, ApiError> {
        Ok(self
            .release_lock_holder(name, environment)?
            .map(|h| HeldLock::of(h, environment)))
    }

    /// Clears a deploy lock left behind (the front end asks first), as the audited
    /// operation `ops::recover` does: only the lock read just now goes, so one taken again
    /// in between is left alone. True if there was one. Refused while this app itself works
    /// on the server, whose lock that may be.
    pub fn release_unlock(&self, name: &str, environment: Environment) -> Result<bool, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("clearing the deploy lock"))?;
        let Some(seen) = lock::holder(&session, &dir).map_err(|e| remote_error(e, name))? else {
            return Ok(false);
        };
        let scope = Scope {
            dir,
            environment: environment.name().into(),
            subject: "-".into(),
        };
        let ran = Runner::new(&session, &Cancel::new(), holder(), &mut |_: &Event| {})
            .run(clear::plan(scope, &seen), &mut ())
            .map_err(|stopped| stopped_error(stopped, name, environment))?;
        Ok(ran.changed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_for_the_lock_offers_to_clear_it_and_nothing_else_does() {
        let locked = ApiError::new(LOCKED, "Another change is under way", "wait");
        let offered = offer_to_clear(locked, "home", Environment::Staging);
        assert_eq!(offered.action(), Some(Action::ClearDeployLock));
        assert_eq!(offered.details["server"], "home");
        assert_eq!(offered.details["environment"], "staging");

        let other = ApiError::new("ssh.timeout", "slow", "try again");
        assert_eq!(
            offer_to_clear(other.clone(), "home", Environment::Production),
            other
        );
    }
}
