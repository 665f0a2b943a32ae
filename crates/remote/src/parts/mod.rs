//! The parts operations are built from: each module does one kind of thing on the server
//! (run a script, put the stack's files, …), takes a [`crate::ops::Remote`], and is shared
//! by every operation that needs it. Nothing here takes the lock or writes the audit: that
//! is the runner's job.

pub(crate) mod commands;
pub(crate) mod compose;
pub(crate) mod containers;
pub(crate) mod current;
pub(crate) mod database;
pub(crate) mod disk;
pub(crate) mod host;
pub(crate) mod images;
pub(crate) mod proxy;
pub(crate) mod rollout;
pub(crate) mod saved_files;
pub(crate) mod schema;
pub(crate) mod spec;
pub(crate) mod stack_files;
