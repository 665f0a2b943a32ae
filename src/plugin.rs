//! `deskmate plugin …`: manage and run validator plugins.
//!
//! Plugins live in the app's data folder (`DESKMATE_DATA_DIR` overrides it), so the CLI and
//! the app see the same ones.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use deskmate_api::{ApiError, DataDir, InstalledPlugin, Plugins};

use crate::output::{self, INVALID, OK, ok};

#[derive(Subcommand)]
pub enum PluginCommand {
    /// Install a plugin from its folder (or its plugin.toml); the hash, API version and the
    /// plugin's own description are checked first
    Install {
        path: PathBuf,
        /// Replace an installed plugin with the same id (an upgrade)
        #[arg(long)]
        replace: bool,
    },
    /// List installed plugins and the limits they run under
    List {},
    /// Remove an installed plugin
    Remove { id: String },
    /// Turn a plugin on: its findings join the built-in ones
    Enable { id: String },
    /// Turn a plugin off without removing it
    Disable { id: String },
    /// Run one plugin (an installed id, or a plugin folder) on a room or card file; exit 1
    /// when it reports an error
    Run { plugin: String, file: PathBuf },
}

/// The plugins in the app's data folder.
pub fn open() -> Result<Plugins, ApiError> {
    Plugins::open(&DataDir::from_env()?)
}

pub fn run(command: PluginCommand, json: bool) -> ExitCode {
    use PluginCommand::*;
    let plugins = match open() {
        Ok(plugins) => plugins,
        Err(e) => return output::error(&e, json),
    };
    match command {
        Install { path, replace } => {
            output::finish(plugins.install(&path, replace), json, ok, |r| {
                println!(
                    "installed {} {} ({}) for {}",
                    r.plugin.manifest.id,
                    r.plugin.manifest.version,
                    r.plugin.manifest.name,
                    targets(&r.plugin)
                );
                println!("  into {}", r.plugin.dir.display());
            })
        }
        List {} => output::finish(plugins.list(), json, ok, |list| {
            if list.plugins.is_empty() {
                println!(
                    "No plugins installed. Install one with `deskmate plugin install FOLDER`."
                );
            }
            for p in &list.plugins {
                let state = if p.enabled { "enabled " } else { "disabled" };
                println!(
                    "{:<24} {:<8} {state} {:<16} {}",
                    p.manifest.id,
                    p.manifest.version,
                    targets(p),
                    p.manifest.name
                );
            }
            output::print_diagnostics(&list.problems);
            let l = &list.limits;
            println!(
                "\nEach call: {} ms, {} MiB memory, at most {} findings; API {}.",
                l.deadline_ms,
                l.memory_mib,
                l.max_diagnostics,
                list.api_versions.join(", ")
            );
        }),
        Remove { id } => output::finish(plugins.remove(&id), json, ok, |p| {
            println!("removed {} {}", p.manifest.id, p.manifest.version)
        }),
        Enable { id } => output::finish(plugins.set_enabled(&id, true), json, ok, |p| {
            println!("enabled {}", p.manifest.id)
        }),
        Disable { id } => output::finish(plugins.set_enabled(&id, false), json, ok, |p| {
            println!("disabled {}", p.manifest.id)
        }),
        Run { plugin, file } => output::finish(
            plugins.run(&plugin, &file),
            json,
            |r| if r.valid { OK } else { INVALID },
            |r| {
                output::print_diagnostics(&r.outcome.diagnostics);
                for line in &r.outcome.log.lines {
                    println!("  log {:?}/{:?}: {}", line.source, line.level, line.message);
                }
                if r.outcome.log.dropped_bytes > 0 {
                    println!(
                        "  log: {} more bytes were dropped",
                        r.outcome.log.dropped_bytes
                    );
                }
                println!(
                    "{}: {} on {} ({}) in {:.1} ms",
                    r.outcome.plugin,
                    output::summary(&r.outcome.diagnostics),
                    r.file.display(),
                    r.target.as_str(),
                    r.outcome.elapsed.as_secs_f64() * 1e3
                );
            },
        ),
    }
}

fn targets(plugin: &InstalledPlugin) -> String {
    deskmate_api::PluginTarget::list(&plugin.manifest.targets)
}
