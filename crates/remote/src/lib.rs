//! Talking to the owner's server over SSH: sessions with pinned host keys, remote commands,
//! verified transfers, secrets, and the preflight and health reports built on them.
//!
//! - [`session`]: connect, check the host key against the app's own [`known_hosts`], sign in.
//! - [`exec`] and [`pump`]: run a command, stream its output without deadlock, trust its exit
//!   status only when the server really sent one, cancel it.
//! - [`transfer`]: upload and download in 64 KiB pieces, verified by SHA-256 at both ends,
//!   never leaving a file that looks complete but is not.
//! - [`secrets`]: passwords and passphrases in the OS keychain or a 0600 file.
//! - [`preflight`] and [`health`]: the server's readiness and the stack's health, as
//!   [`Finding`]s an owner can act on.
//! - [`quote`]: the shell quoting every argument goes through.

pub mod backend;
pub mod backup;
pub mod cancel;
pub mod compose;
mod error;
pub mod exec;
pub mod exit_marker;
pub mod facts;
mod file_lock;
pub mod findings;
pub mod git_build;
pub mod health;
pub mod install;
pub mod known_hosts;
mod login_shell;
pub mod logs;
pub mod offsite;
pub mod ops;
pub mod packages;
mod parts;
pub mod preflight;
pub mod pump;
pub mod quote;
pub mod releases;
pub mod repository_copy;
pub mod script_error;
mod script_failures;
pub mod secrets;
pub mod session;
pub mod tls;
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
