//! `server config`: the stack's settings, listed (secrets as set or not, never their
//! values), set (checked, written whole, the services that read it recreated and
//! health-checked) and rotated (a new secret from the system's random source, in every file
//! and, for the database password, in the database too). A change runs as the engine's
//! `ops::settings` operation: one audit line per step, a secret named by its key alone; a
//! change that fails, or is cancelled, is undone and the old setting serves again.

use std::time::Duration;

use deskmate_remote::ops::settings::{self, Changing, DatabasePassword, EnvEdit, SettingsSpec};
use deskmate_remote::ops::{Event, Runner, Scope};
use deskmate_remote::{Cancel, Secret, secrets};
use deskmate_stack::compose::{BACKEND_ENV, POSTGRES_ENV, database_url};
use deskmate_stack::config::{self, Kind, SETTINGS};
use deskmate_stack::{Environment, project_name};
use serde::Serialize;

use super::install::{read_env, running_spec, stack_error};
use super::opened::Opened;
use super::{Servers, holder, remote_error, stopped_error};
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
        let Opened { session, dir, .. } = self.open_for(name, environment, None)?;
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
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<ConfigChange, ApiError> {
        let setting = config::check(key, value.expose()).map_err(stack_error)?;
        let edits = vec![EnvEdit {
            file: BACKEND_ENV.into(),
            key: key.into(),
            value: value.clone(),
            secret: setting.secret(),
        }];
        self.change_env(name, environment, key, "set", edits, None, on_event, cancel)
    }

    /// A new value for a generated secret, everywhere it is used.
    pub fn config_rotate(
        &self,
        name: &str,
        environment: Environment,
        key: &str,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<ConfigChange, ApiError> {
        config::find(key)
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
        let secret = |file: &str, key: &str, value: Secret| EnvEdit {
            file: file.into(),
            key: key.into(),
            value,
            secret: true,
        };
        let (edits, database) = if key == "POSTGRES_PASSWORD" {
            // In the database first (a step of its own), then in both files.
            let url = Secret::new(database_url(new.expose()));
            (
                vec![
                    secret(POSTGRES_ENV, key, new.clone()),
                    secret(BACKEND_ENV, "DATABASE_URL", url),
                ],
                Some(DatabasePassword {
                    new: new.clone(),
                    file: POSTGRES_ENV.into(),
                    key: key.into(),
                }),
            )
        } else {
            (vec![secret(BACKEND_ENV, key, new.clone())], None)
        };
        let change = self.change_env(
            name,
            environment,
            key,
            "rotate",
            edits,
            database,
            on_event,
            cancel,
        )?;
        self.secrets
            .set(&keychain, &new)
            .map_err(|e| remote_error(e, name))?;
        Ok(change)
    }

    /// The change as an operation (`ops::settings`): under the deploy lock, the env files
    /// edited, what reads them recreated and health-checked; on failure or cancel the old
    /// files (and the old database password) go back and the old setting serves again.
    #[allow(clippy::too_many_arguments)]
    fn change_env(
        &self,
        name: &str,
        environment: Environment,
        key: &str,
        verb: &'static str,
        edits: Vec<EnvEdit>,
        database: Option<DatabasePassword>,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<ConfigChange, ApiError> {
        let Opened {
            server,
            session,
            dir,
            _claim,
        } = self.open_for(name, environment, Some("a settings change"))?;
        let installed =
            self.installed(name, environment, "config.not_installed", "to configure")?;
        let compose = self.compose_on(name, &server, &session)?;
        let services: Vec<String> = config::find(key)
            .map(|s| s.services.iter().map(|x| x.to_string()).collect())
            .unwrap_or_default();
        let spec = SettingsSpec {
            scope: Scope {
                dir: dir.clone(),
                environment: environment.name().into(),
                subject: key.into(),
            },
            verb,
            key: key.into(),
            files: vec![BACKEND_ENV.into(), POSTGRES_ENV.into()],
            edits,
            set_line: config::set_line,
            database,
            services: services.clone(),
            running: running_spec(
                &dir,
                project_name(&dir),
                environment,
                &installed,
                Duration::from_secs(180),
            ),
            compose,
            proxy_wait: Duration::from_secs(90),
        };
        Runner::new(&session, cancel, holder(), on_event)
            .run(settings::plan(&spec), &mut Changing::default())
            .map_err(|stopped| stopped_error(stopped, name, environment).with_detail("key", key))?;
        Ok(ConfigChange {
            server: name.to_string(),
            environment: environment.name(),
            key: key.to_string(),
            restarted: services,
        })
    }
}
