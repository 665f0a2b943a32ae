//! The owner's servers: profiles, trust, preflight, health and its history.
//!
//! A profile is saved only once the server has been reached and has let the owner sign in,
//! so a saved profile is known to work. Its password or passphrase goes to the secret store
//! ([`SecretStore`]): the keychain, or a 0600 file where there is none.

use std::path::PathBuf;

use deskmate_library::{
    Auth, DEFAULT_BACKEND_PORT, DEFAULT_STACK_DIR, HealthRun, Server, ServerProfile,
};
use deskmate_remote::{
    Credentials, HealthOptions, HealthReport, HostKeyPolicy, KnownHosts, Preflight, RemoteError,
    Secret, SecretStore, Session, Target, Timeouts, health, preflight,
};
use serde::Serialize;

use crate::DataDir;
use crate::busy::Busy;
use crate::error::{Action, ApiError, library_error};
use crate::shared_library::SharedLibrary;

mod alerts;
mod backup;
mod config;
mod download;
mod heal;
pub mod home;
mod install;
mod interrupted;
mod lock;
mod logs;
mod maintain;
mod offsite;
mod opened;
mod pictures;
mod publish;
mod recover;
mod release;
mod rollback;
pub use alerts::{AlertsChange, AlertsReport, WatchReport};
pub use backup::{BackupOutcome, RestoreOptions, RestoreReport, ScheduleReport};
pub use config::{ConfigChange, ConfigEntry, config_is_secret};
pub use deskmate_logs::{ErrorGroup, Level as LogLevel, LogLine, RouteStats, Stream as LogStream};
pub use deskmate_remote::backup::{Backup, BackupReport, Part, VerifyReport};
pub use deskmate_remote::logs::LogQuery;
pub use deskmate_remote::maintain::MaintainStep;
pub use deskmate_remote::ops::Event as OperationEvent;
pub use deskmate_remote::ops::audit::AuditLine;
pub use deskmate_remote::ops::offsite::OffsiteHostKey;
pub use deskmate_remote::publish::{Publication, Published};
pub use deskmate_remote::releases::ReleaseEntry;
pub use deskmate_remote::watch::{HealthSample, WatchCheck, WatchEvent, WatchLevel};
pub use deskmate_stack::backup::Retention;
pub use deskmate_stack::watch::AlertSettings;
pub use download::DownloadReport;
pub use heal::HealReport;
pub use install::{InstallOptions, InstallReport, TlsChoice, read_release_file};
pub use interrupted::{
    Answering, Interrupted, Liveness, Recovery, RunSeen, StepSeen, Versions, Way, WayKind, WayRuns,
};
pub use lock::{HeldLock, LOCKED};
pub use logs::{LogFilter, LogReport};
pub use maintain::MaintainReport;
pub use offsite::{TargetReport, TargetRequest};
pub use pictures::Shown;
pub use publish::versioned_plan;
pub use recover::Recovered;
pub use release::{DeployOptions, DeployReport, holder};

/// How the owner signs in, with the secret when there is one.
#[derive(Debug, Clone)]
pub enum SignIn {
    Agent,
    Key {
        path: PathBuf,
        passphrase: Option<Secret>,
    },
    Password(Secret),
}

/// What `server add` takes.
#[derive(Debug, Clone)]
pub struct NewServer {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub sign_in: SignIn,
    pub stack_dir: Option<String>,
    pub domain: Option<String>,
    pub backend_port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AddReport {
    pub server: ServerProfile,
    pub host_key: String,
    /// True when this add pinned the host key (a first contact).
    pub newly_trusted: bool,
    /// "keychain" or "file".
    pub secret_store: &'static str,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ServerList {
    pub servers: Vec<ServerProfile>,
    pub secret_store: &'static str,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TrustReport {
    pub server: String,
    pub host_key: String,
    pub replaced: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct CheckReport {
    pub server: String,
    #[serde(flatten)]
    pub preflight: Preflight,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HealthOutcome {
    pub server: String,
    /// Unix seconds.
    pub checked_at: i64,
    #[serde(flatten)]
    pub report: HealthReport,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct HistoryEntry {
    pub checked_at: i64,
    pub overall: String,
    pub elapsed_ms: i64,
    pub report: serde_json::Value,
}

pub struct Servers {
    library: SharedLibrary,
    secrets: SecretStore,
    known_hosts: PathBuf,
    /// Pictures of what was last published (see `pictures`).
    published: PathBuf,
    timeouts: Timeouts,
    busy: Busy,
}

impl Servers {
    pub fn open(data: &DataDir) -> Result<Servers, ApiError> {
        Ok(Servers::on(SharedLibrary::open(data)?, data))
    }

    /// Servers in a library the rest of the app shares.
    pub fn on(library: SharedLibrary, data: &DataDir) -> Servers {
        Servers {
            library,
            secrets: SecretStore::open(data.secrets_file()),
            known_hosts: data.known_hosts(),
            published: data.root().join("published"),
            timeouts: Timeouts::default(),
            busy: Busy::default(),
        }
    }

    /// Reaches the server, checks its host key against `host_key` (a first contact needs
    /// `TrustNew`; a server reinstalled since its key was pinned needs `Replace`), signs in,
    /// and only then saves the profile and its secret.
    pub fn add(&self, new: NewServer, host_key: HostKeyPolicy) -> Result<AddReport, ApiError> {
        if self.library.lock().server(&new.name).is_ok() {
            return Err(library_error(
                deskmate_library::LibraryError::ServerExists { name: new.name },
            ));
        }
        let (auth, credentials) = match &new.sign_in {
            SignIn::Agent => (Auth::Agent, Credentials::Agent),
            SignIn::Key { path, passphrase } => (
                Auth::Key {
                    path: path.to_string_lossy().into_owned(),
                },
                Credentials::Key {
                    path: path.clone(),
                    passphrase: passphrase.clone(),
                },
            ),
            SignIn::Password(password) => (Auth::Password, Credentials::Password(password.clone())),
        };
        let server = Server {
            name: new.name.clone(),
            host: new.host,
            port: new.port,
            user: new.user,
            auth,
            stack_dir: new
                .stack_dir
                .unwrap_or_else(|| DEFAULT_STACK_DIR.to_string()),
            domain: new.domain,
            backend_port: new.backend_port.unwrap_or(DEFAULT_BACKEND_PORT),
        };
        // Checked before connecting: a profile that cannot be saved must not pin a key.
        deskmate_library::check_server(&server).map_err(library_error)?;
        let session = self
            .connect(&server, &credentials, &host_key)
            .map_err(hint_for_adding)?;

        let secret = match &new.sign_in {
            SignIn::Password(password) => Some((password_key(&server.name), password)),
            SignIn::Key {
                passphrase: Some(p),
                ..
            } => Some((passphrase_key(&server.name), p)),
            _ => None,
        };
        if let Some((key, value)) = &secret {
            self.secrets
                .set(key, value)
                .map_err(|e| remote_error(e, &server.name))?;
        }
        let saved = self.library.lock().add_server(&server).map_err(|e| {
            if let Some((key, _)) = &secret {
                let _ = self.secrets.delete(key);
            }
            library_error(e)
        })?;
        Ok(AddReport {
            server: saved,
            host_key: session.host_key_fingerprint(),
            newly_trusted: session.newly_pinned(),
            secret_store: self.secrets.kind(),
        })
    }

    pub fn list(&self) -> Result<ServerList, ApiError> {
        Ok(ServerList {
            servers: self.library.lock().servers().map_err(library_error)?,
            secret_store: self.secrets.kind(),
        })
    }

    /// Forgets the profile, its secrets and its history. The host key stays pinned, as in
    /// `~/.ssh/known_hosts`: another profile may use the same server.
    pub fn remove(&self, name: &str) -> Result<ServerProfile, ApiError> {
        let removed = self
            .library
            .lock()
            .remove_server(name)
            .map_err(library_error)?;
        for key in [password_key(name), passphrase_key(name)] {
            self.secrets
                .delete(&key)
                .map_err(|e| remote_error(e, name))?;
        }
        Ok(removed)
    }

    /// Pins the key the server presents now, if it has `fingerprint`: how an owner accepts
    /// a key that changed for a known reason (a reinstall).
    pub fn trust(&self, name: &str, fingerprint: &str) -> Result<TrustReport, ApiError> {
        let _claim = self.busy.claim(name, "a host key check")?;
        let profile = self.profile(name)?;
        let credentials = self.credentials(&profile.server)?;
        let session = self.connect(
            &profile.server,
            &credentials,
            &HostKeyPolicy::Replace(fingerprint.to_string()),
        )?;
        Ok(TrustReport {
            server: name.to_string(),
            host_key: session.host_key_fingerprint(),
            replaced: session.newly_pinned(),
        })
    }

    pub fn check(&self, name: &str) -> Result<CheckReport, ApiError> {
        let _claim = self.busy.claim(name, "a readiness check")?;
        let (server, session) = self.open_session(name)?;
        let report =
            preflight::run(&session, &server.stack_dir).map_err(|e| remote_error(e, name))?;
        Ok(CheckReport {
            server: name.to_string(),
            preflight: report,
        })
    }

    /// Runs the health report and adds it to the server's history.
    pub fn health(&self, name: &str) -> Result<HealthOutcome, ApiError> {
        let _claim = self.busy.claim(name, "a health check")?;
        let server = self.profile(name)?.server;
        let session = self.connect(
            &server,
            &self.credentials(&server)?,
            &HostKeyPolicy::PinnedOnly,
        )?;
        let installed = self
            .library
            .lock()
            .install(name, "production")
            .map_err(library_error)?;
        let options = HealthOptions {
            stack_dir: server.stack_dir.clone(),
            domain: server.domain.clone(),
            backend_port: server.backend_port,
            proxy: installed.map(probe_of),
            extra_root: None,
            tls_timeout: self.timeouts.connect,
        };
        let report = health::run(&session, &options).map_err(|e| remote_error(e, name))?;
        let outcome = HealthOutcome {
            server: name.to_string(),
            checked_at: now(),
            report,
        };
        let run = HealthRun {
            checked_at: outcome.checked_at,
            overall: outcome.report.overall.as_str().to_string(),
            elapsed_ms: outcome.report.elapsed_ms as i64,
            report: serde_json::to_string(&outcome.report).expect("reports serialize"),
        };
        self.library
            .lock()
            .record_health(name, &run)
            .map_err(library_error)?;
        Ok(outcome)
    }

    /// The newest `limit` health reports, newest first.
    pub fn history(&self, name: &str, limit: u32) -> Result<Vec<HistoryEntry>, ApiError> {
        let runs = self
            .library
            .lock()
            .health_history(name, limit)
            .map_err(library_error)?;
        Ok(runs
            .into_iter()
            .map(|run| HistoryEntry {
                checked_at: run.checked_at,
                overall: run.overall,
                elapsed_ms: run.elapsed_ms,
                report: serde_json::from_str(&run.report).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }

    /// A session on a saved server, whose key must already be pinned.
    fn open_session(&self, name: &str) -> Result<(Server, Session), ApiError> {
        let server = self.profile(name)?.server;
        let session = self.connect(
            &server,
            &self.credentials(&server)?,
            &HostKeyPolicy::PinnedOnly,
        )?;
        Ok((server, session))
    }

    fn profile(&self, name: &str) -> Result<ServerProfile, ApiError> {
        self.library.lock().server(name).map_err(library_error)
    }

    fn credentials(&self, server: &Server) -> Result<Credentials, ApiError> {
        let secret = |key: String| {
            self.secrets
                .get(&key)
                .map_err(|e| remote_error(e, &server.name))
        };
        Ok(match &server.auth {
            Auth::Agent => Credentials::Agent,
            Auth::Key { path } => Credentials::Key {
                path: PathBuf::from(path),
                passphrase: secret(passphrase_key(&server.name))?,
            },
            Auth::Password => {
                Credentials::Password(secret(password_key(&server.name))?.ok_or_else(|| {
                    ApiError::new(
                        "secret.missing",
                        format!(
                            "the password for `{}` is not in the {} any more",
                            server.name,
                            self.secrets.kind()
                        ),
                        "remove the server and add it again with its password",
                    )
                    .with_action(Action::RemoveServer)
                    .with_detail("server", &server.name)
                })?)
            }
        })
    }

    fn connect(
        &self,
        server: &Server,
        credentials: &Credentials,
        policy: &HostKeyPolicy,
    ) -> Result<Session, ApiError> {
        let mut pins =
            KnownHosts::load(&self.known_hosts).map_err(|e| remote_error(e, &server.name))?;
        let target = Target {
            host: server.host.clone(),
            port: server.port,
            user: server.user.clone(),
        };
        Session::connect(&target, credentials, &mut pins, policy, self.timeouts)
            .map_err(|e| remote_error(e, &server.name))
    }
}

/// The policy for `add`, from the owner's two answers: a fingerprint to trust on first
/// contact, or one to replace a changed pin with (which wins, as it also covers a first
/// contact).
pub fn host_key_policy(trust: Option<String>, replace: Option<String>) -> HostKeyPolicy {
    match (trust, replace) {
        (_, Some(fingerprint)) => HostKeyPolicy::Replace(fingerprint),
        (Some(fingerprint), None) => HostKeyPolicy::TrustNew(fingerprint),
        (None, None) => HostKeyPolicy::PinnedOnly,
    }
}

/// While adding, there is no saved server for `server trust` to name: a changed key is
/// replaced by adding again with the new key.
fn hint_for_adding(err: ApiError) -> ApiError {
    if err.code == "ssh.host_key_changed" {
        err.with_action(Action::ReplaceKeyWhileAdding)
    } else {
        err
    }
}

fn password_key(name: &str) -> String {
    format!("server/{name}/password")
}

fn passphrase_key(name: &str) -> String {
    format!("server/{name}/passphrase")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Where an owner finds the real fingerprint of their server's key.
const CHECK_KEY: &str = "on the server, `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it; your hosting provider's console shows it too";

fn changed_key_hint(actual: &str) -> String {
    format!(
        "this happens when a server is reinstalled, or when someone is intercepting the connection. Do not continue until you know which: compare {actual} with the server's real fingerprint ({CHECK_KEY}); only if they match, trust the new key"
    )
}

/// Remote errors with a hint for a non-technical owner. `name` is the profile, for the
/// commands the hint suggests.
fn remote_error(err: RemoteError, name: &str) -> ApiError {
    use RemoteError::*;
    let hint = match &err {
        UnknownHost { .. } => "check the host name for typos, and that this computer is online".to_string(),
        Unreachable { .. } => "check the address and port, that the server is running, and that a firewall lets SSH through".to_string(),
        Timeout { .. } => "the server is slow or unreachable; check its address and your connection, then try again".to_string(),
        Handshake { .. } | Protocol { .. } => "check that the address and port are the server's SSH service, then try again".to_string(),
        HostKeyUnknown { fingerprint, .. } => format!(
            "make sure this is your server before trusting it: compare {fingerprint} with its real fingerprint ({CHECK_KEY}); only if they match, trust it"
        ),
        HostKeyChanged { actual, .. } => changed_key_hint(actual),
        FingerprintMismatch { .. } => format!("the server is not the one you checked; do not trust it until you know why ({CHECK_KEY})"),
        BadFingerprint { .. } => "copy the whole fingerprint, starting with SHA256:".to_string(),
        KnownHostsDamaged { path, .. } => format!("fix or delete that line of {}; the app will ask to trust the server again", path.display()),
        AuthFailed { .. } => "check the user name, and the password or key; the server's own log says more".to_string(),
        KeyUnreadable { .. } => "check the key file's path, and give its passphrase if it has one".to_string(),
        Agent { .. } => "start ssh-agent and add your key with `ssh-add`, or sign in with a key file".to_string(),
        NoShell { user, .. } => format!("sign in as another user, or ask your hosting provider to give {user} a shell such as /bin/bash"),
        ShellUnsupported { user, .. } => format!("on the server, `sudo chsh -s /bin/bash {user}` makes bash the login shell; or sign in as another user"),
        Cancelled => "start it again when you are ready".to_string(),
        NoExitStatus { .. } | RemoteFailed { .. } | HashMismatch { .. } => "try again; if it keeps failing, check the server's disk and logs".to_string(),
        Unquotable => "remove the unusual character from the value".to_string(),
        Io { .. } => "check that the data folder is writable and the disk is not full".to_string(),
        Secrets { .. } => "unlock your keychain, or set DESKMATE_SECRETS=file to keep secrets in a private file in the data folder".to_string(),
        Refused { detail, .. } => detail.clone(),
    };
    let mut api = ApiError::new(err.code(), err.to_string(), hint);
    match &err {
        HostKeyUnknown {
            fingerprint,
            key_type,
            host,
        } => {
            api = api
                .with_action(Action::TrustNewKey)
                .with_detail("fingerprint", fingerprint)
                .with_detail("key_type", key_type)
                .with_detail("host", host);
        }
        HostKeyChanged {
            expected, actual, ..
        } => {
            api = api
                .with_action(Action::TrustChangedKey)
                .with_detail("server", name)
                .with_detail("expected", expected)
                .with_detail("actual", actual);
        }
        KeyUnreadable { .. } => api = api.with_action(Action::GivePassphrase),
        _ => {}
    }
    api
}

/// An operation that stopped: the remote error with its hint, led by the state the server
/// is in (what was put back, or what is left part-way), and the step it stopped at; a lock
/// held by someone else offers to clear it.
fn stopped_error(
    stopped: Box<deskmate_remote::ops::Stopped>,
    name: &str,
    environment: deskmate_stack::Environment,
) -> ApiError {
    let step = stopped.step;
    let state = stopped.state.clone();
    let mut err = remote_error(stopped.error, name);
    err.hint = format!("{state} {}", err.hint);
    lock::offer_to_clear(err.with_detail("step", step), name, environment)
}

/// How the proxy of an install the library recorded is reached from the server itself.
fn probe_of(installed: deskmate_library::Install) -> deskmate_remote::health::ProxyProbe {
    deskmate_remote::health::ProxyProbe {
        port: installed.proxy_port,
        https: installed.proxy_https,
        host: installed.proxy_host,
    }
}

impl Servers {
    /// The proxy of `name`'s `environment` install, as the library recorded it.
    pub(crate) fn proxy_probe(
        &self,
        name: &str,
        environment: deskmate_stack::Environment,
    ) -> Result<deskmate_remote::health::ProxyProbe, ApiError> {
        self.library
            .lock()
            .install(name, environment.name())
            .map_err(library_error)?
            .map(probe_of)
            .ok_or_else(|| {
                ApiError::new(
                    "release.not_installed",
                    format!("{name} has no {} install recorded here", environment.name()),
                    "install DeskMate on it first (or check it, which records an install made elsewhere)",
                )
            })
    }
}
