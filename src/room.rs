//! `deskmate room …`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use deskmate_api::{ExportFormat, RoomCommand, RoomReport};

use crate::output::{self, INVALID, OK, ok};

#[derive(Subcommand)]
pub enum RoomCommandLine {
    /// List the built-in templates (modern, cozy, office, futuristic)
    Templates {},
    /// Start a new room from a template
    New {
        #[arg(long, value_name = "NAME")]
        template: String,
        output: PathBuf,
    },
    /// Check a room (JSON or YAML) with the built-in rules and every enabled plugin; exit 0
    /// when valid (warnings allowed), 1 when not
    Validate { file: PathBuf },
    /// Apply edit commands (the editor's own) in order and write the result; nothing is
    /// written if any command is refused
    Edit {
        file: PathBuf,
        output: PathBuf,
        /// A command as JSON, e.g. '{"op":"move","id":"sofa","x":12,"y":9}'; repeatable
        #[arg(long = "command", value_name = "JSON", required = true)]
        commands: Vec<String>,
    },
    /// Draw a PNG preview of the room
    Render {
        file: PathBuf,
        output: PathBuf,
        /// Leave object names off the picture
        #[arg(long)]
        no_labels: bool,
    },
    /// Export for the DeskMate server (grid-objects, floor-plan) or as a .dmroom package
    Export {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: FormatArg,
        output: PathBuf,
    },
    /// Put the room on a server as a new version of its floor plan, load it and make it the
    /// active one (checked through the backend); publishing the same room again is a no-op
    Publish {
        file: PathBuf,
        #[command(flatten)]
        target: crate::publish::Target,
    },
    /// Make an older published version of a room the active one again
    Rollback {
        /// The room's id
        room: String,
        /// The version to go back to (the one before the active one by default)
        #[arg(long)]
        to: Option<u32>,
        #[command(flatten)]
        target: crate::publish::Target,
    },
    /// The rooms published to a server, and their rollbacks
    Published {
        #[command(flatten)]
        target: crate::publish::Target,
    },
    /// Unpack a .dmroom package: the room to OUT, its sprites to sprites/ beside it
    Import { package: PathBuf, output: PathBuf },
    /// Print the JSON Schema of the room format
    Schema,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    GridObjects,
    FloorPlan,
    Package,
}

pub fn run(command: RoomCommandLine, json: bool) -> ExitCode {
    use RoomCommandLine::*;
    match command {
        Templates {} => output::finish(deskmate_api::room_templates(), json, ok, |list| {
            for t in list {
                println!(
                    "{:<11} {} — {} objects, {} theme",
                    t.name, t.title, t.objects, t.theme
                );
                println!("            {}", t.description);
            }
        }),
        New { template, output } => {
            output::finish(deskmate_api::new_room(&template, &output), json, ok, |r| {
                print_room(r, "wrote")
            })
        }
        Validate { file } => output::finish(
            crate::plugin::open().and_then(|plugins| deskmate_api::validate_room(&file, &plugins)),
            json,
            |r| if r.valid { OK } else { INVALID },
            |r| print_room(r, "checked"),
        ),
        Edit {
            file,
            output,
            commands,
        } => {
            let parsed: Result<Vec<RoomCommand>, _> = commands
                .iter()
                .map(|c| serde_json::from_str::<RoomCommand>(c).map_err(|e| (c, e)))
                .collect();
            match parsed {
                Ok(commands) => output::finish(
                    deskmate_api::edit_room(&file, &commands, &output),
                    json,
                    ok,
                    |r| print_room(r, "wrote"),
                ),
                Err((text, e)) => output::error(
                    &deskmate_api::ApiError::new(
                        "usage.bad_command",
                        format!("`{text}` is not an edit command: {e}"),
                        "see docs/rooms.md for the commands, e.g. {\"op\":\"move\",\"id\":\"sofa\",\"x\":12,\"y\":9}",
                    ),
                    json,
                ),
            }
        }
        Render {
            file,
            output,
            no_labels,
        } => output::finish(
            deskmate_api::render_room(&file, &output, !no_labels),
            json,
            ok,
            |r| {
                println!(
                    "wrote {} ({}x{} pixels)",
                    r.output.display(),
                    r.width,
                    r.height
                )
            },
        ),
        Publish { file, target } => crate::publish::room(file, target, json),
        Rollback { room, to, target } => crate::publish::room_rollback(room, to, target, json),
        Published { target } => crate::publish::published("room", target, json),
        Export {
            file,
            format,
            output,
        } => {
            let format = match format {
                FormatArg::GridObjects => ExportFormat::GridObjects,
                FormatArg::FloorPlan => ExportFormat::FloorPlan,
                FormatArg::Package => ExportFormat::Package,
            };
            output::finish(
                deskmate_api::export_room(&file, format, &output),
                json,
                ok,
                |r| {
                    println!("wrote {} ({} objects)", r.output.display(), r.objects);
                    for s in &r.sprites {
                        println!("  sprite: {s}");
                    }
                    output::print_diagnostics(&r.diagnostics);
                },
            )
        }
        Import { package, output } => output::finish(
            deskmate_api::import_room_package(&package, &output),
            json,
            ok,
            |r| {
                for s in &r.sprites {
                    println!("  sprite: {}", s.display());
                }
                print_room(&r.room, "wrote");
            },
        ),
        Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&deskmate_api::room_schema())
                    .expect("schema serializes")
            );
            ExitCode::from(OK)
        }
    }
}

pub fn print_room(r: &RoomReport, verb: &str) {
    println!(
        "{verb} {} — {} ({} objects)",
        r.path.display(),
        r.name,
        r.objects
    );
    println!(
        "valid: {} ({})",
        if r.valid { "yes" } else { "no" },
        output::summary(&r.diagnostics)
    );
    output::print_diagnostics(&r.diagnostics);
}
