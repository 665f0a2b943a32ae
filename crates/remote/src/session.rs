//! Opening an SSH session: connect, handshake, check the host key against the pins, sign in.
//!
//! The host key is checked before any credential is sent, so a password never reaches a
//! server that is not the pinned one. One [`Session`] serves a whole operation (a health
//! report runs several commands on it).

use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use ssh2::MethodType;

use crate::error::{RemoteError, Result, is_timeout};
use crate::known_hosts::{HostKey, KnownHosts, Verdict, parse_fingerprint};
use crate::login_shell;
use crate::secrets::Secret;

/// Which server, as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
}

/// How to sign in. Secrets arrive here from the store and go no further than libssh2.
#[derive(Debug, Clone)]
pub enum Credentials {
    Agent,
    Key {
        path: PathBuf,
        passphrase: Option<Secret>,
    },
    Password(Secret),
}

impl Credentials {
    fn method(&self) -> &'static str {
        match self {
            Credentials::Agent => "ssh-agent",
            Credentials::Key { .. } => "key file",
            Credentials::Password(_) => "password",
        }
    }
}

/// What to do about the server's host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Only a pinned key is accepted.
    PinnedOnly,
    /// A first contact is accepted, and pinned, if the key has this fingerprint. A changed
    /// key is still refused.
    TrustNew(String),
    /// The pin is replaced by a key with this fingerprint: the owner has checked that the
    /// server's key really changed (a reinstall, say).
    Replace(String),
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect and SSH handshake.
    pub connect: Duration,
    /// Signing in.
    pub auth: Duration,
    /// How long any single step may wait on the server once signed in.
    pub io: Duration,
    /// How often to send a keepalive while waiting on the server.
    pub keepalive: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            auth: Duration::from_secs(20),
            io: Duration::from_secs(60),
            keepalive: Duration::from_secs(15),
        }
    }
}

/// A signed-in SSH session.
pub struct Session {
    pub(crate) ssh: ssh2::Session,
    /// A second handle on the socket, for `poll(2)` while libssh2 would block.
    pub(crate) socket: TcpStream,
    pub(crate) timeouts: Timeouts,
    target: Target,
    host_key: HostKey,
    newly_pinned: bool,
}

impl Session {
    pub fn connect(
        target: &Target,
        credentials: &Credentials,
        known_hosts: &mut KnownHosts,
        policy: &HostKeyPolicy,
        timeouts: Timeouts,
    ) -> Result<Session> {
        let socket = tcp_connect(target, timeouts.connect)?;
        let mut ssh = ssh2::Session::new().map_err(|e| RemoteError::Protocol {
            reason: e.message().to_string(),
        })?;
        ssh.set_tcp_stream(socket.try_clone().map_err(|e| unreachable(target, e))?);
        ssh.set_timeout(millis(timeouts.connect));
        prefer_pinned_key_types(&ssh, &known_hosts.pinned_types(&target.host, target.port))?;
        ssh.handshake().map_err(|e| {
            if is_timeout(&e) {
                RemoteError::Timeout {
                    what: "the SSH handshake",
                    seconds: timeouts.connect.as_secs(),
                }
            } else {
                RemoteError::Handshake {
                    host: target.host.clone(),
                    reason: e.message().to_string(),
                }
            }
        })?;
        let host_key = ssh
            .host_key()
            .map(|(blob, _)| HostKey::new(blob))
            .ok_or_else(|| RemoteError::Protocol {
                reason: "the server sent no host key".into(),
            })?;
        let newly_pinned = check_host_key(target, &host_key, known_hosts, policy)?;

        ssh.set_timeout(millis(timeouts.auth));
        authenticate(&ssh, target, credentials, timeouts.auth)?;
        ssh.set_timeout(millis(timeouts.io));
        login_shell::check(&ssh, &target.user)?;
        ssh.set_keepalive(true, timeouts.keepalive.as_secs().max(1) as u32);
        tracing::info!(
            host = %target.host, port = target.port, user = %target.user,
            auth = credentials.method(), host_key = %host_key.fingerprint(),
            "signed in"
        );
        Ok(Session {
            ssh,
            socket,
            timeouts,
            target: target.clone(),
            host_key,
            newly_pinned,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn host_key_fingerprint(&self) -> String {
        self.host_key.fingerprint()
    }

    /// True when this connection pinned the server's key (a first contact or a replacement).
    pub fn newly_pinned(&self) -> bool {
        self.newly_pinned
    }

    /// Sends a keepalive if one is due. Called by every loop that waits on the server, so
    /// keepalives go out while a long command runs, not only between commands.
    pub(crate) fn keepalive(&self) -> Result<()> {
        self.ssh
            .keepalive_send()
            .map(|_| ())
            .or_else(|e| if is_would_block(&e) { Ok(()) } else { Err(e) })
            .map_err(|e| RemoteError::Protocol {
                reason: format!("keepalive: {}", e.message()),
            })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.ssh.set_blocking(true);
        self.ssh.set_timeout(1000);
        let _ = self.ssh.disconnect(None, "done", None);
    }
}

fn tcp_connect(target: &Target, timeout: Duration) -> Result<TcpStream> {
    let addresses: Vec<_> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| RemoteError::UnknownHost {
            host: target.host.clone(),
            reason: e.to_string(),
        })?
        .collect();
    let mut last = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(socket) => {
                let _ = socket.set_nodelay(true);
                return Ok(socket);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => RemoteError::Timeout {
            what: "connecting",
            seconds: timeout.as_secs(),
        },
        Some(e) => unreachable(target, e),
        None => RemoteError::UnknownHost {
            host: target.host.clone(),
            reason: "the name has no address".into(),
        },
    })
}

fn unreachable(target: &Target, err: std::io::Error) -> RemoteError {
    RemoteError::Unreachable {
        host: target.host.clone(),
        port: target.port,
        reason: err.to_string(),
    }
}

/// Asks for the pinned key types first, then libssh2's usual ones.
fn prefer_pinned_key_types(ssh: &ssh2::Session, pinned: &[String]) -> Result<()> {
    if pinned.is_empty() {
        return Ok(());
    }
    let mut methods: Vec<&str> = Vec::new();
    for key_type in pinned {
        match key_type.as_str() {
            // An RSA key signs with SHA-2 today; `ssh-rsa` is only the key's name.
            "ssh-rsa" => methods.extend(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]),
            other => methods.push(other),
        }
    }
    let supported = ssh
        .supported_algs(MethodType::HostKey)
        .map_err(|e| RemoteError::Protocol {
            reason: e.message().to_string(),
        })?;
    methods.retain(|m| supported.contains(m));
    for m in &supported {
        if !methods.contains(m) {
            methods.push(m);
        }
    }
    ssh.method_pref(MethodType::HostKey, &methods.join(","))
        .map_err(|e| RemoteError::Protocol {
            reason: e.message().to_string(),
        })
}

/// Applies the policy; returns true when it pinned the key.
fn check_host_key(
    target: &Target,
    key: &HostKey,
    known_hosts: &mut KnownHosts,
    policy: &HostKeyPolicy,
) -> Result<bool> {
    let actual = key.fingerprint();
    let key_type = key.key_type().unwrap_or("unknown").to_string();
    let verdict = known_hosts.verdict(&target.host, target.port, key);
    let accept = |given: &str| -> Result<()> {
        if parse_fingerprint(given)? == actual {
            Ok(())
        } else {
            Err(RemoteError::FingerprintMismatch {
                host: target.host.clone(),
                given: given.to_string(),
                actual: actual.clone(),
            })
        }
    };
    match (verdict, policy) {
        (Verdict::Trusted, _) => Ok(false),
        (Verdict::Unknown, HostKeyPolicy::TrustNew(given) | HostKeyPolicy::Replace(given)) => {
            accept(given)?;
            known_hosts.pin(&target.host, target.port, key)?;
            tracing::info!(host = %target.host, port = target.port, fingerprint = %actual, "host key pinned on first contact");
            Ok(true)
        }
        (Verdict::Unknown, HostKeyPolicy::PinnedOnly) => Err(RemoteError::HostKeyUnknown {
            host: target.host.clone(),
            fingerprint: actual,
            key_type,
        }),
        (Verdict::Changed { .. }, HostKeyPolicy::Replace(given)) => {
            accept(given)?;
            known_hosts.pin(&target.host, target.port, key)?;
            tracing::warn!(host = %target.host, port = target.port, fingerprint = %actual, "host key pin replaced by the owner");
            Ok(true)
        }
        (Verdict::Changed { pinned }, _) => {
            tracing::warn!(host = %target.host, port = target.port, presented = %actual, "host key changed; connection refused");
            Err(RemoteError::HostKeyChanged {
                host: target.host.clone(),
                expected: pinned.join(", "),
                actual,
                key_type,
            })
        }
    }
}

fn authenticate(
    ssh: &ssh2::Session,
    target: &Target,
    credentials: &Credentials,
    timeout: Duration,
) -> Result<()> {
    let user = target.user.as_str();
    let result = match credentials {
        Credentials::Agent => ssh.userauth_agent(user),
        Credentials::Key { path, passphrase } => {
            ssh.userauth_pubkey_file(user, None, path, passphrase.as_ref().map(Secret::expose))
        }
        Credentials::Password(password) => ssh.userauth_password(user, password.expose()),
    };
    match result {
        Ok(()) if ssh.authenticated() => Ok(()),
        Ok(()) => Err(auth_failed(target, credentials)),
        Err(e) if is_timeout(&e) => Err(RemoteError::Timeout {
            what: "signing in",
            seconds: timeout.as_secs(),
        }),
        Err(e) if is_auth_refusal(&e) => Err(auth_failed(target, credentials)),
        Err(e) => Err(match credentials {
            Credentials::Key { path, .. } => RemoteError::KeyUnreadable {
                path: path.clone(),
                reason: key_file_reason(&e),
            },
            Credentials::Agent => RemoteError::Agent {
                reason: "could not talk to the agent (is SSH_AUTH_SOCK set?)".into(),
            },
            Credentials::Password(_) => RemoteError::Protocol {
                reason: e.message().to_string(),
            },
        }),
    }
}

fn auth_failed(target: &Target, credentials: &Credentials) -> RemoteError {
    RemoteError::AuthFailed {
        user: target.user.clone(),
        method: credentials.method(),
    }
}

fn key_file_reason(err: &ssh2::Error) -> String {
    // LIBSSH2_ERROR_FILE: the file is missing, unreadable, or the passphrase is wrong.
    if err.code() == ssh2::ErrorCode::Session(-16) {
        "it is missing, not a private key, or its passphrase is wrong".into()
    } else {
        err.message().to_string()
    }
}

/// LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED.
fn is_auth_refusal(err: &ssh2::Error) -> bool {
    matches!(err.code(), ssh2::ErrorCode::Session(-18 | -19))
}

/// LIBSSH2_ERROR_TIMEOUT.
/// LIBSSH2_ERROR_EAGAIN: in non-blocking mode, "not now".
pub(crate) fn is_would_block(err: &ssh2::Error) -> bool {
    err.code() == ssh2::ErrorCode::Session(-37)
}

pub(crate) fn millis(d: Duration) -> u32 {
    d.as_millis().min(u32::MAX as u128) as u32
}
