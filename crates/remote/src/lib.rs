//! Talking to the owner's server: SSH sessions, host keys, remote commands, transfers,
//! preflight and health (issue 5).
//!
//! Built so far: [`quote`], the shell quoting every remote command's arguments go through.
//! The SSH layer that uses it is not built yet, and nothing in the CLI or app offers it.

pub mod quote;

pub use quote::{QuoteError, command_line, quote};
