//! `deskmate`: the DeskMate Studio command line.
//!
//! `deskmate <noun> <verb> [args]`. Handlers parse arguments, call one `deskmate-api`
//! function and render its report; they hold no logic of their own.
//!
//! Exit codes: 0 ok, 1 the input is invalid or a check failed, 2 usage or I/O error, or a
//! server that could not be reached (or an operation stopped by Ctrl-C, `ssh.cancelled`);
//! 130 left at once by a second Ctrl-C (see `interrupt`).

mod alerts;
mod backup;
mod card;
mod config;
mod interrupt;
mod logs;
mod maintain;
mod output;
mod persona;
mod plugin;
mod progress;
mod publish;
mod recover;
mod release;
mod room;
mod server;
mod tour;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "deskmate",
    version,
    about = "DeskMate Studio: character cards, rooms and your DeskMate server"
)]
struct Cli {
    /// Machine-readable output: the result as JSON on stdout, errors as {"error": …}
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read, check, convert and repair character cards (PNG, JSON, CHARX)
    #[command(subcommand)]
    Card(card::CardCommand),
    /// Your persona library: import, find, tag, export; expression sprite sets
    #[command(subcommand)]
    Persona(persona::PersonaCommand),
    /// Make, check, edit, preview, share and export rooms
    #[command(subcommand)]
    Room(room::RoomCommandLine),
    /// Install, list, run, enable, disable and remove validator plugins (WebAssembly)
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Add your DeskMate server, then check it is ready and watch its health (over SSH)
    #[command(subcommand)]
    Server(server::ServerCommand),
    /// Back up a server's DeskMate, list its backups, prove one by a trial restore, restore one
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// Update a server's DeskMate with no request lost, roll it back, list its releases
    #[command(subcommand)]
    Release(release::ReleaseCommand),
    /// A short guided tour of what DeskMate Studio can do, on its sample cards
    Tour,
}

fn main() -> ExitCode {
    stop_quietly_when_the_reader_goes();
    let cli = Cli::parse();
    match cli.command {
        Command::Card(command) => card::run(command, cli.json),
        Command::Persona(command) => persona::run(command, cli.json),
        Command::Room(command) => room::run(command, cli.json),
        Command::Plugin(command) => plugin::run(command, cli.json),
        Command::Server(command) => server::run(command, cli.json),
        Command::Backup(command) => backup::run(command, cli.json),
        Command::Release(command) => release::run(command, cli.json),
        Command::Tour => tour::run(),
    }
}

/// `deskmate card inspect CARD --json | head` closes our stdout early. Rust ignores SIGPIPE,
/// so the next `println!` would panic ("failed printing to stdout", exit 101). Like other
/// Unix tools, we take the default action instead: stop at once, silently.
fn stop_quietly_when_the_reader_goes() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread starts; it only resets one
    // signal's disposition to the system default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
