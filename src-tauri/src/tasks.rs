//! Long tasks (imports, exports, later deploys and backups): progress out, cancel in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

/// What a handler gets for reporting progress and noticing a cancel. Calls that are not
/// long tasks get [`Task::none`].
pub struct Task {
    progress: Box<dyn Fn(Value) + Send + Sync>,
    cancelled: Arc<AtomicBool>,
}

impl Task {
    pub fn new(
        progress: impl Fn(Value) + Send + Sync + 'static,
        cancelled: Arc<AtomicBool>,
    ) -> Self {
        Task {
            progress: Box::new(progress),
            cancelled,
        }
    }

    pub fn none() -> Self {
        Task::new(|_| {}, Arc::default())
    }

    pub fn report(&self, progress: Value) {
        (self.progress)(progress);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Cancel flags of the tasks running now, by the id the window gave each.
#[derive(Default)]
pub(crate) struct Running {
    flags: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl Running {
    pub(crate) fn start(&self, id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.lock().insert(id.to_string(), flag.clone());
        flag
    }

    pub(crate) fn finish(&self, id: &str) {
        self.lock().remove(id);
    }

    /// True when a task of that id was running.
    pub(crate) fn cancel(&self, id: &str) -> bool {
        match self.lock().get(id) {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AtomicBool>>> {
        self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
