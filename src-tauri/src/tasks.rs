//! Long tasks (imports, exports, server work, later deploys and backups): progress out,
//! cancel in, and a bounded pool of workers to run them on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

use serde::Serialize;
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

    /// A server operation's events, each to the window as `{ "event": … }`: the one stream
    /// the window's operation view draws (plan, steps, progress, undo, outcome).
    pub fn on_event(&self) -> impl FnMut(&deskmate_api::OperationEvent) + '_ {
        |event: &deskmate_api::OperationEvent| self.report(serde_json::json!({ "event": event }))
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// The same cancel, for api calls that take a [`deskmate_api::Cancel`].
    pub fn cancel(&self) -> deskmate_api::Cancel {
        deskmate_api::Cancel::from_flag(Arc::clone(&self.cancelled))
    }
}

/// A task that changes a server, as the window is told of it when asked to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerChange {
    /// The id the window gave the task.
    pub id: String,
    /// The command (`server_release_rollback`, …); the window puts it in words.
    pub command: String,
    pub server: String,
}

struct Entry {
    flag: Arc<AtomicBool>,
    /// Set when the task changes a server.
    change: Option<ServerChange>,
}

/// Cancel flags of the tasks running now, by the id the window gave each, and which of them
/// change a server (closing the window while one runs asks first).
#[derive(Default)]
pub(crate) struct Running {
    tasks: Mutex<HashMap<String, Entry>>,
    /// Told each time a task finishes.
    finished: Condvar,
}

impl Running {
    /// Starts a task, with `(command, server)` when it changes a server.
    pub(crate) fn start_task(&self, id: &str, change: Option<(&str, &str)>) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let change = change.map(|(command, server)| ServerChange {
            id: id.to_string(),
            command: command.to_string(),
            server: server.to_string(),
        });
        self.lock().insert(
            id.to_string(),
            Entry {
                flag: flag.clone(),
                change,
            },
        );
        flag
    }

    pub(crate) fn finish(&self, id: &str) {
        self.lock().remove(id);
        self.finished.notify_all();
    }

    /// True when a task of that id was running.
    pub(crate) fn cancel(&self, id: &str) -> bool {
        match self.lock().get(id) {
            Some(entry) => {
                entry.flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The tasks changing a server now, by id.
    pub(crate) fn server_changes(&self) -> Vec<ServerChange> {
        let mut changes: Vec<ServerChange> = self
            .lock()
            .values()
            .filter_map(|e| e.change.clone())
            .collect();
        changes.sort_by(|a, b| a.id.cmp(&b.id));
        changes
    }

    /// Cancels every task changing a server and waits until each has ended: the engine puts
    /// back what it changed and lets the deploy lock go first. Returns those tasks.
    pub(crate) fn stop_server_changes(&self) -> Vec<ServerChange> {
        let mut tasks = self.lock();
        let stopping: Vec<ServerChange> = tasks.values().filter_map(|e| e.change.clone()).collect();
        for entry in tasks.values().filter(|e| e.change.is_some()) {
            entry.flag.store(true, Ordering::Relaxed);
        }
        while stopping.iter().any(|c| tasks.contains_key(&c.id)) {
            tasks = self
                .finished
                .wait(tasks)
                .unwrap_or_else(PoisonError::into_inner);
        }
        stopping
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
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
    fn stopping_cancels_only_server_changes_and_waits_for_them_to_end() {
        let running = Arc::new(Running::default());
        let change = running.start_task("t1", Some(("server_release_rollback", "home")));
        let check = running.start_task("t2", None);
        assert_eq!(
            running.server_changes(),
            vec![ServerChange {
                id: "t1".into(),
                command: "server_release_rollback".into(),
                server: "home".into(),
            }]
        );
        // The task notices the cancel, puts things back for a while, then ends.
        let task = {
            let running = running.clone();
            std::thread::spawn(move || {
                while !change.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
                running.finish("t1");
            })
        };
        let started = std::time::Instant::now();
        let stopped = running.stop_server_changes();
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(100),
            "it waited for the end"
        );
        assert_eq!(stopped.len(), 1);
        assert!(running.server_changes().is_empty());
        assert!(
            !check.load(Ordering::Relaxed),
            "a task that changes nothing runs on"
        );
        task.join().unwrap();
        assert!(
            running.stop_server_changes().is_empty(),
            "nothing to stop returns at once"
        );
    }

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
