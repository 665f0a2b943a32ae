//! `server install`: the release file and the owner's answers, made into the stack's files
//! (`deskmate-stack`) and put on the server (`deskmate-remote`'s install steps).
//!
//! The stack's secrets (database password, app keys) are made once, with a CSPRNG, and then
//! kept: a second install reads them back from the server's own 0600 env files (over the SSH
//! channel, never on a command line), or from the keychain, so re-running never changes a
//! password under a running database. They go to the keychain as the owner's copy.

use std::path::PathBuf;
use std::time::Duration;

use deskmate_library::Install;
use deskmate_remote::Runner;
use deskmate_remote::facts::{Compose, compose_of};
use deskmate_remote::ops::Event;
use deskmate_remote::ops::install::{self as operation, Installing};
use deskmate_remote::ops::install::{InstallSpec, LocalArchive, ProxyProbe, SpecFile, WantedImage};
use deskmate_remote::ops::{PlannedStep, StepReport};
use deskmate_remote::{Cancel, Secret, Session, facts, packages, secrets};
use deskmate_stack::{Environment, ProxyKind, Release, Secrets, Stack, Tls, release};
use serde::Serialize;

mod on_server;
mod release_file;

use on_server::{before_plan, read_server_secrets};
pub(super) use on_server::{read_data_volumes, read_env};
use release_file::read_pem;
pub(super) use release_file::read_release;
pub use release_file::read_release_file;

use super::{Servers, holder, now, remote_error, stopped_error};
use crate::error::{ApiError, library_error};

/// What the owner chose for this install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub release_file: PathBuf,
    pub environment: Environment,
    /// Overrides the profile's domain.
    pub domain: Option<String>,
    pub email: Option<String>,
    pub tls: TlsChoice,
    /// Caddy (the default) or nginx + certbot.
    pub proxy: ProxyKind,
    /// An ACME directory other than Let's Encrypt's (a company's own, pebble in tests), and
    /// a certificate file (PEM) on this computer to trust for its HTTPS.
    pub acme_ca: Option<String>,
    pub acme_ca_root: Option<PathBuf>,
    pub http_port: u16,
    pub https_port: u16,
    /// Show the plan and change nothing.
    pub plan_only: bool,
    pub health_timeout: Duration,
    /// Where the host's own files go; empty (the server's `/`) but in tests.
    pub host_root: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsChoice {
    Acme,
    Internal,
    None,
}

impl InstallOptions {
    pub fn new(release_file: PathBuf) -> InstallOptions {
        InstallOptions {
            release_file,
            environment: Environment::Production,
            domain: None,
            email: None,
            tls: TlsChoice::Acme,
            proxy: ProxyKind::Caddy,
            acme_ca: None,
            acme_ca_root: None,
            http_port: 80,
            https_port: 443,
            plan_only: false,
            health_timeout: Duration::from_secs(180),
            host_root: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct InstallReport {
    pub server: String,
    pub environment: &'static str,
    pub version: String,
    pub source: String,
    /// Where DeskMate answers once installed.
    pub address: String,
    pub plan: Vec<PlannedStep>,
    /// True when only the plan was made.
    pub planned_only: bool,
    /// False when the server already had exactly this install.
    pub changed: bool,
    pub steps: Vec<StepReport>,
    pub elapsed_ms: u64,
}

/// The largest release file read.
const RELEASE_LIMIT: u64 = release::MAX_RELEASE_BYTES as u64;
const SECRET_LEN: usize = 32;

impl Servers {
    /// Plans, then (unless `plan_only`) installs DeskMate on the saved server `name`.
    pub fn install(
        &self,
        name: &str,
        options: &InstallOptions,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<InstallReport, ApiError> {
        let (release, archives, release_bytes) = read_release(&options.release_file)?;
        let _claim = self.busy.claim(name, "an install")?;
        let (server, session) = self.open_session(name)?;
        let fail = |e| remote_error(e, name);
        let facts = facts::gather(&session, &server.stack_dir).map_err(fail)?;
        // Docker missing where it can be installed from the distribution's packages: that
        // becomes the plan's first step. The files are planned for Debian's compose until
        // Docker is there, then made again for the compose it brought.
        let docker_step = packages::planned(&facts);
        // restic, for the backups, where it is missing and apt may be used.
        let restic_step = packages::planned_restic(&facts);
        let compose = match &docker_step {
            Some(_) => Compose::V1,
            None => compose_of(&facts).map_err(fail)?,
        };
        let answers = Answers::of(options, server.domain.clone())?;
        let dir = stack_dir(&server.stack_dir, options.environment);
        let base = self.base_stack(name, &session, &server, &dir, &answers, &release, options)?;
        let stack = |compose: &Compose| Stack {
            compose_command: compose.command(),
            ..base.clone()
        };
        let spec_for = |stack: &Stack| {
            let mut spec =
                release_spec(stack, &answers, &release_bytes, archives.clone(), options)?;
            with_watchdog(&mut spec, &server.user);
            Ok::<_, ApiError>(spec)
        };
        let planned = stack(&compose);
        let mut spec = spec_for(&planned)?;
        let mut plan = operation::plan(&spec, &compose, Vec::new()).titles();
        plan.splice(
            0..0,
            docker_step.clone().into_iter().chain(restic_step.clone()),
        );
        let mut report = InstallReport {
            server: name.to_string(),
            environment: options.environment.name(),
            version: release.version.clone(),
            source: release.source.clone(),
            address: planned.address(&server.host),
            plan,
            planned_only: options.plan_only,
            changed: false,
            steps: Vec::new(),
            elapsed_ms: 0,
        };
        if options.plan_only {
            return Ok(report);
        }
        let (session, compose, mut earlier) = match docker_step {
            None => (session, compose, Vec::new()),
            Some(step) => {
                let done = before_plan(on_event, &step, || packages::run(&session, &step, cancel))
                    .map_err(fail)?;
                // A new login: membership of the docker group only applies to new sessions.
                drop(session);
                let (_, session) = self.open_session(name)?;
                let facts = facts::gather(&session, &server.stack_dir).map_err(fail)?;
                if facts.get("docker.client").is_none() {
                    return Err(fail(deskmate_remote::RemoteError::Refused {
                        code: "install.docker_setup_failed",
                        message: "Docker was installed, but the docker command is still not found."
                            .into(),
                        detail: format!(
                            "apt-get finished ({}), yet `docker` is not on this account's PATH. Sign in with ssh and run `command -v docker`; then run the install again.",
                            done.detail
                        ),
                    }));
                }
                let compose = compose_of(&facts).map_err(fail)?;
                spec = spec_for(&stack(&compose))?;
                (session, compose, vec![done])
            }
        };
        if let Some(step) = restic_step {
            let done = before_plan(on_event, &step, || {
                packages::run_restic(&session, &step, cancel)
            })
            .map_err(fail)?;
            earlier.push(done);
        }
        let installed = Runner::new(&session, cancel, holder(), on_event)
            .run(
                operation::plan(&spec, &compose, earlier),
                &mut Installing::default(),
            )
            .map_err(|stopped| stopped_error(stopped, name, options.environment))?;
        self.record_release(name, options.environment, &release, &spec.proxy)?;
        report.changed = installed.changed();
        report.steps = installed.steps;
        report.elapsed_ms = installed.elapsed_ms;
        Ok(report)
    }

    /// The stack's secrets: the server's own (when installed before), else the keychain's,
    /// else new ones. New or not, the keychain keeps a copy (not while only planning).
    fn stack_secrets(
        &self,
        name: &str,
        session: &Session,
        dir: &str,
        environment: Environment,
        plan_only: bool,
    ) -> Result<Secrets, ApiError> {
        let fail = |e| remote_error(e, name);
        let on_server = read_server_secrets(session, dir).map_err(fail)?;
        let key = |what: &str| format!("server/{name}/stack/{}/{what}", environment.name());
        let mut values = Vec::new();
        for (what, found) in [
            ("postgres_password", on_server.postgres_password),
            ("secret_key", on_server.secret_key),
            ("jwt_secret", on_server.jwt_secret),
        ] {
            let value = match found {
                Some(value) => Secret::new(value),
                None => match self.secrets.get(&key(what)).map_err(fail)? {
                    Some(kept) => kept,
                    None => secrets::generate(SECRET_LEN),
                },
            };
            if !plan_only {
                self.secrets.set(&key(what), &value).map_err(fail)?;
            }
            values.push(value.expose().to_string());
        }
        let [postgres_password, secret_key, jwt_secret] =
            <[String; 3]>::try_from(values).expect("three secrets");
        Ok(Secrets {
            postgres_password,
            secret_key,
            jwt_secret,
        })
    }
}

/// Production lives in the profile's stack folder; staging beside it.
pub(super) fn stack_dir(base: &str, environment: Environment) -> String {
    match environment {
        Environment::Production => base.to_string(),
        Environment::Staging => format!("{}-staging", base.trim_end_matches('/')),
    }
}

impl Servers {
    /// The library's record of what serves now, and how the proxy is reached, after an
    /// install or an update.
    pub(super) fn record_release(
        &self,
        name: &str,
        environment: Environment,
        release: &Release,
        proxy: &ProxyProbe,
    ) -> Result<(), ApiError> {
        self.library
            .lock()
            .record_install(
                name,
                &Install {
                    environment: environment.name().to_string(),
                    version: release.version.clone(),
                    source: release.source.clone(),
                    installed_at: now(),
                    proxy_port: proxy.port,
                    proxy_https: proxy.https,
                    proxy_host: proxy.host.clone(),
                },
            )
            .map_err(library_error)
    }
}

/// What the owner answered at install, kept on the server (`shared/install.json`, no
/// secrets) so that an update builds the new release's files the same way.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct Answers {
    pub domain: Option<String>,
    pub email: Option<String>,
    /// acme, internal or none.
    pub tls: String,
    pub acme_ca: Option<String>,
    pub acme_ca_root_pem: Option<String>,
    /// caddy or nginx.
    pub proxy: String,
    pub http_port: u16,
    pub https_port: u16,
}

/// Where the answers are kept on the server.
pub(super) const ANSWERS_FILE: &str = "shared/install.json";

impl Answers {
    fn of(options: &InstallOptions, profile_domain: Option<String>) -> Result<Answers, ApiError> {
        Ok(Answers {
            domain: options.domain.clone().or(profile_domain),
            email: options.email.clone(),
            tls: match options.tls {
                TlsChoice::Acme => "acme",
                TlsChoice::Internal => "internal",
                TlsChoice::None => "none",
            }
            .into(),
            acme_ca: options.acme_ca.clone(),
            acme_ca_root_pem: match &options.acme_ca_root {
                Some(path) => Some(read_pem(path)?),
                None => None,
            },
            proxy: match options.proxy {
                ProxyKind::Caddy => "caddy",
                ProxyKind::Nginx => "nginx",
            }
            .into(),
            http_port: options.http_port,
            https_port: options.https_port,
        })
    }

    fn tls(&self) -> Tls {
        match self.tls.as_str() {
            "acme" => Tls::Acme {
                ca: self.acme_ca.clone(),
                ca_root_pem: self.acme_ca_root_pem.clone(),
            },
            "internal" => Tls::Internal,
            _ => Tls::None,
        }
    }

    fn proxy(&self) -> ProxyKind {
        if self.proxy == "nginx" {
            ProxyKind::Nginx
        } else {
            ProxyKind::Caddy
        }
    }

    /// Install options that build the same stack again, for another release file.
    pub fn options(&self, release_file: PathBuf, environment: Environment) -> InstallOptions {
        InstallOptions {
            environment,
            domain: self.domain.clone(),
            email: self.email.clone(),
            tls: match self.tls.as_str() {
                "acme" => TlsChoice::Acme,
                "internal" => TlsChoice::Internal,
                _ => TlsChoice::None,
            },
            proxy: self.proxy(),
            http_port: self.http_port,
            https_port: self.https_port,
            ..InstallOptions::new(release_file)
        }
    }
}

impl Servers {
    /// The install the library recorded for `name`'s `environment`; the error `code` when
    /// there is none ("… has no production install {purpose}").
    pub(super) fn installed(
        &self,
        name: &str,
        environment: Environment,
        code: &'static str,
        purpose: &str,
    ) -> Result<deskmate_library::Install, ApiError> {
        self.library
            .lock()
            .install(name, environment.name())
            .map_err(library_error)?
            .ok_or_else(|| {
                ApiError::new(
                    code,
                    format!("{name} has no {} install {purpose}", environment.name()),
                    "install DeskMate on it first",
                )
            })
    }

    /// The stack for `release` as the answers describe it, with the stack's kept secrets and
    /// data volumes (its compose command is filled in by the caller).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn base_stack(
        &self,
        name: &str,
        session: &Session,
        server: &super::Server,
        dir: &str,
        answers: &Answers,
        release: &Release,
        options: &InstallOptions,
    ) -> Result<Stack, ApiError> {
        let secrets =
            self.stack_secrets(name, session, dir, options.environment, options.plan_only)?;
        let data_volumes = read_data_volumes(session, dir).map_err(|e| remote_error(e, name))?;
        let settings = read_env(session, dir, deskmate_stack::compose::BACKEND_ENV)
            .map(|text| deskmate_stack::config::owner_settings(&text))
            .map_err(|e| remote_error(e, name))?;
        Ok(Stack {
            environment: options.environment,
            dir: dir.to_string(),
            domain: answers.domain.clone(),
            email: answers.email.clone(),
            tls: answers.tls(),
            proxy: answers.proxy(),
            http_port: answers.http_port,
            https_port: answers.https_port,
            ssh_port: server.port,
            release: release.clone(),
            secrets,
            compose_command: Vec::new(),
            data_volumes,
            settings,
        })
    }
}

/// The stack's files and what the install steps need, plus the release file itself
/// (`releases/<version>/release.json`, what a rollback reads back) and the answers.
pub(super) fn release_spec(
    stack: &Stack,
    answers: &Answers,
    release_bytes: &[u8],
    archives: Vec<LocalArchive>,
    options: &InstallOptions,
) -> Result<InstallSpec, ApiError> {
    let files = stack.files().map_err(stack_error)?;
    let mut spec = spec(stack, &files, archives, options);
    spec.files.push(SpecFile {
        path: format!("releases/{}/release.json", stack.release.version),
        contents: release_bytes.to_vec(),
        secret: false,
    });
    spec.files.push(SpecFile {
        path: ANSWERS_FILE.to_string(),
        contents: serde_json::to_vec_pretty(answers).expect("answers serialize"),
        secret: false,
    });
    Ok(spec)
}

/// The watchdog's scripts in `bin`, and its timer among the host's files (run as `user`,
/// the account the app signs in with), enabled by the host step.
fn with_watchdog(spec: &mut InstallSpec, user: &str) {
    let to_spec = |f: deskmate_stack::File| SpecFile {
        path: f.path,
        contents: f.contents.into_bytes(),
        secret: false,
    };
    spec.files
        .extend(deskmate_stack::watch::scripts().into_iter().map(to_spec));
    spec.host_files.extend(
        deskmate_stack::watch::timer_units(&spec.dir, &spec.project, user)
            .into_iter()
            .map(to_spec),
    );
    spec.timers
        .push(deskmate_stack::watch::timer_name(&spec.project));
}

fn spec(
    stack: &Stack,
    files: &[deskmate_stack::File],
    archives: Vec<LocalArchive>,
    options: &InstallOptions,
) -> InstallSpec {
    let to_spec = |f: &deskmate_stack::File| SpecFile {
        path: f.path.clone(),
        contents: f.contents.clone().into_bytes(),
        secret: f.secret,
    };
    let release = &stack.release;
    InstallSpec {
        dir: stack.dir.clone(),
        version: release.version.clone(),
        project: stack.project(),
        environment: stack.environment.name().to_string(),
        files: files
            .iter()
            .filter(|f| !f.path.starts_with('/'))
            .map(to_spec)
            .collect(),
        host_files: files
            .iter()
            .filter(|f| f.path.starts_with('/'))
            .map(to_spec)
            .collect(),
        host_root: options.host_root.clone(),
        unit: deskmate_stack::host::unit_name(stack),
        timers: Vec::new(),
        firewall: deskmate_stack::host::firewall(stack),
        images: stack
            .roles()
            .iter()
            .map(|role| WantedImage {
                tag: release.image(*role).image.clone(),
                id: release.image(*role).id.clone(),
            })
            .collect(),
        archives,
        services: stack
            .roles()
            .iter()
            .map(|r| r.service().to_string())
            .collect(),
        proxy: ProxyProbe {
            port: if stack.serves_https() {
                options.https_port
            } else {
                options.http_port
            },
            https: stack.serves_https(),
            host: stack.domain.clone().unwrap_or_else(|| "localhost".into()),
        },
        health_timeout: options.health_timeout,
    }
}

/// What a restart of the running install needs: its services, and where the proxy answers
/// (from the install the library recorded). No files: they are already in place.
pub(super) fn running_spec(
    dir: &str,
    project: String,
    environment: Environment,
    installed: &deskmate_library::Install,
    health_timeout: Duration,
) -> InstallSpec {
    InstallSpec {
        dir: dir.to_string(),
        version: installed.version.clone(),
        project,
        environment: environment.name().to_string(),
        files: Vec::new(),
        host_files: Vec::new(),
        host_root: String::new(),
        unit: String::new(),
        timers: Vec::new(),
        firewall: Vec::new(),
        images: Vec::new(),
        archives: Vec::new(),
        services: deskmate_stack::Role::ALL
            .iter()
            .map(|r| r.service().to_string())
            .collect(),
        proxy: ProxyProbe {
            port: installed.proxy_port,
            https: installed.proxy_https,
            host: installed.proxy_host.clone(),
        },
        health_timeout,
    }
}

pub(super) fn stack_error(err: deskmate_stack::StackError) -> ApiError {
    let hint = match &err {
        deskmate_stack::StackError::BadDomain { .. } => {
            "give the domain as it is registered, like companion.example.org"
        }
        deskmate_stack::StackError::BadEmail { .. } => "give an address like you@example.org",
        deskmate_stack::StackError::BadRelease { .. }
        | deskmate_stack::StackError::ReleaseTooLarge { .. } => {
            "check that this is a DeskMate release file (the .json that came with the images)"
        }
        deskmate_stack::StackError::BadStack { .. }
        | deskmate_stack::StackError::BadSetting { .. } => {
            "change the value it names and try again"
        }
    };
    ApiError::new(err.code(), err.to_string(), hint)
}
