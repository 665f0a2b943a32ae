//! `server config`: the stack's settings, listed (secrets as set or not, never their
//! values), set (checked, written whole, the services that read it recreated and
//! health-checked) and rotated (a new secret from the system's random source, in every file
//! and, for the database password, in the database too). A change that leaves the stack
//! unhealthy is undone, and the old setting serves again. Each change is one audit line,
//! without the value of a secret.

use deskmate_remote::Remote;
use deskmate_remote::install::{self as steps, SpecFile, put_files};
use deskmate_remote::{Cancel, Secret, Session, facts, script, secrets};
use deskmate_stack::compose::{BACKEND_ENV, POSTGRES_ENV, database_url};
use deskmate_stack::config::{self, Kind, SETTINGS};
use deskmate_stack::{Environment, project_name};
use serde::Serialize;

use super::install::{read_env, running_spec, stack_dir, stack_error};
use super::release::audit;
use super::{Servers, remote_error};
use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConfigEntry {
    pub key: String,
    /// The value, for a setting that is not a secret and is set.
    pub value: Option<String>,
    pub set: bool,
    pub secret: bool,
    /// Only `rotate` changes it.
    pub generated: bool,
    pub services: Vec<String>,
    pub help: String,
    pub default: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ConfigChange {
    pub server: String,
    pub environment: &'static str,
    pub key: String,
    /// The services recreated with the new value, all healthy again.
    pub restarted: Vec<String>,
}

/// Whether `key` names a secret setting (whose value must not travel on a command line).
pub fn config_is_secret(key: &str) -> bool {
    config::find(key).is_some_and(|s| s.secret())
}

/// The length of a rotated secret (as the install makes them).
const SECRET_LEN: usize = 32;

impl Servers {
    pub fn config_list(
        &self,
        name: &str,
        environment: Environment,
    ) -> Result<Vec<ConfigEntry>, ApiError> {
        let (server, session) = self.open_session(name)?;
        let dir = stack_dir(&server.stack_dir, environment);
        let fail = |e| remote_error(e, name);
        let mut present = config::parse_env(&read_env(&session, &dir, BACKEND_ENV).map_err(fail)?);
        present.extend(config::parse_env(
            &read_env(&session, &dir, POSTGRES_ENV).map_err(fail)?,
        ));
        Ok(SETTINGS
            .iter()
            .map(|s| {
                let value = present
                    .iter()
                    .rev()
                    .find(|(k, _)| k == s.key)
                    .map(|(_, v)| v);
                ConfigEntry {
                    key: s.key.to_string(),
                    value: value.filter(|_| !s.secret()).cloned(),
                    set: value.is_some(),
                    secret: s.secret(),
                    generated: s.kind == Kind::Generated,
                    services: s.services.iter().map(|x| x.to_string()).collect(),
                    help: s.help.to_string(),
                    default: s.default.to_string(),
                }
            })
            .collect())
    }

    /// Sets one owner setting (`value` is a [`Secret`] so an API key is never printed).
    pub fn config_set(
        &self,
        name: &str,
        environment: Environment,
        key: &str,
        value: &Secret,
        cancel: &Cancel,
    ) -> Result<ConfigChange, ApiError> {
        let setting = config::check(key, value.expose()).map_err(stack_error)?;
        let line = if setting.secret() {
            format!("config set {key} (a secret)")
        } else {
            format!("config set {key}={}", value.expose())
        };
        self.change_env(name, environment, key, &line, cancel, &mut |_, files| {
            files.edit(BACKEND_ENV, key, value.expose());
            Ok(())
        })
    }

    /// A new value for a generated secret, everywhere it is used.
    pub fn config_rotate(
        &self,
        name: &str,
        environment: Environment,
        key: &str,
        cancel: &Cancel,
    ) -> Result<ConfigChange, ApiError> {
        let setting = config::find(key)
            .filter(|s| s.kind == Kind::Generated)
            .ok_or_else(|| {
                ApiError::new(
                    "config.not_rotatable",
                    format!("`{key}` is not a secret the app makes"),
                    "rotate SECRET_KEY, JWT_SECRET or POSTGRES_PASSWORD; set the others",
                )
            })?;
        let new = secrets::generate(SECRET_LEN);
        let keychain = format!(
            "server/{name}/stack/{}/{}",
            environment.name(),
            key.to_lowercase()
        );
        let change = self.change_env(
            name,
            environment,
            key,
            &format!("config rotate {key}"),
            cancel,
            &mut |session, files| {
                if key == "POSTGRES_PASSWORD" {
                    // The database first: the backend's next connection uses the new one.
                    set_database_password(session, files.project(), &new)?;
                    files.edit(POSTGRES_ENV, key, new.expose());
                    files.edit(BACKEND_ENV, "DATABASE_URL", &database_url(new.expose()));
                } else {
                    files.edit(BACKEND_ENV, key, new.expose());
                }
                Ok(())
            },
        )?;
        self.secrets
            .set(&keychain, &new)
            .map_err(|e| remote_error(e, name))?;
        debug_assert!(setting.secret());
        Ok(change)
    }

    /// Edits the env files under the deploy lock, recreates what reads them and checks
    /// health; on failure puts the old files back (and, through `undo`, the old database
    /// password) and brings the old state up again.
    fn change_env(
        &self,
        name: &str,
        environment: Environment,
        key: &str,
        audit_line: &str,
        cancel: &Cancel,
        edit: &mut dyn FnMut(&Session, &mut EnvFiles) -> Result<(), ApiError>,
    ) -> Result<ConfigChange, ApiError> {
        let _claim = self.busy.claim(name, "a settings change")?;
        let (server, session) = self.open_session(name)?;
        let fail = |e| remote_error(e, name);
        let dir = stack_dir(&server.stack_dir, environment);
        let installed =
            self.installed(name, environment, "config.not_installed", "to configure")?;
        let facts = facts::gather(&session, &server.stack_dir).map_err(fail)?;
        let compose = steps::compose_of(&facts).map_err(fail)?;
        // Let go however this ends.
        let _lock = super::lock::DeployLock::take(
            &session,
            name,
            environment,
            &dir,
            &super::holder(),
            "a settings change",
        )?;
        let mut files = EnvFiles::read(&session, &dir)?;
        let before = files.clone();
        edit(&session, &mut files)?;
        // Back to what served: the old files, the old password in the database.
        let undo = |files: &EnvFiles| {
            let _ = put_files(&session, &dir, &before.changed(files), &Cancel::new());
            if let Some(old) = before.value(POSTGRES_ENV, "POSTGRES_PASSWORD")
                && files.value(POSTGRES_ENV, "POSTGRES_PASSWORD") != Some(old)
            {
                let _ = set_database_password(&session, &files.project, &Secret::new(old));
            }
        };
        if let Err(err) = put_files(&session, &dir, &files.changed(&before), cancel) {
            undo(&files);
            return Err(fail(err));
        }
        let spec = running_spec(
            &dir,
            project_name(&dir),
            environment,
            &installed,
            std::time::Duration::from_secs(180),
        );
        if let Err(err) = steps::apply(&session, &spec, &compose, cancel) {
            undo(&files);
            let back = steps::apply(&session, &spec, &compose, &Cancel::new());
            let e = ApiError::new(
                "config.unhealthy",
                format!(
                    "with the new {key}, DeskMate did not turn healthy ({}); {}",
                    remote_error(err, name).message,
                    if back.is_ok() {
                        "the old setting is back and serves"
                    } else {
                        "putting the old setting back did not bring it up either"
                    }
                ),
                "read the backend's logs (server logs) to see why the new value was refused",
            );
            return Err(e.with_detail("key", key));
        }
        audit(&session, &dir, audit_line);
        Ok(ConfigChange {
            server: name.to_string(),
            environment: environment.name(),
            key: key.to_string(),
            restarted: config::find(key)
                .map(|s| s.services.iter().map(|x| x.to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

/// `backend.env` and `postgres.env` as they are on the server, edited in memory.
#[derive(Clone)]
struct EnvFiles {
    project: String,
    backend: String,
    postgres: String,
}

impl EnvFiles {
    fn read(session: &Session, dir: &str) -> Result<EnvFiles, ApiError> {
        let fail = |e| remote_error(e, "the server");
        let backend = read_env(session, dir, BACKEND_ENV).map_err(fail)?;
        let postgres = read_env(session, dir, POSTGRES_ENV).map_err(fail)?;
        if backend.is_empty() || postgres.is_empty() {
            return Err(ApiError::new(
                "config.not_installed",
                "the stack's settings files are not on the server",
                "install DeskMate first (or again: it keeps the data)",
            ));
        }
        Ok(EnvFiles {
            project: project_name(dir),
            backend,
            postgres,
        })
    }

    fn project(&self) -> &str {
        &self.project
    }

    fn text(&mut self, path: &str) -> &mut String {
        if path == POSTGRES_ENV {
            &mut self.postgres
        } else {
            &mut self.backend
        }
    }

    fn edit(&mut self, path: &str, key: &str, value: &str) {
        let text = self.text(path);
        *text = config::set_line(text, key, value);
    }

    fn value(&self, path: &str, key: &str) -> Option<&str> {
        let text = if path == POSTGRES_ENV {
            &self.postgres
        } else {
            &self.backend
        };
        text.lines()
            .filter_map(|l| l.split_once('='))
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The files that differ from `other`, as secret (0600) uploads.
    fn changed(&self, other: &EnvFiles) -> Vec<SpecFile> {
        [
            (BACKEND_ENV, &self.backend, &other.backend),
            (POSTGRES_ENV, &self.postgres, &other.postgres),
        ]
        .into_iter()
        .filter(|(_, mine, theirs)| mine != theirs)
        .map(|(path, mine, _)| SpecFile {
            path: path.to_string(),
            contents: mine.clone().into_bytes(),
            secret: true,
        })
        .collect()
    }
}

/// `ALTER USER` in the running database, the statement on stdin (never a command line).
/// The password is the app's own (letters and digits), so it quotes plainly.
fn set_database_password(
    session: &Session,
    project: &str,
    password: &Secret,
) -> Result<(), ApiError> {
    let fail = |e| remote_error(e, "the server");
    debug_assert!(password.expose().chars().all(|c| c.is_ascii_alphanumeric()));
    let statement = format!(
        "ALTER USER deskmate WITH PASSWORD '{}';\n",
        password.expose()
    );
    let out = session
        .capture_with_input(
            &script(
                r#"c=$(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=postgres | head -n 1)
[ -n "$c" ] || { echo "the database is not running" >&2; exit 1; }
exec docker exec -i "$c" psql -X -q -v ON_ERROR_STOP=1 -U deskmate -d deskmate"#,
                &[project],
            )
            .map_err(fail)?,
            Some(&mut statement.as_bytes()),
            64 * 1024,
        )
        .map_err(fail)?;
    if !out.exit.success() {
        return Err(ApiError::new(
            "config.database_refused",
            format!(
                "the database did not take the new password: {}",
                out.stderr_tail().trim()
            ),
            "nothing was changed; check that the database runs (server health)",
        ));
    }
    Ok(())
}
