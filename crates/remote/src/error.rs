//! Everything that can go wrong talking to a server, each with a stable code.
//!
//! Messages never carry a secret: no variant has a field that could hold one.

use std::path::PathBuf;

pub type Result<T, E = RemoteError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("could not find the server `{host}`: {reason}")]
    UnknownHost { host: String, reason: String },

    #[error("could not reach {host}:{port}: {reason}")]
    Unreachable {
        host: String,
        port: u16,
        reason: String,
    },

    #[error("{what} took longer than {seconds} s")]
    Timeout { what: &'static str, seconds: u64 },

    #[error("the SSH handshake with {host} failed: {reason}")]
    Handshake { host: String, reason: String },

    #[error("{host} is not known yet; its host key fingerprint is {fingerprint} ({key_type})")]
    HostKeyUnknown {
        host: String,
        fingerprint: String,
        key_type: String,
    },

    #[error(
        "the host key of {host} has changed: it was {expected}, it is now {actual} ({key_type})"
    )]
    HostKeyChanged {
        host: String,
        expected: String,
        actual: String,
        key_type: String,
    },

    #[error("{host} presented {actual}, not the fingerprint {given} you gave")]
    FingerprintMismatch {
        host: String,
        given: String,
        actual: String,
    },

    #[error(
        "`{given}` is not a fingerprint (they look like SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU)"
    )]
    BadFingerprint { given: String },

    #[error("the known-hosts file {path} is damaged at line {line}: {reason}")]
    KnownHostsDamaged {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    #[error("the server refused to let {user} sign in ({method})")]
    AuthFailed { user: String, method: &'static str },

    #[error("could not use the key file {path}: {reason}")]
    KeyUnreadable { path: PathBuf, reason: String },

    /// The account signs in but may not run commands (`nologin`, `false`).
    #[error("{user} signed in, but this account may not run commands on the server: {said}")]
    NoShell { user: String, said: String },

    /// Commands are written for a POSIX shell; fish or csh would misread them.
    #[error(
        "{user}'s login shell on the server is {shell}, which DeskMate Studio cannot drive: it needs a POSIX shell such as sh or bash"
    )]
    ShellUnsupported { user: String, shell: String },

    #[error("no ssh-agent is running, or it holds no key the server accepts: {reason}")]
    Agent { reason: String },

    #[error("the SSH connection failed: {reason}")]
    Protocol { reason: String },

    #[error("the operation was cancelled")]
    Cancelled,

    #[error("the server ended `{command}` without saying how it finished")]
    NoExitStatus { command: String },

    #[error("{what} failed on the server (exit {code}): {detail}")]
    RemoteFailed {
        what: String,
        code: i32,
        detail: String,
    },

    #[error("the copy of {path} does not match: {local_side} has {local}, the server has {remote}")]
    HashMismatch {
        path: String,
        local_side: &'static str,
        local: String,
        remote: String,
    },

    #[error("an argument for a remote command contains a NUL byte, which no shell can pass on")]
    Unquotable,

    #[error("could not use {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the secret store failed: {reason}")]
    Secrets { reason: String },

    /// A server action (an install, a backup, a restore) that cannot go on, with its own
    /// stable code: the message says what, the detail what to do.
    #[error("{message}")]
    Refused {
        code: &'static str,
        message: String,
        detail: String,
    },
}

impl RemoteError {
    /// The stable code, `ssh.reason` or `secret.reason`.
    pub fn code(&self) -> &'static str {
        use RemoteError::*;
        match self {
            UnknownHost { .. } => "ssh.unknown_host",
            Unreachable { .. } => "ssh.unreachable",
            Timeout { .. } => "ssh.timeout",
            Handshake { .. } => "ssh.handshake_failed",
            HostKeyUnknown { .. } => "ssh.host_key_unknown",
            HostKeyChanged { .. } => "ssh.host_key_changed",
            FingerprintMismatch { .. } => "ssh.fingerprint_mismatch",
            BadFingerprint { .. } => "ssh.bad_fingerprint",
            KnownHostsDamaged { .. } => "ssh.known_hosts_damaged",
            AuthFailed { .. } => "ssh.auth_failed",
            KeyUnreadable { .. } => "ssh.key_unreadable",
            NoShell { .. } => "ssh.no_shell",
            ShellUnsupported { .. } => "ssh.shell_unsupported",
            Agent { .. } => "ssh.agent_unavailable",
            Protocol { .. } => "ssh.protocol",
            Cancelled => "ssh.cancelled",
            NoExitStatus { .. } => "ssh.no_exit_status",
            RemoteFailed { .. } => "ssh.remote_failed",
            HashMismatch { .. } => "ssh.hash_mismatch",
            Unquotable => "ssh.unquotable_argument",
            Io { .. } => "ssh.local_io",
            Secrets { .. } => "secret.store_failed",
            Refused { code, .. } => code,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RemoteError::Io {
            path: path.into(),
            source,
        }
    }

    /// An error from libssh2 in the middle of an operation. A timeout keeps its own code,
    /// because "the server is slow or gone" is a different fix from "the protocol broke".
    pub(crate) fn ssh(what: &'static str, timeout_secs: u64, err: ssh2::Error) -> Self {
        if is_timeout(&err) {
            RemoteError::Timeout {
                what,
                seconds: timeout_secs,
            }
        } else {
            RemoteError::Protocol {
                reason: format!("{what}: {}", err.message()),
            }
        }
    }
}

/// LIBSSH2_ERROR_TIMEOUT: the server did not answer within the session's timeout.
pub(crate) fn is_timeout(err: &ssh2::Error) -> bool {
    err.code() == ssh2::ErrorCode::Session(-9)
}

impl From<crate::quote::QuoteError> for RemoteError {
    fn from(_: crate::quote::QuoteError) -> Self {
        RemoteError::Unquotable
    }
}
