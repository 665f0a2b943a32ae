//! Talking to the owner's server over SSH, and every change made to it.
//!
//! The public surface is in three parts; everything else is private to the crate.
//!
//! **Changes** go through the operation engine, [`ops`]: each one (install, update,
//! rollback, restore, backup, verify and heal, maintain, settings, publish, schedules, the
//! offsite target, alerts, a watchdog round) is a plan of named steps that one [`Runner`] executes
//! inside one guard, with one audit, one cancel, one undo and one progress stream. The
//! only server work outside it are [`packages`] (putting Docker on the server, which needs
//! a new sign-in, so it heads the install's plan as steps already done) and
//! [`git_build`] (images built from a git checkout, which change no release until the
//! update that deploys them).
//!
//! **Reads** never take the lock: [`preflight`] (is the server ready), [`health`] (the
//! stack's state, as [`Finding`]s an owner can act on), [`facts`], [`releases`],
//! [`backup`] (the list and its reports), [`logs`], [`watch`] (what the watchdog saw),
//! [`repository_copy`] (the backups copied to this computer).
//!
//! **Basics** the above are built on: [`session`] (connect, pin the host key in the app's
//! own [`known_hosts`], sign in), [`exec`] and [`pump`] (run a command, stream its output
//! without deadlock, trust its exit status only when the server really sent one),
//! [`transfer`] (upload and download in pieces, verified by SHA-256 at both ends),
//! [`secrets`] (the OS keychain or a 0600 file), [`quote`] (the quoting every argument goes
//! through), [`cancel`]. [`parsers`] opens the parsers of server output to the fuzz targets.

mod backend;
pub mod backup;
pub mod cancel;
mod compose;
mod error;
pub mod exec;
mod exit_marker;
pub mod facts;
mod file_lock;
pub mod findings;
pub mod git_build;
pub mod health;
pub mod known_hosts;
mod login_shell;
pub mod logs;
mod offsite;
pub mod ops;
pub mod packages;
pub mod parsers;
mod parts;
pub mod preflight;
pub mod pump;
pub mod quote;
pub mod releases;
pub mod repository_copy;
mod script_error;
mod script_failures;
pub mod secrets;
pub mod session;
mod tls;
pub mod transfer;
pub mod watch;

pub use cancel::Cancel;
pub use error::{RemoteError, Result};
pub use exec::{Captured, Exit, script};
pub use findings::{Finding, Level};
pub use health::{HealthOptions, HealthReport};
pub use known_hosts::{HostKey, KnownHosts, fingerprint, parse_fingerprint};
pub use ops::maintain;
pub use ops::publish;
pub use ops::{Remote, Runner};
pub use preflight::Preflight;
pub use quote::{QuoteError, command_line, quote};
pub use secrets::{Secret, SecretStore};
pub use session::{Credentials, HostKeyPolicy, Session, Target, Timeouts};
pub use transfer::{Progress, Transferred, Visibility};
