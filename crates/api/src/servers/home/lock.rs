//! The home page's status while the deploy lock is held. Pure.

use super::{HomeLevel, HomeStatus};
use crate::servers::lock::HeldLock;

/// A held lock is a warning: the server may serve well, but no change can start, and a
/// change that was cut off may have left it part-way.
pub(super) fn status(held: &HeldLock) -> HomeStatus {
    let gone = if held.gone_from_here {
        " The program that took it is no longer running on this computer, so nothing is working on it now."
    } else {
        ""
    };
    HomeStatus {
        level: HomeLevel::Warning,
        reason: format!(
            "A change holds the server's deploy lock: {}. Until it is let go, no update, rollback, restore, publish, maintenance or settings change can start.{gone}",
            held.description
        ),
        fix: Some(
            "If nothing is changing the server now, clear the lock, then run the change again: it finishes or puts back what was left."
                .into(),
        ),
    }
}
