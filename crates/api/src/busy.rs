//! One task at a time on each server.
//!
//! Two tasks on the same server (a health check and a deploy, say) must never interleave
//! their commands; tasks on different servers run side by side. A task claims its server
//! for as long as it runs, and a second one is refused at once with a plain message naming
//! what is running, so the owner knows to wait rather than watching a frozen bar.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::ApiError;

#[derive(Default)]
pub struct Busy {
    running: Mutex<BTreeMap<String, &'static str>>,
}

/// A server claimed for one task; dropping it frees the server.
pub struct Claim<'a> {
    busy: &'a Busy,
    server: String,
}

impl Busy {
    /// Claims `server` for `doing` (in words: "a health check"), or says what holds it.
    pub fn claim(&self, server: &str, doing: &'static str) -> Result<Claim<'_>, ApiError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(other) = running.get(server) {
            return Err(ApiError::new(
                "server.busy",
                format!("`{server}` is busy: {other} is running on it"),
                "wait until it has finished, then try again",
            )
            .with_detail("running", *other));
        }
        running.insert(server.to_string(), doing);
        Ok(Claim {
            busy: self,
            server: server.to_string(),
        })
    }
}

impl Busy {
    /// Whether a task of this app runs on `server` now.
    pub fn holds(&self, server: &str) -> bool {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(server)
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut running = self
            .busy
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        running.remove(&self.server);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_task_a_server_and_servers_apart() {
        let busy = Busy::default();
        let health = busy.claim("home", "a health check").unwrap();
        let err = busy.claim("home", "a readiness check").err().unwrap();
        assert_eq!(err.code, "server.busy");
        assert!(err.message.contains("a health check"), "{}", err.message);
        let _other = busy.claim("office", "a health check").unwrap();
        assert!(busy.holds("home"));
        drop(health);
        assert!(!busy.holds("home"));
        busy.claim("home", "a readiness check").unwrap();
    }
}
