//! Long tasks (imports, exports, server work, later deploys and backups): progress out,
//! cancel in, and a bounded pool of workers to run them on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

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

    /// The same cancel, for api calls that take a [`deskmate_api::Cancel`].
    pub fn cancel(&self) -> deskmate_api::Cancel {
        deskmate_api::Cancel::from_flag(Arc::clone(&self.cancelled))
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

/// Long tasks (anything over SSH, imports, exports) run on a fixed set of workers, so a burst
/// of them cannot start a thread each and starve the machine; past the bound they wait their
/// turn. Quick calls (a list, an edit) never wait behind them: they run on threads of their
/// own.
pub(crate) struct Pool {
    jobs: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Enough for a health check, an import and an export at once on a 2-core laptop.
pub(crate) const LONG_TASK_WORKERS: usize = 4;

impl Pool {
    pub(crate) fn new(workers: usize) -> Pool {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        for n in 0..workers.max(1) {
            let receive = receive.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("long-task-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job, never while it runs.
                        let job = receive
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(err) = spawned {
                tracing::error!("could not start a task worker: {err}");
            }
        }
        Pool {
            jobs: Mutex::new(send),
        }
    }

    /// Queues `job` for the next free worker.
    pub(crate) fn run(&self, job: impl FnOnce() + Send + 'static) {
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        if jobs.send(Box::new(job)).is_err() {
            tracing::error!("the task workers are gone; a task was dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn no_more_than_the_bound_run_at_once_and_every_job_runs() {
        let pool = Pool::new(3);
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (done, finished) = mpsc::channel();
        for _ in 0..12 {
            let (now, most, done) = (now.clone(), most.clone(), done.clone());
            pool.run(move || {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(running, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                now.fetch_sub(1, Ordering::SeqCst);
                done.send(()).unwrap();
            });
        }
        for _ in 0..12 {
            finished
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("every job runs");
        }
        assert_eq!(most.load(Ordering::SeqCst), 3, "three at once, never more");
    }
}
