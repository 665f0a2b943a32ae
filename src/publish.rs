//! `deskmate room publish|rollback|published` and `deskmate persona publish|rollback|
//! published`: rooms and personas put on a server where the companion reads them, each
//! version kept and checked through the backend (`Servers::room_publish` and friends in
//! `deskmate-api`). This only parses and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use deskmate_api::servers::Published;
use deskmate_api::{ApiError, DataDir, Personas, Servers};

use crate::interrupt;
use crate::output::{self, ok};
use crate::progress::Printer;
use crate::server::EnvironmentArg;

/// Which server, and which of its installs.
#[derive(Args)]
pub struct Target {
    /// The server profile to publish to
    #[arg(long = "server", value_name = "NAME")]
    pub server: String,
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    pub environment: EnvironmentArg,
}

/// `room publish FILE`.
pub fn room(file: PathBuf, target: Target, json: bool) -> ExitCode {
    let room = match deskmate_api::read_room_file(&file) {
        Ok(room) => room,
        Err(e) => return output::error(&e, json),
    };
    with_servers(json, |servers| {
        let watch = interrupt::changing(&target.server, target.environment.into());
        let mut printer = Printer::new(json);
        finish_one(
            servers.room_publish(
                &target.server,
                target.environment.into(),
                &room,
                &mut printer.on_event(),
                watch.cancel(),
            ),
            json,
        )
    })
}

/// `room rollback ROOM_ID`.
pub fn room_rollback(room: String, to: Option<u32>, target: Target, json: bool) -> ExitCode {
    with_servers(json, |servers| {
        finish_one(
            servers.room_rollback(&target.server, target.environment.into(), &room, to),
            json,
        )
    })
}

/// `persona publish ID…`.
pub fn personas(personas: &Personas, ids: Vec<i64>, target: Target, json: bool) -> ExitCode {
    with_servers(json, |servers| {
        let watch = interrupt::changing(&target.server, target.environment.into());
        let mut printer = Printer::new(json);
        output::finish(
            servers.persona_publish(
                &target.server,
                target.environment.into(),
                personas,
                &ids,
                &mut printer.on_event(),
                watch.cancel(),
            ),
            json,
            ok,
            |all| all.iter().for_each(print_one),
        )
    })
}

/// `persona rollback FOLDER`.
pub fn persona_rollback(folder: String, to: Option<u32>, target: Target, json: bool) -> ExitCode {
    with_servers(json, |servers| {
        finish_one(
            servers.persona_rollback(&target.server, target.environment.into(), &folder, to),
            json,
        )
    })
}

/// `room published` / `persona published`: the server's publish log for one kind.
pub fn published(kind: &'static str, target: Target, json: bool) -> ExitCode {
    with_servers(json, |servers| {
        let log = servers
            .publications(&target.server, target.environment.into())
            .map(|all| {
                all.into_iter()
                    .filter(|p| p.kind == kind)
                    .collect::<Vec<_>>()
            });
        output::finish(log, json, ok, |log| {
            if log.is_empty() {
                println!("No {kind} has been published to {} yet.", target.server);
            }
            for p in log {
                println!(
                    "{}  {:<8} {:<24} v{:<4} {}",
                    p.time, p.action, p.name, p.version, p.holder
                );
            }
        })
    })
}

fn with_servers(json: bool, then: impl FnOnce(&Servers) -> ExitCode) -> ExitCode {
    let servers = DataDir::from_env().and_then(|data| {
        deskmate_api::logging::init(&data);
        Servers::open(&data)
    });
    match servers {
        Ok(servers) => then(&servers),
        Err(e) => output::error(&e, json),
    }
}

fn finish_one(result: Result<Published, ApiError>, json: bool) -> ExitCode {
    output::finish(result, json, ok, print_one)
}

fn print_one(p: &Published) {
    println!(
        "{} {} v{}{}: {}",
        p.kind,
        p.name,
        p.version,
        if p.new_version {
            ""
        } else {
            " (already there)"
        },
        p.checked
    );
}
