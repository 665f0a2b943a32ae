//! Watching a server from the app: what its watchdog saw (and a round now), where alert
//! e-mails go and a test e-mail, maintenance (its plan, then the run, step by step), and
//! the logs with their error patterns. Production only, as install is.

use deskmate_api::servers::{AlertSettings, AlertsChange, LogFilter, LogLevel, LogQuery};
use deskmate_api::{Cancel, Environment, Secret};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, Name, Reply, args, reply};
use crate::{Studio, Task};

pub(super) const HANDLERS: &[(&str, Handler)] = &[
    ("server_watch", watch),
    ("server_alerts_set", alerts_set),
    ("server_alerts_test", alerts_test),
    ("server_maintain", maintain),
    ("server_logs", logs),
];

#[derive(Deserialize)]
struct Watch {
    name: String,
    /// Run one round of checks first (the page's "Check now").
    #[serde(default)]
    now: bool,
}

fn watch(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Watch { name, now } = args(value)?;
    reply(
        studio
            .app
            .servers
            .watch_status(&name, Environment::Production, now)?,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alerts {
    name: String,
    /// None turns the e-mails off.
    email: Option<String>,
    #[serde(default)]
    smtp_host: String,
    #[serde(default)]
    smtp_port: u16,
    smtp_user: Option<String>,
    /// The sender, as the Watch page read it back (None: the server's default).
    #[serde(default)]
    smtp_from: Option<String>,
    /// Only when the owner typed one: None keeps the one already set.
    smtp_password: Option<String>,
}

fn alerts_set(studio: &Studio, value: Value, _: &Task) -> Reply {
    let a: Alerts = args(value)?;
    let change = match a.email {
        None => AlertsChange::Off,
        Some(email) => AlertsChange::On {
            settings: AlertSettings {
                email,
                smtp_host: a.smtp_host,
                smtp_port: a.smtp_port,
                smtp_user: a.smtp_user.filter(|u| !u.is_empty()),
                from: a.smtp_from.filter(|f| !f.is_empty()),
            },
            password: a.smtp_password.filter(|p| !p.is_empty()).map(Secret::new),
        },
    };
    reply(studio.app.servers.alerts_set(
        &a.name,
        Environment::Production,
        &change,
        studio.host_root(),
    )?)
}

fn alerts_test(studio: &Studio, value: Value, _: &Task) -> Reply {
    let Name { name } = args(value)?;
    let to = studio
        .app
        .servers
        .alerts_test(&name, Environment::Production)?;
    reply(json!({ "sent_to": to }))
}

#[derive(Deserialize)]
struct Maintain {
    name: String,
    #[serde(default)]
    plan: bool,
}

/// The operation's events go to the window as `{ "event": … }`; each of the script's own
/// steps is a note.
fn maintain(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Maintain { name, plan } = args(value)?;
    reply(studio.app.servers.maintain(
        &name,
        Environment::Production,
        plan,
        &mut task.on_event(),
        &task.cancel(),
    )?)
}

#[derive(Deserialize)]
struct Logs {
    name: String,
    /// `30m`, `1h`, `24h`.
    since: String,
    #[serde(default)]
    errors_only: bool,
}

/// The last `since` of logs: the error patterns (which the page shows first), the request
/// figures, the space, and the lines (shown on demand).
fn logs(studio: &Studio, value: Value, task: &Task) -> Reply {
    let Logs {
        name,
        since,
        errors_only,
    } = args(value)?;
    let filter = LogFilter {
        query: LogQuery {
            since: Some(since.clone()),
            ..LogQuery::default()
        },
        level: errors_only.then_some(LogLevel::Error),
        grep: None,
    };
    let minutes = minutes_of(&since);
    let cancel: Cancel = task.cancel();
    reply(studio.app.servers.logs_report(
        &name,
        Environment::Production,
        &filter,
        minutes,
        &cancel,
    )?)
}

/// `30m`, `1h` or `24h` in minutes, for the request rates; an hour when it is unreadable
/// (the server refuses an unreadable period anyway).
fn minutes_of(since: &str) -> f64 {
    let (number, unit) = since.split_at(since.len().saturating_sub(1));
    let n: f64 = number.parse().unwrap_or(1.0);
    match unit {
        "m" => n,
        "h" => n * 60.0,
        "d" => n * 1440.0,
        _ => 60.0,
    }
}
