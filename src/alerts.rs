//! `deskmate server alerts`: where the watchdog's e-mails go (`--email --smtp`), a test
//! e-mail (`--test`), no more e-mail (`--off`); with none of those, what the watchdog saw
//! last (`--now` runs a round first). The work is in `Servers::alerts_set`, `alerts_test`
//! and `watch_status`.

use std::process::ExitCode;

use clap::Args;
use deskmate_api::servers::{AlertSettings, AlertsChange, AlertsReport, WatchLevel, WatchReport};
use deskmate_api::{ApiError, Servers};

use crate::output::{self, ok};
use crate::server::{EnvironmentArg, secret_from_stdin};

#[derive(Args)]
pub struct AlertsArgs {
    pub name: String,
    /// Where alert e-mails go
    #[arg(long, value_name = "ADDR", requires = "smtp", conflicts_with = "off")]
    pub email: Option<String>,
    /// The SMTP server that sends them, HOST:PORT (587 or 465 with most providers)
    #[arg(long, value_name = "HOST:PORT", requires = "email")]
    pub smtp: Option<String>,
    #[arg(long, value_name = "U", requires = "email")]
    pub smtp_user: Option<String>,
    /// Read the SMTP password from the first line of stdin (kept: leave it out to keep it)
    #[arg(long, requires = "smtp_user")]
    pub smtp_password_stdin: bool,
    /// The sender's address (deskmate@ the server's name when not given)
    #[arg(long, value_name = "ADDR", requires = "email")]
    pub from: Option<String>,
    /// Send a test e-mail now (after any change above)
    #[arg(long, conflicts_with = "off")]
    pub test: bool,
    /// No more alert e-mails (the watchdog keeps checking, for the app)
    #[arg(long)]
    pub off: bool,
    /// Run a round of checks now before showing them
    #[arg(long)]
    pub now: bool,
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    pub environment: EnvironmentArg,
}

pub fn run(servers: &Servers, a: AlertsArgs, json: bool) -> ExitCode {
    let environment = a.environment.into();
    let change = match change(&a) {
        Ok(change) => change,
        Err(e) => return output::error(&e, json),
    };
    if let Some(change) = change {
        let set = servers.alerts_set(&a.name, environment, &change, "");
        if !a.test {
            return output::finish(set, json, ok, print_set);
        }
        match set {
            Ok(report) if !json => print_set(&report),
            Ok(_) => {}
            Err(e) => return output::error(&e, json),
        }
    }
    if a.test {
        let sent = servers
            .alerts_test(&a.name, environment)
            .map(|to| serde_json::json!({ "sent_to": to }));
        return output::finish(sent, json, ok, |sent| {
            println!(
                "A test e-mail went to {}. If it has not arrived in a few minutes, look in the spam folder, then check the SMTP settings.",
                sent["sent_to"].as_str().unwrap_or("")
            )
        });
    }
    output::finish(
        servers.watch_status(&a.name, environment, a.now),
        json,
        ok,
        print_status,
    )
}

fn change(a: &AlertsArgs) -> Result<Option<AlertsChange>, ApiError> {
    if a.off {
        return Ok(Some(AlertsChange::Off));
    }
    let (Some(email), Some(smtp)) = (&a.email, &a.smtp) else {
        return Ok(None);
    };
    let (host, port) = smtp
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
        .ok_or_else(|| {
            ApiError::new(
                "usage.bad_smtp",
                format!("`{smtp}` is not HOST:PORT"),
                "give the SMTP server like smtp.example.org:587",
            )
        })?;
    let password = if a.smtp_password_stdin {
        Some(secret_from_stdin("SMTP password")?)
    } else {
        None
    };
    Ok(Some(AlertsChange::On {
        settings: AlertSettings {
            email: email.clone(),
            smtp_host: host,
            smtp_port: port,
            smtp_user: a.smtp_user.clone(),
            from: a.from.clone(),
        },
        password,
    }))
}

fn print_set(r: &AlertsReport) {
    match (&r.email, &r.smtp) {
        (Some(email), Some(smtp)) => {
            println!("Alerts for {} go to {email} through {smtp}.", r.server)
        }
        _ => println!("Alert e-mails for {} are off.", r.server),
    }
    println!("{}", r.next);
}

fn word(level: WatchLevel) -> &'static str {
    match level {
        WatchLevel::Ok => "ok",
        WatchLevel::Warn => "WARN",
        WatchLevel::Fail => "FAIL",
    }
}

fn print_status(r: &WatchReport) {
    match &r.email {
        Some(email) => println!(
            "Alerts go to {email} ({}).",
            r.smtp.as_deref().unwrap_or("")
        ),
        None => println!("Alert e-mails are off."),
    }
    if r.checks.is_empty() {
        println!(
            "The watchdog has not run on {} yet (run with --now).",
            r.server
        );
        return;
    }
    for c in &r.checks {
        println!("{:<5} {:<12} {}", word(c.level), c.id, c.message);
        if !c.fix.is_empty() {
            println!("      {:<12} what to do: {}", "", c.fix);
        }
    }
    let recent: Vec<_> = r.events.iter().rev().take(5).collect();
    if !recent.is_empty() {
        println!("Latest changes:");
        for e in recent {
            println!(
                "  {}  {:<12} {}: {}",
                e.time,
                e.check,
                word(e.to),
                e.message
            );
        }
    }
}
