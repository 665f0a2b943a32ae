//! The sandbox's bounds. Every call gets the same ones, whatever the plugin asks for.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall time for one call (instantiation included). Enforced by epoch interruption, so a
    /// call is stopped at most one tick ([`crate::EPOCH_TICK`]) after this.
    pub deadline: Duration,
    /// Linear memory, summed over the component's memories.
    pub memory_bytes: usize,
    /// Findings one call may return.
    pub max_diagnostics: usize,
    /// Bytes of text (codes, messages, paths, hints) one call may return.
    pub max_output_bytes: usize,
    /// Bytes of log (the `log` import plus anything written to stdout and stderr) kept per
    /// call; the rest is dropped and the log says so.
    pub max_log_bytes: usize,
    /// Size of a plugin's `.wasm` file.
    pub max_wasm_bytes: u64,
    /// Size of a document handed to a plugin.
    pub max_document_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_millis(100),
            memory_bytes: 64 << 20,
            max_diagnostics: 1_000,
            max_output_bytes: 1 << 20,
            max_log_bytes: 16 << 10,
            max_wasm_bytes: 32 << 20,
            max_document_bytes: 8 << 20,
        }
    }
}
