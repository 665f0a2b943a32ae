//! The one way a user action opens a server: this computer's claim on it (so two actions
//! never work on one server at once), a signed-in session with the pinned host key, and the
//! stack folder of the environment asked for. What every server function used to repeat.

use deskmate_library::Server;
use deskmate_remote::facts::Compose;
use deskmate_remote::{Session, facts};
use deskmate_stack::Environment;

use super::install::stack_dir;
use super::{Servers, remote_error};
use crate::busy::Claim;
use crate::error::ApiError;

/// A server opened for one action; the claim is let go when it is dropped.
pub(super) struct Opened<'s> {
    pub server: Server,
    pub session: Session,
    /// The stack folder of the environment (`STACK` or `STACK-staging`).
    pub dir: String,
    pub _claim: Option<Claim<'s>>,
}

impl Servers {
    /// Opens `name` for an action on its `environment`. `doing` names a change (or a long
    /// read) in the words "… is already running" shows; None for a quick read, which may
    /// run beside anything.
    pub(super) fn open_for(
        &self,
        name: &str,
        environment: Environment,
        doing: Option<&'static str>,
    ) -> Result<Opened<'_>, ApiError> {
        let claim = doing.map(|what| self.busy.claim(name, what)).transpose()?;
        let (server, session) = self.open_session(name)?;
        Ok(Opened {
            dir: stack_dir(&server.stack_dir, environment),
            server,
            session,
            _claim: claim,
        })
    }

    /// Which compose the server has, from its facts.
    pub(super) fn compose_on(
        &self,
        name: &str,
        server: &Server,
        session: &Session,
    ) -> Result<Compose, ApiError> {
        let fail = |e| remote_error(e, name);
        let facts = facts::gather(session, &server.stack_dir).map_err(fail)?;
        deskmate_remote::facts::compose_of(&facts).map_err(fail)
    }
}
