//! `backup target` as an operation: where the stack's verified backups are copied offsite
//! (another machine over SFTP, or an S3-compatible store), set, checked end to end, or
//! removed. The files that say it are `shared/env/offsite/` (`target`, `port`, the pinned
//! `known_hosts`, the server's `key`, `s3.env`); `deskmate-offsite` on the server reads them
//! after each verified backup, so scheduled backups go offsite with no app present.
//!
//! Guard: [`Guard::OwnLock`], audited but not under the deploy lock. It changes only the
//! backup configuration, which nothing that serves reads (no service, no compose file, no
//! env file of the stack), so it has nothing to wait for while an update holds the lock,
//! and an update, whose first step is a backup, has nothing to fear from it. The backup
//! scripts take their own `backups/.lock` when they read the folder.
//!
//! A failure or cancel after the files were written puts the previous target's files back
//! as they were (and removes the ones that were not there), so the server copies where it
//! copied before, or nowhere. The server's own key is never removed: the owner authorizes
//! it on the offsite machine, and a new one would undo that. An offsite repository the
//! `init` step made stays: it is empty, and offsite data is never deleted from here.

use super::{Cx, Did, Guard, Plan, Scope, Step};
use crate::error::{RemoteError, Result};
use crate::offsite;
pub use crate::offsite::OffsiteHostKey;
use crate::parts::commands::{refuse, run_script};
use crate::parts::saved_files::{self, SavedFile};
use crate::parts::stack_files::{self, SpecFile, backup_scripts_step as scripts_step};
use crate::secrets::Secret;

/// The files an offsite folder may hold, and whether each is a secret. `append-only` says
/// the SFTP account serves the repository through [`APPEND_ONLY`] for the server's key.
const FILES: [(&str, bool); 6] = [
    ("target", false),
    ("port", false),
    ("known_hosts", false),
    ("key", true),
    ("s3.env", true),
    ("append-only", false),
];

/// The forced command an SFTP target's account runs for the server's key: restic's
/// repository served by rclone, which lets the server add backups but never delete or
/// overwrite them, so a server in the wrong hands cannot destroy its offsite copies
/// (pruning them is the offsite side's job).
pub const APPEND_ONLY: &str = "rclone serve restic --stdio --append-only";

/// The `authorized_keys` line for the offsite account: the server's `public_key`, allowed
/// only to add to the repository in `folder` (a path already checked to be plain).
pub fn authorized_line(folder: &str, public_key: &str) -> String {
    format!(
        "command=\"{APPEND_ONLY} {folder}\",restrict {}",
        public_key.trim()
    )
}

/// What the offsite copy is to be.
pub enum Target {
    /// `repository` as restic names it (`sftp:USER@HOST:/PATH`); with no `fingerprint`, the
    /// plan only makes the server's key and asks the host for its keys, and sets nothing.
    Sftp {
        repository: String,
        host: String,
        port: u16,
        fingerprint: Option<String>,
    },
    /// `repository` as restic names it; `env` the store's key pair as `s3.env` lines.
    S3 { repository: String, env: Secret },
    /// No offsite copy any more (what was copied stays where it is).
    Remove,
}

/// One change of the offsite target.
pub struct OffsiteSpec {
    pub scope: Scope,
    /// The offsite folder, relative to the stack folder (`shared/env/offsite`).
    pub folder: String,
    pub target: Target,
    /// The backup scripts as this app has them, with the repository's password: they
    /// make the offsite repository (unused when the target is removed).
    pub scripts: Vec<SpecFile>,
}

/// What the steps found, for the report and the owner's keychain copy.
#[derive(Default)]
pub struct Offsite {
    /// The server's public key, for the offsite account's `authorized_keys` (SFTP).
    pub public_key: Option<String>,
    /// What the offsite host presented (SFTP).
    pub host_keys: Vec<OffsiteHostKey>,
    /// The pinned host key's `known_hosts` lines.
    pub known_hosts: String,
    /// The server's private key, read back for the keychain copy.
    pub key: Option<Secret>,
    pub repository_created: bool,
    /// The folder's files before the change; empty until the files step began.
    saved: Vec<SavedFile>,
}

/// The files of an offsite folder (`shared/env/offsite`, or `shared/env/from` for a
/// restore from another server's copy): only those with something in them.
pub fn folder_files(
    folder: &str,
    target: &str,
    port: u16,
    known_hosts: &str,
    key: &str,
    s3_env: &str,
    append_only: bool,
) -> Vec<SpecFile> {
    let port = format!("{port}\n");
    let target = format!("{target}\n");
    let marker = if append_only {
        format!("{APPEND_ONLY}\n")
    } else {
        String::new()
    };
    let contents = [
        target.as_str(),
        port.as_str(),
        known_hosts,
        key,
        s3_env,
        marker.as_str(),
    ];
    FILES
        .iter()
        .zip(contents)
        .enumerate()
        // The target and port always; the others when there is something to say.
        .filter(|(i, (_, text))| *i < 2 || !text.is_empty())
        .map(|(_, ((name, secret), text))| SpecFile {
            path: format!("{folder}/{name}"),
            contents: text.as_bytes().to_vec(),
            secret: *secret,
        })
        .collect()
}

pub fn plan(spec: &OffsiteSpec) -> Plan<'_, Offsite> {
    let plan = Plan::new("backup-target", spec.scope.clone(), Guard::OwnLock);
    match &spec.target {
        Target::Remove => plan.step(
            Step::new(
                "remove",
                "Stop copying backups offsite (the target setting removed; what was copied stays there)",
                move |cx: &mut Cx<'_, Offsite>| remove(cx, spec),
            )
            .undo(move |cx| files_back(cx, spec)),
        ),
        Target::Sftp {
            host,
            port,
            fingerprint,
            ..
        } => {
            let plan = plan.step(Step::new(
                "probe",
                format!(
                    "Make the server's own SSH key for offsite copies (once) and ask {host}:{port} for its host keys"
                ),
                move |cx: &mut Cx<'_, Offsite>| probe(cx, spec, host, *port),
            ));
            let Some(fingerprint) = fingerprint else {
                // Nothing is set until the owner has compared the host key's fingerprint.
                return plan;
            };
            writes(
                plan.step(Step::new(
                    "pin",
                    format!("Check that {host} presents the host key {fingerprint}"),
                    move |cx: &mut Cx<'_, Offsite>| pin(cx, spec, host, *port, fingerprint),
                )),
                spec,
            )
        }
        Target::S3 { .. } => writes(plan, spec),
    }
}

/// The steps that set a target: its files, then the whole path proven.
fn writes<'a>(plan: Plan<'a, Offsite>, spec: &'a OffsiteSpec) -> Plan<'a, Offsite> {
    plan.step(scripts_step(&spec.scope.dir, spec.scripts.clone()))
    .step(
        Step::new(
            "files",
            format!(
                "Write the offsite target's files in {}, each whole (the keys readable only by the stack's account)",
                spec.folder
            ),
            move |cx: &mut Cx<'_, Offsite>| write(cx, spec),
        )
        .undo(move |cx| files_back(cx, spec)),
    )
    .step(Step::new(
        "init",
        "Reach the offsite repository, and make it if it is not there yet (deskmate-offsite --init)",
        move |cx: &mut Cx<'_, Offsite>| {
            cx.state.repository_created = offsite::init(cx.remote, &spec.scope.dir, cx.cancel)?;
            Ok(Did::either(
                cx.state.repository_created,
                "reached; the offsite repository was made",
                "reached; the offsite repository was there",
            ))
        },
    ))
}

fn probe(cx: &mut Cx<'_, Offsite>, spec: &OffsiteSpec, host: &str, port: u16) -> Result<Did> {
    let probe = offsite::probe(cx.remote, &spec.scope.dir, host, port)?;
    cx.state.public_key = Some(probe.public_key);
    cx.state.host_keys = probe.host_keys;
    if cx.state.host_keys.is_empty() {
        return Err(refuse(
            "backup.offsite_unreachable",
            format!("The server could not reach {host}:{port} for its host key."),
            "Check the address and port, and that the offsite machine runs sshd and lets this server in.",
        ));
    }
    Ok(Did::unchanged(format!(
        "the server's key is ready; {host} presented {} host key(s)",
        cx.state.host_keys.len()
    )))
}

fn pin(
    cx: &mut Cx<'_, Offsite>,
    spec: &OffsiteSpec,
    host: &str,
    port: u16,
    fingerprint: &str,
) -> Result<Did> {
    let pinned: String = cx
        .state
        .host_keys
        .iter()
        .filter(|k| k.fingerprint == fingerprint)
        .map(|k| format!("{}\n", k.line))
        .collect();
    if pinned.is_empty() {
        let presented: Vec<&str> = cx
            .state
            .host_keys
            .iter()
            .map(|k| k.fingerprint.as_str())
            .collect();
        return Err(refuse(
            "backup.host_key_mismatch",
            format!(
                "{host}:{port} presented {}, not the fingerprint {fingerprint} you gave",
                presented.join(", ")
            ),
            "Nothing was sent there; check the fingerprint on the offsite machine itself.",
        ));
    }
    cx.state.known_hosts = pinned;
    cx.state.key = Some(Secret::new(offsite::read_key(cx.remote, &spec.scope.dir)?));
    Ok(Did::unchanged(format!("{fingerprint} pinned")))
}

/// The folder's files as they are now, for the undo.
fn save(cx: &mut Cx<'_, Offsite>, spec: &OffsiteSpec, names: &[(&str, bool)]) -> Result<()> {
    let mut saved = Vec::new();
    for (name, secret) in names {
        let path = format!("{}/{name}", spec.folder);
        saved.push(saved_files::read(
            cx.remote,
            &spec.scope.dir,
            &path,
            *secret,
        )?);
    }
    cx.state.saved = saved;
    Ok(())
}

fn write(cx: &mut Cx<'_, Offsite>, spec: &OffsiteSpec) -> Result<Did> {
    save(cx, spec, &FILES)?;
    let files = match &spec.target {
        Target::Sftp {
            repository, port, ..
        } => {
            let key = cx.state.key.as_ref().map(Secret::expose).unwrap_or("");
            folder_files(
                &spec.folder,
                repository,
                *port,
                &cx.state.known_hosts,
                key,
                "",
                true,
            )
        }
        Target::S3 { repository, env } => {
            folder_files(&spec.folder, repository, 0, "", "", env.expose(), false)
        }
        Target::Remove => Vec::new(),
    };
    let written = stack_files::put(cx.remote, &spec.scope.dir, &files, cx.cancel)?;
    let names: Vec<&str> = written
        .iter()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect();
    Ok(Did::either(
        !written.is_empty(),
        format!("wrote {}", names.join(", ")),
        "all unchanged",
    ))
}

fn remove(cx: &mut Cx<'_, Offsite>, spec: &OffsiteSpec) -> Result<Did> {
    save(cx, spec, &FILES[..1])?;
    if cx.state.saved.iter().all(|f| f.contents.is_none()) {
        return Ok(Did::unchanged("no offsite copy was set"));
    }
    run_script(
        cx.remote,
        "removing the offsite setting",
        r#"rm -f -- "$1/$2/target""#,
        &[&spec.scope.dir, &spec.folder],
    )
    .map_err(|e| match e {
        RemoteError::RemoteFailed { detail, .. } => refuse(
            "backup.target_failed",
            format!(
                "The offsite setting could not be removed: {}",
                detail.trim()
            ),
            "Check the stack folder's permissions on the server.",
        ),
        other => other,
    })?;
    Ok(Did::changed("removed target"))
}

/// The folder as it was before the change (safe when nothing, some or all was written).
fn files_back(cx: &mut Cx<'_, Offsite>, spec: &OffsiteSpec) -> Result<Did> {
    if cx.state.saved.is_empty() {
        return Ok(Did::unchanged("nothing was written"));
    }
    let back = saved_files::put_back(cx.remote, &spec.scope.dir, &cx.state.saved, cx.cancel)?;
    Ok(Did::either(
        !back.is_empty(),
        "the previous offsite setting is back",
        "the offsite setting was as before",
    ))
}

#[cfg(test)]
#[path = "offsite_tests.rs"]
mod tests;
