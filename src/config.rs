//! `deskmate server config NAME list | set KEY=VALUE | set KEY --value-stdin | rotate KEY`:
//! the stack's settings, changed safely (checked, written whole, the services that read them
//! recreated and health-checked, undone if they do not turn healthy). Secret values are
//! never printed and never taken on the command line. The work is in `Servers::config_*`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use deskmate_api::servers::{ConfigChange, ConfigEntry};
use deskmate_api::{ApiError, Secret, Servers};

use crate::interrupt;
use crate::output::{self, ok};
use crate::progress::Printer;
use crate::server::{EnvironmentArg, secret_from_stdin};

#[derive(Args)]
pub struct ConfigArgs {
    pub name: String,
    #[command(subcommand)]
    pub action: ConfigAction,
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production, global = true)]
    pub environment: EnvironmentArg,
}

#[derive(Subcommand)]
pub enum ConfigAction {
    /// Every setting, its value (secrets: only whether they are set) and what reads it
    List,
    /// Change one: KEY=VALUE, or KEY with --value-stdin for an API key
    Set {
        #[arg(value_name = "KEY=VALUE")]
        assignment: String,
        /// Read the value from the first line of stdin (for secrets, which `ps` would show)
        #[arg(long)]
        value_stdin: bool,
    },
    /// Make a new SECRET_KEY, JWT_SECRET or POSTGRES_PASSWORD and put it everywhere it is used
    Rotate { key: String },
}

pub fn run(servers: &Servers, a: ConfigArgs, json: bool) -> ExitCode {
    let environment = a.environment.into();
    match a.action {
        ConfigAction::List => output::finish(
            servers.config_list(&a.name, environment),
            json,
            ok,
            |entries: &Vec<ConfigEntry>| {
                for e in entries {
                    let shown = match (&e.value, e.set, e.secret) {
                        (Some(v), _, _) => v.clone(),
                        (None, true, true) => "(set, secret)".into(),
                        _ => format!("(not set: {})", e.default),
                    };
                    println!("{:<22} {:<28} {}", e.key, shown, e.help);
                }
            },
        ),
        ConfigAction::Set {
            assignment,
            value_stdin,
        } => {
            let parsed = assignment_of(&assignment, value_stdin);
            let (key, value) = match parsed {
                Ok(pair) => pair,
                Err(e) => return output::error(&e, json),
            };
            let watch = interrupt::changing(&a.name, environment);
            let mut printer = Printer::new(json);
            output::finish(
                servers.config_set(
                    &a.name,
                    environment,
                    &key,
                    &value,
                    &mut printer.on_event(),
                    watch.cancel(),
                ),
                json,
                ok,
                print_change,
            )
        }
        ConfigAction::Rotate { key } => {
            let watch = interrupt::changing(&a.name, environment);
            let mut printer = Printer::new(json);
            output::finish(
                servers.config_rotate(
                    &a.name,
                    environment,
                    &key,
                    &mut printer.on_event(),
                    watch.cancel(),
                ),
                json,
                ok,
                print_change,
            )
        }
    }
}

/// `KEY=VALUE`, or `KEY` and the value from stdin. A secret typed on the command line is
/// refused: `ps` and the shell's history would keep it.
fn assignment_of(text: &str, from_stdin: bool) -> Result<(String, Secret), ApiError> {
    if from_stdin {
        return Ok((text.to_string(), secret_from_stdin("value")?));
    }
    let (key, value) = text.split_once('=').ok_or_else(|| {
        ApiError::new(
            "usage.bad_assignment",
            format!("`{text}` is not KEY=VALUE"),
            "give the setting like LOG_LEVEL=debug",
        )
    })?;
    if deskmate_api::servers::config_is_secret(key) {
        return Err(ApiError::new(
            "usage.secret_on_command_line",
            format!(
                "{key} is a secret, and a command line is visible to every user of this computer"
            ),
            "give it on stdin with --value-stdin instead",
        ));
    }
    Ok((key.to_string(), Secret::new(value)))
}

fn print_change(c: &ConfigChange) {
    println!(
        "{} on {} is changed; {} restarted and healthy.",
        c.key,
        c.server,
        c.restarted.join(" and ")
    );
}
