//! Ctrl-C while a command works on a server.
//!
//! Why: killed by Ctrl-C, `deskmate release deploy` (or a restore, a settings change) would
//! stop halfway, with the server's deploy lock (`STACK/.lock/deploy`) left behind. The api
//! and remote layers already stop cleanly on a [`Cancel`]: the operation undoes what it did,
//! releases the lock and fails with `ssh.cancelled`. So the first Ctrl-C only sets that
//! cancel, and the command ends the usual way, printing the api's error (exit 2). A second
//! Ctrl-C leaves at once (exit 130, as a shell reports a process stopped by Ctrl-C), after
//! saying what may be left to clean up.
//!
//! The handler is installed the first time a command asks for a cancel, so commands that
//! never talk to a server (`card`, `room`, …) keep the default Ctrl-C. Outside an operation
//! (a `Go ahead? [y/N]` question, say) Ctrl-C still leaves at once, as by default.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use deskmate_api::{Cancel, Environment};

/// Exit code after a second Ctrl-C: 128 + SIGINT, what a shell shows for a process it stopped.
pub const INTERRUPTED: i32 = 130;

/// What the command is doing, for the words Ctrl-C prints.
#[derive(Clone)]
enum Work {
    /// Nothing that Ctrl-C should wait for (a question on the terminal, say).
    Idle,
    /// Reading only: the logs, a plan. Nothing on the server changes.
    Reading,
    /// Changing `server`'s `environment`: an update, a restore, a settings change.
    Changing {
        server: String,
        environment: Environment,
    },
}

struct Handler {
    cancel: Cancel,
    work: Mutex<Work>,
    presses: AtomicU32,
}

/// While alive, Ctrl-C cancels the operation instead of ending the process; dropped, Ctrl-C
/// leaves at once again.
#[must_use = "Ctrl-C cancels the operation only while the watch is alive"]
pub struct Watch {
    cancel: Cancel,
}

impl Watch {
    /// The command's one cancel, to hand to the api.
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        set_work(Work::Idle);
    }
}

/// For an operation that changes `server`: the first Ctrl-C cancels it (the api undoes what it
/// did), the second leaves at once and says how to see and clean up what is left.
pub fn changing(server: &str, environment: Environment) -> Watch {
    watch(Work::Changing {
        server: server.to_string(),
        environment,
    })
}

/// For an operation that only reads (logs, a plan): the first Ctrl-C stops it.
pub fn reading() -> Watch {
    watch(Work::Reading)
}

/// Whether Ctrl-C was pressed during this command (so a cancelled error is the owner's wish).
pub fn pressed() -> bool {
    HANDLER
        .get()
        .is_some_and(|h| h.presses.load(Ordering::SeqCst) > 0)
}

static HANDLER: OnceLock<Handler> = OnceLock::new();

fn watch(work: Work) -> Watch {
    let handler = HANDLER.get_or_init(|| {
        // Only fails when another handler was set, which nothing else in the CLI does; Ctrl-C
        // then keeps its default (the process ends), no worse than before.
        if let Err(e) = ctrlc::set_handler(on_ctrl_c) {
            warn_not_installed(&e);
        }
        Handler {
            cancel: Cancel::new(),
            work: Mutex::new(Work::Idle),
            presses: AtomicU32::new(0),
        }
    });
    set_work(work);
    Watch {
        cancel: handler.cancel.clone(),
    }
}

fn set_work(work: Work) {
    if let Some(handler) = HANDLER.get() {
        *handler.work.lock().unwrap_or_else(|e| e.into_inner()) = work;
    }
}

fn warn_not_installed(e: &ctrlc::Error) {
    eprintln!("warning: Ctrl-C will stop DeskMate Studio at once, not cleanly ({e})");
}

/// Runs on the handler's own thread (not in the signal handler), so it may lock and print.
fn on_ctrl_c() {
    let Some(handler) = HANDLER.get() else {
        std::process::exit(INTERRUPTED);
    };
    let press = handler.presses.fetch_add(1, Ordering::SeqCst) + 1;
    let work = handler
        .work
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    match (work, press) {
        (Work::Idle, _) => std::process::exit(INTERRUPTED),
        (Work::Reading, 1) => {
            handler.cancel.cancel();
            eprintln!("\nStopping. Nothing on the server was changed.");
        }
        (Work::Changing { .. }, 1) => {
            handler.cancel.cancel();
            eprintln!(
                "\nStopping: putting back what was changed. Wait for it to finish (press Ctrl-C again to leave now)."
            );
        }
        (Work::Reading, _) => std::process::exit(INTERRUPTED),
        (
            Work::Changing {
                server,
                environment,
            },
            _,
        ) => {
            eprintln!("{}", left_to_do(&server, environment));
            std::process::exit(INTERRUPTED);
        }
    }
}

/// What a second Ctrl-C leaves for the owner to check, with the commands to do it.
fn left_to_do(server: &str, environment: Environment) -> String {
    let env = match environment {
        Environment::Production => "",
        Environment::Staging => " --environment staging",
    };
    format!(
        "\nLeft before the server was put back. {server} may be half-changed, and its deploy lock may still be held, which stops the next update.\n  \
         To see where it stopped:      deskmate release audit {server}{env}\n  \
         To see the ways forward:      deskmate release interrupted {server}{env}\n  \
         To check DeskMate works:      deskmate server health {server}\n  \
         To clear a lock left behind:  deskmate release unlock {server}{env} (it asks first)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_names_the_server_and_its_environment() {
        let text = left_to_do("home", Environment::Staging);
        assert!(text.contains("deskmate release audit home --environment staging"));
        assert!(text.contains("deskmate release unlock home --environment staging"));
        assert!(text.contains("deskmate release interrupted home --environment staging"));
        assert!(text.contains("deskmate server health home\n"));
        let text = left_to_do("home", Environment::Production);
        assert!(text.contains("deskmate release unlock home (it asks first)"));
    }
}
