//! `backup heal`: a damaged backup repository set aside and a fresh one begun with a verified
//! backup, as the engine's `ops::heal` operation.

use deskmate_remote::Cancel;
use deskmate_remote::ops::heal::{self as operation, Healed};
use deskmate_remote::ops::{Event, Runner, Scope};
use deskmate_stack::Environment;
use serde::Serialize;

use super::opened::Opened;
use super::{Servers, holder, now, stopped_error};
use crate::error::ApiError;

/// What `backup heal` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HealReport {
    pub server: String,
    pub environment: &'static str,
    /// Where the damaged repository is kept, relative to the stack folder (nothing in it
    /// was deleted: what can still be read there is there for salvage).
    pub set_aside: Option<String>,
    /// The fresh repository's first backup, proven by a trial restore.
    pub backup: String,
    /// What happens next, in plain words.
    pub next: String,
}

impl Servers {
    /// Sets the stack's backup repository aside (a damaged one: a trial restore or the weekly
    /// check failed) and starts a fresh one with a verified backup of the data as it is now.
    /// If that backup fails, the old repository is put back in its place.
    pub fn backup_heal(
        &self,
        name: &str,
        environment: Environment,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<HealReport, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("a repository heal"))?;
        let scripts = self.backup_scripts(name, &session, &dir, environment)?;
        let scope = Scope {
            dir,
            environment: environment.name().into(),
            subject: "-".into(),
        };
        let mut healed = Healed::default();
        Runner::new(&session, cancel, holder(), on_event)
            .run(
                operation::plan(scope, scripts, &now().to_string()),
                &mut healed,
            )
            .map_err(|stopped| stopped_error(stopped, name, environment))?;
        let next = match &healed.set_aside {
            Some(aside) => format!(
                "Backups work again, in a fresh repository. The damaged one is kept as {aside} on the server: the backups in it that can still be read are there for salvage (restic reads it with the same password); remove it once you are sure you need nothing from it."
            ),
            None => "There was no repository to set aside; the fresh one holds a verified backup."
                .into(),
        };
        Ok(HealReport {
            server: name.to_string(),
            environment: environment.name(),
            set_aside: healed.set_aside,
            backup: healed.backup.unwrap_or_default(),
            next,
        })
    }
}
