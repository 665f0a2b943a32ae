//! `backup target`: where a stack's verified backups are copied offsite — another machine
//! over SFTP, or an S3-compatible store — and the owner's keychain copy of how to reach it,
//! which is what restores a backup onto a new server when the old one is gone.
//!
//! SFTP: the server gets an SSH key of its own; the owner pins the offsite machine's host key
//! by its fingerprint (nothing is sent to an unpinned host) and authorizes the server's
//! public key there. `deskmate-offsite --init` then proves the whole path by finding or
//! making the offsite repository.

use deskmate_remote::ops::install::SpecFile;
use deskmate_remote::ops::offsite::OffsiteHostKey;
use deskmate_remote::ops::offsite::{self as operation, Offsite, OffsiteSpec, Target};
use deskmate_remote::ops::{Event, Runner, Scope};
use deskmate_remote::{Cancel, Secret};
use deskmate_stack::Environment;
use deskmate_stack::backup::{self as scripts, SftpTarget};
use serde::{Deserialize, Serialize};

use super::opened::Opened;
use super::{Servers, holder, remote_error, stopped_error};
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
    /// The server's public key (SFTP).
    pub public_key: Option<String>,
    /// The line for the offsite account's `~/.ssh/authorized_keys` (SFTP): the server's key,
    /// allowed only to add to the repository (rclone's append-only restic server), so the
    /// server can never delete its offsite copies.
    pub authorized_line: Option<String>,
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
    /// Reached through the account's append-only forced command (SFTP targets set since it
    /// exists; older copies were plain SFTP).
    #[serde(default)]
    pub append_only: bool,
}

impl KeptTarget {
    /// The files of an offsite folder (`shared/env/offsite` or `shared/env/from`).
    pub fn files(&self, folder: &str) -> Vec<SpecFile> {
        operation::folder_files(
            folder,
            &self.target,
            self.port,
            &self.known_hosts,
            &self.key,
            &self.s3_env,
            self.append_only,
        )
    }
}

pub(super) fn target_key(name: &str, environment: Environment) -> String {
    format!("server/{name}/stack/{}/offsite", environment.name())
}

impl Servers {
    /// Sets (or removes) where the stack's verified backups are copied offsite, as the
    /// engine's `ops::offsite` operation: audited, and on failure the previous target's
    /// files put back, so the server copies where it copied before (or nowhere).
    pub fn backup_target(
        &self,
        name: &str,
        environment: Environment,
        request: &TargetRequest,
    ) -> Result<TargetReport, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("an offsite setting"))?;
        // A target change has no Cancel of its own to offer (its api has none).
        let cancel = Cancel::new();
        let mut report = TargetReport {
            server: name.to_string(),
            environment: environment.name(),
            target: None,
            ready: false,
            repository_created: false,
            public_key: None,
            authorized_line: None,
            host_keys: Vec::new(),
            next: String::new(),
        };
        // The offsite folder, for the key's forced command (SFTP).
        let mut folder = String::new();
        // What to do next when the host key is not pinned yet (SFTP without a fingerprint).
        let mut unpinned = String::new();
        let target = match request {
            TargetRequest::Remove => Target::Remove,
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
                report.target = Some(target.restic_repository());
                folder = target.path.clone();
                unpinned = format!(
                    "Compare the host key fingerprint with the one the offsite machine shows (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub there); on {}, install rclone (Debian and Ubuntu: the rclone package) and add the line below to ~{}/.ssh/authorized_keys, which lets this server add backups there but never delete them; then set the target again with that fingerprint.",
                    target.host, target.user
                );
                Target::Sftp {
                    repository: target.restic_repository(),
                    host: target.host.clone(),
                    port: target.port,
                    fingerprint: fingerprint.clone(),
                }
            }
            TargetRequest::S3 {
                url,
                access_key,
                secret_key,
            } => {
                let repository = scripts::s3_repository(url).map_err(|why| {
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
                report.target = Some(repository.clone());
                Target::S3 {
                    repository,
                    env: Secret::new(format!(
                        "AWS_ACCESS_KEY_ID='{}'\nAWS_SECRET_ACCESS_KEY='{}'\n",
                        access_key.expose(),
                        secret_key.expose()
                    )),
                }
            }
        };
        let subject = match &target {
            Target::Sftp { .. } => "sftp",
            Target::S3 { .. } => "s3",
            Target::Remove => "none",
        };
        let scripts = match target {
            Target::Remove => Vec::new(),
            _ => self.backup_scripts(name, &session, &dir, environment)?,
        };
        let spec = OffsiteSpec {
            scope: Scope {
                dir,
                environment: environment.name().into(),
                subject: subject.into(),
            },
            folder: scripts::OFFSITE_DIR.into(),
            scripts,
            target,
        };
        let mut found = Offsite::default();
        let ran = Runner::new(&session, &cancel, holder(), &mut |_: &Event| {})
            .run(operation::plan(&spec), &mut found);
        report.public_key = found.public_key.clone();
        report.authorized_line = report
            .public_key
            .as_deref()
            .filter(|_| !folder.is_empty())
            .map(|key| operation::authorized_line(&folder, key));
        report.host_keys = found.host_keys.clone();
        if let Err(stopped) = ran {
            // Not reached: most often the server's key is not authorized there yet.
            let at_init = stopped.step == "init";
            let mut err = stopped_error(stopped, name, environment);
            if let (true, Some(line)) = (at_init, &report.authorized_line) {
                err.hint = format!(
                    "{} The line for the offsite account's ~/.ssh/authorized_keys (rclone installed there): {line}",
                    err.hint
                );
            }
            return Err(err);
        }
        let fail = |e| remote_error(e, name);
        // The owner's copy follows the server's only once the server's is proven (a
        // failure put the server's back as it was, so the two still agree).
        let kept = match spec.target {
            Target::Remove => {
                self.secrets
                    .delete(&target_key(name, environment))
                    .map_err(fail)?;
                report.next =
                    "Backups stay on the server only. What was copied offsite is still there."
                        .into();
                return Ok(report);
            }
            Target::Sftp {
                fingerprint: None, ..
            } => {
                report.next = unpinned;
                return Ok(report);
            }
            Target::Sftp {
                repository, port, ..
            } => KeptTarget {
                target: repository,
                port,
                known_hosts: found.known_hosts.clone(),
                key: found
                    .key
                    .as_ref()
                    .map(|k| k.expose().to_string())
                    .unwrap_or_default(),
                s3_env: String::new(),
                append_only: true,
            },
            Target::S3 { repository, env } => KeptTarget {
                target: repository,
                port: 0,
                known_hosts: String::new(),
                key: String::new(),
                s3_env: env.expose().to_string(),
                append_only: false,
            },
        };
        let blob = serde_json::to_string(&kept).expect("a target serializes");
        self.secrets
            .set(&target_key(name, environment), &Secret::new(blob))
            .map_err(fail)?;
        report.repository_created = found.repository_created;
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
