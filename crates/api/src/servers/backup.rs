//! `backup create|list|verify`: the stack's backup scripts put on the server (by SHA-256,
//! like every stack file) and run there, over SSH (`deskmate-remote`'s `backup`).
//!
//! The repository's password is made once with a CSPRNG and then kept: on the server in a
//! 0600 file (the scripts, and so scheduled runs, read it with `RESTIC_PASSWORD_FILE`), and in
//! the owner's keychain as their copy, which is what restores a backup onto a new server. It
//! travels only inside the SSH channel, never on a command line.

use deskmate_remote::backup::{self, Backup, BackupReport, VerifyReport};
use deskmate_remote::install::{SpecFile, put_files};
use deskmate_remote::{Cancel, Secret, Session, script, secrets};
use deskmate_stack::{Environment, backup as scripts};
use serde::Serialize;

use super::install::stack_dir;
use super::{Servers, remote_error};
use crate::error::ApiError;

/// The length of a new repository password.
const PASSWORD_LEN: usize = 40;

/// What `backup create` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BackupOutcome {
    /// The new backup's id (restic's snapshot id).
    pub id: String,
    pub server: String,
    pub environment: &'static str,
    pub backup: BackupReport,
    /// The trial restore, when it ran and passed. A failed one is an error instead.
    pub verification: Option<VerifyReport>,
    /// True only after a trial restore passed.
    pub verified: bool,
}

impl Servers {
    /// Backs the installed stack up into its repository; with `verify`, proves the new
    /// backup by a trial restore right after.
    pub fn backup_create(
        &self,
        name: &str,
        environment: Environment,
        verify: bool,
        cancel: &Cancel,
    ) -> Result<BackupOutcome, ApiError> {
        let _claim = self.busy.claim(name, "a backup")?;
        let (server, session) = self.open_session(name)?;
        let dir = stack_dir(&server.stack_dir, environment);
        self.prepare(name, &session, &dir, environment, cancel)?;
        let (backup, verification) =
            backup::create(&session, &dir, verify).map_err(|e| remote_error(e, name))?;
        Ok(BackupOutcome {
            id: backup.snapshot.clone(),
            server: name.to_string(),
            environment: environment.name(),
            verified: verification.is_some(),
            backup,
            verification,
        })
    }

    /// Every backup of the stack, newest first, with its trial restore's outcome.
    pub fn backup_list(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Vec<Backup>, ApiError> {
        let (server, session) = self.open_session(name)?;
        let dir = stack_dir(&server.stack_dir, environment);
        backup::list(&session, &dir).map_err(|e| remote_error(e, name))
    }

    /// A trial restore of one backup, beside the running stack.
    pub fn backup_verify(
        &self,
        name: &str,
        environment: Environment,
        snapshot: &str,
        cancel: &Cancel,
    ) -> Result<VerifyReport, ApiError> {
        let _claim = self.busy.claim(name, "a backup check")?;
        let (server, session) = self.open_session(name)?;
        let dir = stack_dir(&server.stack_dir, environment);
        self.prepare(name, &session, &dir, environment, cancel)?;
        backup::verify(&session, &dir, snapshot).map_err(|e| remote_error(e, name))
    }

    /// The scripts as this version of the app has them, and the repository's password.
    fn prepare(
        &self,
        name: &str,
        session: &Session,
        dir: &str,
        environment: Environment,
        cancel: &Cancel,
    ) -> Result<(), ApiError> {
        let fail = |e| remote_error(e, name);
        let password = self.repository_password(name, session, dir, environment)?;
        let mut files: Vec<SpecFile> = scripts::scripts()
            .into_iter()
            .map(|f| SpecFile {
                path: f.path,
                contents: f.contents.into_bytes(),
                secret: false,
            })
            .collect();
        files.push(SpecFile {
            path: scripts::RESTIC_PASSWORD.to_string(),
            contents: password.expose().as_bytes().to_vec(),
            secret: true,
        });
        put_files(session, dir, &files, cancel).map_err(fail)?;
        Ok(())
    }

    /// The server's password when it has one (it is what encrypts the repository there),
    /// else the keychain's, else a new one; the keychain keeps a copy.
    fn repository_password(
        &self,
        name: &str,
        session: &Session,
        dir: &str,
        environment: Environment,
    ) -> Result<Secret, ApiError> {
        let fail = |e| remote_error(e, name);
        let key = format!("server/{name}/stack/{}/restic_password", environment.name());
        let out = session
            .capture(
                &script(
                    "cat \"$1/$2\" 2>/dev/null || true",
                    &[dir, scripts::RESTIC_PASSWORD],
                )
                .map_err(fail)?,
                4096,
            )
            .map_err(fail)?;
        let on_server = out.stdout_text().trim().to_string();
        let password = if !on_server.is_empty() {
            Secret::new(on_server)
        } else {
            match self.secrets.get(&key).map_err(fail)? {
                Some(kept) => kept,
                None => secrets::generate(PASSWORD_LEN),
            }
        };
        self.secrets.set(&key, &password).map_err(fail)?;
        Ok(password)
    }
}
