//! What happens when a plugin misbehaves during a call: it becomes a finding, not a crash.

use std::fmt;

use deskmate_diagnostics::Diagnostic;
use serde::Serialize;

/// How a call went wrong. Each kind has a stable diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The call ran past its deadline and was stopped.
    Timeout,
    /// The plugin crashed (a panic, `unreachable`, a stack overflow, a bad memory access).
    Trap,
    /// The plugin asked for more memory than the sandbox allows.
    MemoryLimit,
    /// The plugin answered with something the host will not accept: too much, or malformed.
    BadOutput,
}

impl FailureKind {
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Timeout => "plugin.timeout",
            FailureKind::Trap => "plugin.trap",
            FailureKind::MemoryLimit => "plugin.memory_limit",
            FailureKind::BadOutput => "plugin.bad_output",
        }
    }

    /// What the owner should do; the remedy is the same for every kind.
    fn hint(self, plugin_id: &str) -> String {
        let cause = match self {
            FailureKind::Timeout => "the plugin may be stuck in a loop",
            FailureKind::Trap => "this is a bug in the plugin, not in your file",
            FailureKind::MemoryLimit => "the plugin needs more memory than plugins may use",
            FailureKind::BadOutput => "the plugin's answer was not used",
        };
        format!("{cause}; turn the plugin `{plugin_id}` off and tell its author")
    }
}

/// One failed call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn bad_output(message: impl Into<String>) -> Self {
        Failure::new(FailureKind::BadOutput, message)
    }

    /// The finding shown beside the document's others, attributed to `plugin_id`.
    pub fn to_diagnostic(&self, plugin_id: &str) -> Diagnostic {
        Diagnostic::error(
            self.kind.code(),
            format!("plugin `{plugin_id}`: {}", self.message),
        )
        .hint(self.kind.hint(plugin_id))
        .from_source(plugin_id)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.kind.code())
    }
}
