//! `backup download`: the stack's restic repository mirrored onto the owner's computer (see
//! `deskmate_remote::repository_copy`), then checked there with the owner's own `restic`
//! when this computer has one.

use std::path::Path;

use deskmate_remote::{Cancel, repository_copy};
use deskmate_stack::Environment;
use deskmate_stack::backup::LOCAL_REPOSITORY;
use serde::Serialize;

use super::opened::Opened;
use super::{Servers, remote_error};
use crate::error::ApiError;

/// What `backup download` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct DownloadReport {
    pub server: String,
    pub environment: &'static str,
    /// The copy: a plain restic repository, read with the server's repository password.
    pub folder: String,
    #[ts(type = "number")]
    pub files: u64,
    /// Files that travelled this time (the copy lacked them).
    #[ts(type = "number")]
    pub downloaded: u64,
    /// Files the copy held damaged (not matching their SHA-256), fetched again.
    #[ts(type = "number")]
    pub repaired: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// Backups in the copy, when this computer's restic could read it.
    #[ts(type = "number | null")]
    pub backups: Option<u64>,
    /// What `restic check` said of the copy here, or why it did not run.
    pub check: String,
}

impl Servers {
    /// Mirrors the stack's repository into `folder` (made if missing; files already there
    /// are kept), each file checked by its SHA-256, then the copy checked with `restic
    /// check` when restic is installed here.
    pub fn backup_download(
        &self,
        name: &str,
        environment: Environment,
        folder: &Path,
        on_file: &mut dyn FnMut(usize, usize),
        cancel: &Cancel,
    ) -> Result<DownloadReport, ApiError> {
        let Opened { session, dir, .. } = self.open_for(name, environment, None)?;
        let fail = |e| remote_error(e, name);
        std::fs::create_dir_all(folder).map_err(|e| {
            ApiError::new(
                "backup.download_folder",
                format!("could not make {}: {e}", folder.display()),
                "choose a folder you can write to",
            )
        })?;
        let password = self.repository_password(name, &session, &dir, environment)?;
        let remote = format!("{dir}/{LOCAL_REPOSITORY}");
        let mirrored =
            repository_copy::mirror(&session, &remote, folder, cancel, on_file).map_err(fail)?;
        let (backups, check) = check_copy(folder, password.expose())?;
        Ok(DownloadReport {
            server: name.to_string(),
            environment: environment.name(),
            folder: folder.display().to_string(),
            files: mirrored.files as u64,
            downloaded: mirrored.downloaded as u64,
            repaired: mirrored.repaired as u64,
            bytes: mirrored.bytes,
            backups,
            check,
        })
    }
}

/// `restic check` and the number of backups in the copy, with the password in a 0600
/// temporary file (never on a command line).
fn check_copy(folder: &Path, password: &str) -> Result<(Option<u64>, String), ApiError> {
    let Ok(restic) = which("restic") else {
        return Ok((
            None,
            "not checked here: restic is not installed on this computer".into(),
        ));
    };
    let mut file = tempfile::NamedTempFile::new().map_err(|e| {
        ApiError::new(
            "backup.download_check",
            format!("no temporary file: {e}"),
            "check the disk",
        )
    })?;
    std::io::Write::write_all(&mut file, password.as_bytes()).map_err(|e| {
        ApiError::new(
            "backup.download_check",
            format!("no temporary file: {e}"),
            "check the disk",
        )
    })?;
    let run = |args: &[&str]| {
        std::process::Command::new(&restic)
            .args(args)
            .env("RESTIC_REPOSITORY", folder)
            .env("RESTIC_PASSWORD_FILE", file.path())
            .env_remove("RESTIC_PASSWORD")
            .output()
    };
    let checked = run(&["check", "--no-lock"]).map_err(|e| {
        ApiError::new(
            "backup.download_check",
            format!("restic did not run: {e}"),
            "check the restic install",
        )
    })?;
    if !checked.status.success() {
        return Err(ApiError::new(
            "backup.download_damaged",
            format!(
                "the downloaded copy in {} did not pass restic check: {}",
                folder.display(),
                String::from_utf8_lossy(&checked.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ),
            "download again; files already checked are kept, and a damaged one is fetched anew once removed",
        ));
    }
    let listed = run(&["snapshots", "--json", "--no-lock"]).ok();
    let backups = listed
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).ok())
        .map(|list| list.len() as u64);
    Ok((backups, "restic check passed".into()))
}

fn which(command: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(command))
        .find(|p| p.is_file())
        .ok_or(())
}
