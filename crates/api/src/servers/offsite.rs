//! `backup target`: where a stack's verified backups are copied offsite — another machine
//! over SFTP, or an S3-compatible store — and the owner's keychain copy of how to reach it,
//! which is what restores a backup onto a new server when the old one is gone.
//!
//! SFTP: the server gets an SSH key of its own; the owner pins the offsite machine's host key
//! by its fingerprint (nothing is sent to an unpinned host) and authorizes the server's
//! public key there. `deskmate-offsite --init` then proves the whole path by finding or
//! making the offsite repository.

use deskmate_remote::Remote;
use deskmate_remote::install::{SpecFile, put_files};
use deskmate_remote::offsite::{self, OffsiteHostKey};
use deskmate_remote::{Cancel, Secret, script};
use deskmate_stack::Environment;
use deskmate_stack::backup::{self as scripts, SftpTarget};
use serde::{Deserialize, Serialize};

use super::install::stack_dir;
use super::{Servers, remote_error};
use crate::error::ApiError;

/// What `backup target` is asked to do.
#[derive(Debug, Clone)]
pub enum TargetRequest {
    /// `sftp://USER@HOST[:PORT]/PATH`; `fingerprint` pins the host key (`SHA256:…`). Without
    /// one, the report lists what the host presented, and nothing is set yet.
    Sftp {
        url: String,
        fingerprint: Option<String>,
    },
    /// `s3:https://HOST/BUCKET/PATH`, with the store's access key pair.
    S3 {
        url: String,
        access_key: Secret,
        secret_key: Secret,
    },
    /// No offsite copy any more (what was copied stays where it is).
    Remove,
}

/// What `backup target` found or set.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct TargetReport {
    pub server: String,
    pub environment: &'static str,
    /// The offsite repository, as restic names it; none once removed.
    pub target: Option<String>,
    /// True once the offsite repository was reached (found or made).
    pub ready: bool,
    pub repository_created: bool,
    /// The server's public key, for the offsite account's `authorized_keys` (SFTP).
    pub public_key: Option<String>,
    /// What the offsite host presented (SFTP), to compare with its own fingerprint.
    pub host_keys: Vec<OffsiteHostKey>,
    /// What to do next, in plain words.
    pub next: String,
}

/// The owner's keychain copy of one stack's offsite target (a secret: it holds the key).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct KeptTarget {
    pub target: String,
    pub port: u16,
    pub known_hosts: String,
    pub key: String,
    pub s3_env: String,
}

impl KeptTarget {
    /// The files of an offsite folder (`shared/env/offsite` or `shared/env/from`).
    pub fn files(&self, folder: &str) -> Vec<SpecFile> {
        let file = |name: &str, contents: &str, secret: bool| SpecFile {
            path: format!("{folder}/{name}"),
            contents: contents.as_bytes().to_vec(),
            secret,
        };
        let mut files = vec![
            file("target", &format!("{}\n", self.target), false),
            file("port", &format!("{}\n", self.port), false),
        ];
        if !self.known_hosts.is_empty() {
            files.push(file("known_hosts", &self.known_hosts, false));
        }
        if !self.key.is_empty() {
            files.push(file("key", &self.key, true));
        }
        if !self.s3_env.is_empty() {
            files.push(file("s3.env", &self.s3_env, true));
        }
        files
    }
}

pub(super) fn target_key(name: &str, environment: Environment) -> String {
    format!("server/{name}/stack/{}/offsite", environment.name())
}

impl Servers {
    /// Sets (or removes) where the stack's verified backups are copied offsite.
    pub fn backup_target(
        &self,
        name: &str,
        environment: Environment,
        request: &TargetRequest,
    ) -> Result<TargetReport, ApiError> {
        let _claim = self.busy.claim(name, "an offsite setting")?;
        let (server, session) = self.open_session(name)?;
        let fail = |e| remote_error(e, name);
        let dir = stack_dir(&server.stack_dir, environment);
        let cancel = Cancel::new();
        let mut report = TargetReport {
            server: name.to_string(),
            environment: environment.name(),
            target: None,
            ready: false,
            repository_created: false,
            public_key: None,
            host_keys: Vec::new(),
            next: String::new(),
        };
        let kept = match request {
            TargetRequest::Remove => {
                let out = session
                    .capture(
                        &script(r#"rm -f "$1/$2/target""#, &[&dir, scripts::OFFSITE_DIR])
                            .map_err(fail)?,
                        4096,
                    )
                    .map_err(fail)?;
                if !out.exit.success() {
                    return Err(ApiError::new(
                        "backup.target_failed",
                        format!(
                            "the offsite setting could not be removed: {}",
                            out.stderr_tail().trim()
                        ),
                        "check the stack folder's permissions on the server",
                    ));
                }
                self.secrets
                    .delete(&target_key(name, environment))
                    .map_err(fail)?;
                report.next =
                    "Backups stay on the server only. What was copied offsite is still there."
                        .into();
                return Ok(report);
            }
            TargetRequest::Sftp { url, fingerprint } => {
                let target = SftpTarget::parse(url).map_err(|why| {
                    ApiError::new(
                        "usage.bad_target",
                        why,
                        "give it as sftp://USER@HOST[:PORT]/FOLDER",
                    )
                })?;
                if dir.contains(char::is_whitespace) {
                    return Err(ApiError::new(
                        "backup.target_bad_folder",
                        format!(
                            "the stack folder `{dir}` holds a space, which restic's ssh command cannot carry"
                        ),
                        "install the stack in a folder without spaces",
                    ));
                }
                self.prepare(name, &session, &dir, environment, &cancel)?;
                let probe =
                    offsite::probe(&session, &dir, &target.host, target.port).map_err(fail)?;
                report.public_key = Some(probe.public_key.clone());
                report.host_keys = probe.host_keys.clone();
                report.target = Some(target.restic_repository());
                if probe.host_keys.is_empty() {
                    return Err(ApiError::new(
                        "backup.offsite_unreachable",
                        format!(
                            "{name} could not reach {}:{} for its host key",
                            target.host, target.port
                        ),
                        "check the address and port, and that the offsite machine runs sshd and lets this server in",
                    ));
                }
                let Some(given) = fingerprint else {
                    report.next = format!(
                        "Compare the host key fingerprint with the one the offsite machine shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub there); add the public key to ~{}/.ssh/authorized_keys on {}; then set the target again with that fingerprint.",
                        target.user, target.host
                    );
                    return Ok(report);
                };
                let pinned: Vec<&OffsiteHostKey> = probe
                    .host_keys
                    .iter()
                    .filter(|k| k.fingerprint == *given)
                    .collect();
                if pinned.is_empty() {
                    return Err(ApiError::new(
                        "backup.host_key_mismatch",
                        format!(
                            "{}:{} presented {}, not the fingerprint {given} you gave",
                            target.host,
                            target.port,
                            probe
                                .host_keys
                                .iter()
                                .map(|k| k.fingerprint.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        "nothing was sent there; check the fingerprint on the offsite machine itself",
                    ));
                }
                KeptTarget {
                    target: target.restic_repository(),
                    port: target.port,
                    known_hosts: pinned.iter().map(|k| format!("{}\n", k.line)).collect(),
                    key: offsite::read_key(&session, &dir).map_err(fail)?,
                    s3_env: String::new(),
                }
            }
            TargetRequest::S3 {
                url,
                access_key,
                secret_key,
            } => {
                let target = scripts::s3_repository(url).map_err(|why| {
                    ApiError::new(
                        "usage.bad_target",
                        why,
                        "give it as s3:https://HOST/BUCKET/FOLDER",
                    )
                })?;
                let plain = |s: &Secret| !s.expose().contains(['\n', '\'', '"', '\\', '$', '`']);
                if !plain(access_key) || !plain(secret_key) {
                    return Err(ApiError::new(
                        "usage.bad_target",
                        "the S3 keys hold characters no S3 store issues",
                        "copy the keys again from the store's console",
                    ));
                }
                self.prepare(name, &session, &dir, environment, &cancel)?;
                report.target = Some(target.clone());
                KeptTarget {
                    target,
                    port: 0,
                    known_hosts: String::new(),
                    key: String::new(),
                    s3_env: format!(
                        "AWS_ACCESS_KEY_ID='{}'\nAWS_SECRET_ACCESS_KEY='{}'\n",
                        access_key.expose(),
                        secret_key.expose()
                    ),
                }
            }
        };
        put_files(&session, &dir, &kept.files(scripts::OFFSITE_DIR), &cancel).map_err(fail)?;
        // The keychain copy first: even if the check below fails, the setting on the server
        // and the owner's copy agree.
        let blob = serde_json::to_string(&kept).expect("a target serializes");
        self.secrets
            .set(&target_key(name, environment), &Secret::new(blob))
            .map_err(fail)?;
        report.repository_created = offsite::init(&session, &dir, &cancel).map_err(|e| {
            let mut err = fail(e);
            if let Some(key) = &report.public_key {
                err.hint = format!("{} The server's public key: {key}", err.hint);
            }
            err
        })?;
        report.ready = true;
        report.next =
            "Each verified backup is now copied there; the list of backups shows which.".into();
        Ok(report)
    }

    /// The keychain's copy of a stack's offsite target and its repository password.
    pub(super) fn kept_target(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<(KeptTarget, Secret), ApiError> {
        let fail = |e| remote_error(e, name);
        let none = || {
            ApiError::new(
                "backup.no_offsite",
                format!(
                    "this computer keeps no offsite copy of {name}'s {} backups",
                    environment.name()
                ),
                format!("set an offsite copy for {name} while it still runs"),
            )
        };
        let blob = self
            .secrets
            .get(&target_key(name, environment))
            .map_err(fail)?
            .ok_or_else(none)?;
        let kept: KeptTarget = serde_json::from_str(blob.expose()).map_err(|_| none())?;
        let password = self
            .secrets
            .get(&format!(
                "server/{name}/stack/{}/restic_password",
                environment.name()
            ))
            .map_err(fail)?
            .ok_or_else(none)?;
        Ok((kept, password))
    }
}
