//! `server alerts`: the server's watchdog and where its e-mails go. The settings go to the
//! server (`shared/watch.env`, no secrets), the SMTP password to the keychain and a 0600
//! file beside them, and the timer that runs the watchdog every five minutes to systemd.
//! `watch_status` reads back what the watchdog keeps, for the server page, its chart and
//! the desktop notifications.

use deskmate_remote::Remote;
use deskmate_remote::ops::alerts::{self as alerts_op, AlertsDone, AlertsSpec};
use deskmate_remote::ops::install::SpecFile;
use deskmate_remote::ops::{Event, Runner, Scope};
use deskmate_remote::watch::{self, HealthSample, Incident, WatchCheck, WatchEvent, WatchLevel};
use deskmate_remote::{Cancel, Secret, Session, script};
use deskmate_stack::watch::{self as files, AlertSettings};
use deskmate_stack::{Environment, project_name};
use serde::Serialize;

use super::install::stack_error;
use super::opened::Opened;
use super::release::read_answers;
use super::{Servers, holder, remote_error, stopped_error};
use crate::error::ApiError;

/// What the owner asks of the alerts.
#[derive(Debug, Clone)]
pub enum AlertsChange {
    /// E-mail these settings; the password when the SMTP server asks for one (None keeps
    /// the one already set).
    On {
        settings: AlertSettings,
        password: Option<Secret>,
    },
    /// No more e-mail. The watchdog keeps checking, for the app's page and chart.
    Off,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AlertsReport {
    pub server: String,
    pub environment: &'static str,
    /// Where alerts go now; None when they are off.
    pub email: Option<String>,
    /// `host:port`.
    pub smtp: Option<String>,
    /// The watchdog's timer, when this account could install it (root or sudo).
    pub timer: Option<String>,
    /// What happens next, in plain words.
    pub next: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct WatchReport {
    pub server: String,
    pub environment: &'static str,
    /// The worst level of the last round; None before the first round.
    pub overall: Option<WatchLevel>,
    pub checks: Vec<WatchCheck>,
    /// The changes of level, oldest first.
    pub events: Vec<WatchEvent>,
    /// A week of rounds, oldest first.
    pub samples: Vec<HealthSample>,
    /// Installs, updates, rollbacks, restores and maintenance runs, oldest first.
    pub incidents: Vec<Incident>,
    pub email: Option<String>,
    pub smtp: Option<String>,
    /// The SMTP user name and the sender, as saved: a form shows them, and saves them back.
    pub smtp_user: Option<String>,
    pub smtp_from: Option<String>,
    /// Whether the server holds an SMTP password (never the password).
    pub has_smtp_password: bool,
}

fn password_key(name: &str, environment: Environment) -> String {
    format!("server/{name}/stack/{}/smtp_password", environment.name())
}

impl Servers {
    /// Sets (or turns off) the alert e-mails, and makes sure the watchdog and its timer are
    /// in place. Idempotent: files are written only when they differ.
    pub fn alerts_set(
        &self,
        name: &str,
        environment: Environment,
        change: &AlertsChange,
        host_root: &str,
    ) -> Result<AlertsReport, ApiError> {
        if let AlertsChange::On { settings, .. } = change {
            settings.check().map_err(stack_error)?;
        }
        let Opened {
            server,
            session,
            dir,
            _claim,
        } = self.open_for(name, environment, Some("the alert settings"))?;
        let fail = |e| remote_error(e, name);
        let cancel = Cancel::new();
        let settings = match change {
            AlertsChange::On { settings, .. } => Some(settings),
            AlertsChange::Off => None,
        };
        let mut uploads = watch_files(&session, &dir).map_err(fail)?;
        uploads.push(plain(files::WATCH_ENV, files::watch_env(name, settings)));
        match change {
            AlertsChange::On {
                settings,
                password: Some(password),
            } if settings.smtp_user.is_some() => {
                // The keychain copy first, so the owner's copy never lags the server's.
                self.secrets
                    .set(&password_key(name, environment), password)
                    .map_err(fail)?;
                uploads.push(SpecFile {
                    path: files::SMTP_PASSWORD.to_string(),
                    contents: password.expose().as_bytes().to_vec(),
                    secret: true,
                });
            }
            AlertsChange::On {
                settings,
                password: None,
            } if settings.smtp_user.is_some() => {
                self.keep_password(name, environment, settings, &session, &dir, &mut uploads)?;
            }
            _ => {}
        }
        let project = project_name(&dir);
        let spec = AlertsSpec {
            scope: Scope {
                dir: dir.clone(),
                environment: environment.name().into(),
                subject: if settings.is_some() { "on" } else { "off" }.into(),
            },
            files: uploads,
            remove: matches!(change, AlertsChange::Off).then(|| files::SMTP_PASSWORD.to_string()),
            units: files::timer_units(&dir, &project, &server.user)
                .into_iter()
                .map(|f| plain(&f.path, f.contents))
                .collect(),
            staging: format!("{dir}/state/host"),
            host_root: host_root.to_string(),
            timer: files::timer_name(&project),
        };
        let mut done = AlertsDone::default();
        Runner::new(&session, &cancel, holder(), &mut |_: &Event| {})
            .run(alerts_op::plan(&spec), &mut done)
            .map_err(|stopped| stopped_error(stopped, name, environment))?;
        if matches!(change, AlertsChange::Off) {
            self.secrets
                .delete(&password_key(name, environment))
                .map_err(fail)?;
        }
        let timer = done.timer;
        // A first round now, so the page has something to show and the state starts from
        // what is true today (a problem already there is e-mailed once, now).
        let mail_failed = one_round(&session, name, spec.scope.clone(), spec.files.clone())?;
        let next = match (settings, &timer) {
            (Some(s), Some(_)) => format!(
                "The watchdog checks {name} every five minutes and e-mails {} when something changes. Send a test e-mail to be sure it arrives.",
                s.email
            ),
            (Some(_), None) => format!(
                "{} may not act as root on {name}, so the watchdog's timer is not installed: it runs only when the app asks. Add the server with a root account (or passwordless sudo) to watch it around the clock.",
                server.user
            ),
            (None, _) => "No more alert e-mails. The watchdog keeps checking, so the server page still shows how it is.".into(),
        };
        let next = match mail_failed {
            Some(why) => format!(
                "The settings are saved, but the first alert e-mail could not be sent ({why}). Check them and send a test e-mail."
            ),
            None => next,
        };
        Ok(AlertsReport {
            server: name.to_string(),
            environment: environment.name(),
            email: settings.map(|s| s.email.clone()),
            smtp: settings.map(|s| format!("{}:{}", s.smtp_host, s.smtp_port)),
            timer,
            next,
        })
    }

    /// With no new password: the server's file stays if it is there; else the keychain's
    /// copy goes back; else the owner must give one. Never for another SMTP server or
    /// account than the one it was given for: a password is not sent to a new host.
    fn keep_password(
        &self,
        name: &str,
        environment: Environment,
        settings: &AlertSettings,
        session: &Session,
        dir: &str,
        uploads: &mut Vec<SpecFile>,
    ) -> Result<(), ApiError> {
        let fail = |e| remote_error(e, name);
        let was = watch::read(session, dir).map_err(fail)?.settings;
        let (host, user) = (
            setting(&was, "SMTP_HOST").unwrap_or_default(),
            setting(&was, "SMTP_USER").unwrap_or_default(),
        );
        if host != settings.smtp_host || Some(&user) != settings.smtp_user.as_ref() {
            return Err(ApiError::new(
                "alerts.password_needed",
                format!(
                    "the alerts now go through {} as {}, not {host} as {user}: the password kept for those is not sent to another server or account",
                    settings.smtp_host,
                    settings.smtp_user.as_deref().unwrap_or("")
                ),
                "give the SMTP password for the new server and user",
            ));
        }
        let on_server = session
            .capture(
                &script(
                    "[ -s \"$1/$2\" ] && echo yes || true",
                    &[dir, files::SMTP_PASSWORD],
                )
                .map_err(fail)?,
                64,
            )
            .map_err(fail)?;
        if on_server.stdout_text().trim() == "yes" {
            return Ok(());
        }
        let kept = self
            .secrets
            .get(&password_key(name, environment))
            .map_err(fail)?
            .ok_or_else(|| {
                ApiError::new(
                    "alerts.no_password",
                    "the SMTP server needs a password, and none is set for these alerts",
                    "give the SMTP password your mail provider gives for sending",
                )
            })?;
        uploads.push(SpecFile {
            path: files::SMTP_PASSWORD.to_string(),
            contents: kept.expose().as_bytes().to_vec(),
            secret: true,
        });
        Ok(())
    }

    /// A test e-mail, sent now by the server with the settings the watchdog uses.
    pub fn alerts_test(&self, name: &str, environment: Environment) -> Result<String, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("a test e-mail"))?;
        watch::send_test(&session, &dir).map_err(|e| remote_error(e, name))?;
        let state = watch::read(&session, &dir).map_err(|e| remote_error(e, name))?;
        Ok(setting(&state.settings, "ALERT_EMAIL").unwrap_or_default())
    }

    /// What the watchdog keeps; with `round_now`, after one more round (the page's Refresh).
    pub fn watch_status(
        &self,
        name: &str,
        environment: Environment,
        round_now: bool,
    ) -> Result<WatchReport, ApiError> {
        // Only a round changes anything; a read runs beside whatever else the server is
        // doing (the app reads every server's watchdog every few minutes).
        let _claim = match round_now {
            true => Some(self.busy.claim(name, "a watchdog round")?),
            false => None,
        };
        let Opened { session, dir, .. } = self.open_for(name, environment, None)?;
        let fail = |e| remote_error(e, name);
        if round_now {
            let scope = Scope {
                dir: dir.clone(),
                environment: environment.name().into(),
                subject: "-".into(),
            };
            let files = watch_files(&session, &dir).map_err(fail)?;
            // A failed e-mail is retried by the next round; the page shows the checks.
            one_round(&session, name, scope, files)?;
        }
        let state = watch::read(&session, &dir).map_err(fail)?;
        let email = setting(&state.settings, "ALERT_EMAIL");
        let smtp = setting(&state.settings, "SMTP_HOST").map(|h| {
            format!(
                "{h}:{}",
                setting(&state.settings, "SMTP_PORT").unwrap_or_else(|| "587".into())
            )
        });
        Ok(WatchReport {
            server: name.to_string(),
            environment: environment.name(),
            overall: state.checks.iter().map(|c| c.level).max(),
            checks: state.checks,
            events: state.events,
            samples: state.samples,
            incidents: state.incidents,
            email,
            smtp,
            smtp_user: setting(&state.settings, "SMTP_USER").filter(|u| !u.is_empty()),
            smtp_from: setting(&state.settings, "SMTP_FROM").filter(|f| !f.is_empty()),
            has_smtp_password: state.has_password,
        })
    }
}

fn setting(settings: &[(String, String)], key: &str) -> Option<String> {
    settings
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

/// One watchdog round now (the watchdog's `files` put first, if they changed); Some(why)
/// when its alert e-mail could not be sent.
fn one_round(
    session: &Session,
    name: &str,
    scope: Scope,
    files: Vec<SpecFile>,
) -> Result<Option<String>, ApiError> {
    let mut mail_failed = None;
    Runner::new(session, &Cancel::new(), holder(), &mut |_: &Event| {})
        .run(alerts_op::round(scope, files), &mut mail_failed)
        .map_err(|stopped| remote_error(stopped.error, name))?;
    Ok(mail_failed)
}

fn plain(path: &str, contents: String) -> SpecFile {
    SpecFile {
        path: path.to_string(),
        contents: contents.into_bytes(),
        secret: false,
    }
}

/// The watchdog's scripts, and `shared/site.env` from the install's answers (a stack
/// installed before the watchdog existed has none yet).
fn watch_files(session: &Session, dir: &str) -> deskmate_remote::Result<Vec<SpecFile>> {
    let mut uploads: Vec<SpecFile> = files::scripts()
        .into_iter()
        .map(|f| plain(&f.path, f.contents))
        .collect();
    if let Some(answers) = read_answers(session, dir)? {
        uploads.push(plain(
            files::SITE_ENV,
            files::site_env(
                answers.domain.as_deref(),
                &answers.tls,
                answers.http_port,
                answers.https_port,
            ),
        ));
    }
    Ok(uploads)
}
