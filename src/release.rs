//! `deskmate release …`: update an installed DeskMate with no request lost, roll it back,
//! list the releases kept, read the audit log, clear a stale deploy lock, and see and take
//! the ways forward after a change was cut off midway (`recover.rs`). The work is in
//! `deskmate-api` (`Servers::release_*`); this only asks and prints.
//!
//! Exit codes as `server`: 0 ok; 1 the input is invalid or the update failed (the previous
//! release serving); 2 the server could not be reached.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use deskmate_api::known_releases::KnownReleases;
use deskmate_api::servers::{DeployOptions, DeployReport, WayKind};
use deskmate_api::{Cancel, DataDir, OperationEvent, Servers};

use crate::interrupt;
use crate::output::{self, ok};
use crate::progress::Printer;
use crate::recover;
use crate::server::EnvironmentArg;

#[derive(Subcommand)]
pub enum ReleaseCommand {
    /// Update to a release: the plan first; a verified backup; the new backend and frontend
    /// started beside the old ones; the switch; a watch, and an automatic rollback if the new
    /// release turns unhealthy
    Deploy {
        name: String,
        /// The release file (its .tar archives beside it)
        #[arg(long, required_unless_present = "git", conflicts_with = "git")]
        release: Option<PathBuf>,
        /// Build the release on the server instead, from this git repository of the DeskMate
        /// source (a clean checkout, `docker compose build`); needs --ref
        #[arg(long, requires = "reference", value_name = "URL")]
        git: Option<String>,
        /// The branch or tag to build, with --git
        #[arg(long = "ref", id = "reference", value_name = "REF", requires = "git")]
        reference: Option<String>,
        /// Update without the backup first (recorded in the audit log); needs --yes
        #[arg(long, requires = "yes")]
        no_backup: bool,
        /// Show the plan and change nothing
        #[arg(long)]
        plan: bool,
        /// Go ahead without asking
        #[arg(long)]
        yes: bool,
        /// Seconds the new release must stay healthy before the update counts as done
        #[arg(long, default_value_t = 60)]
        watch: u64,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Deploy an older release again (the newest before the current that served healthily,
    /// or --to VERSION), with the same safety as any update; a release that never served is
    /// never the way back (deploy it from its release file instead)
    Rollback {
        name: String,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        plan: bool,
        #[arg(long)]
        yes: bool,
        #[arg(long, default_value_t = 60)]
        watch: u64,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Deploy to TO exactly the release (the same image ids) that serves, healthy, on
    /// FROM's staging (FROM and TO may be the same server); refused when it is not healthy
    Promote {
        from: String,
        to: String,
        /// The environment promoted from
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Staging)]
        from_environment: EnvironmentArg,
        /// The environment promoted to
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
        #[arg(long)]
        plan: bool,
        #[arg(long)]
        yes: bool,
        #[arg(long, default_value_t = 60)]
        watch: u64,
    },
    /// Tell this computer about a release file (its .tar archives beside it): the app then
    /// offers it for installs and says when a server runs an older one
    Add { release: PathBuf },
    /// The release files this computer knows, newest first
    Known,
    /// The releases kept on the server, newest first: which serves, which served healthily,
    /// which never did (a release that failed its health check)
    List {
        name: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// The server's audit log: every step of every install and update
    Audit {
        name: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// What a change cut off midway (the app closed, the computer or the connection died)
    /// left on the server: who held the lock, how far it got, which versions answer now, and
    /// the ways forward
    Interrupted {
        name: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Take a way forward after a change was cut off midway: finish it, undo it, run it again
    /// or only clear its lock (it shows the state and asks first); see `release interrupted`
    #[command(group = clap::ArgGroup::new("way").required(true).multiple(false))]
    Recover {
        name: String,
        /// Finish the cut-off update: update to its version again
        #[arg(long, group = "way")]
        finish: bool,
        /// Undo it: back to the release that served before
        #[arg(long, group = "way")]
        undo: bool,
        /// Run the cut-off operation again from its start (maintenance)
        #[arg(long, group = "way")]
        again: bool,
        /// Only clear the lock, and change nothing else
        #[arg(long, group = "way")]
        clear: bool,
        #[arg(long)]
        yes: bool,
        /// Seconds the release must stay healthy before an update counts as done
        #[arg(long, default_value_t = 60)]
        watch: u64,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Clear a deploy lock left by an update that is no longer running (asks first)
    Unlock {
        name: String,
        #[arg(long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
}

pub fn run(command: ReleaseCommand, json: bool) -> ExitCode {
    let opened = DataDir::from_env().and_then(|data| {
        deskmate_api::logging::init(&data);
        Ok((Servers::open(&data)?, KnownReleases::open(&data)))
    });
    match opened {
        Ok((servers, known)) => run_with(&servers, &known, command, json),
        Err(e) => output::error(&e, json),
    }
}

fn run_with(
    servers: &Servers,
    known: &KnownReleases,
    command: ReleaseCommand,
    json: bool,
) -> ExitCode {
    match command {
        ReleaseCommand::Add { release } => output::finish(known.add(&release), json, ok, |r| {
            println!(
                "This computer now knows DeskMate {} ({}).",
                r.version,
                r.path.display()
            );
        }),
        ReleaseCommand::Known => output::finish(Ok(known.list()), json, ok, |list| {
            if list.is_empty() {
                println!("No release files yet: add one with `deskmate release add FILE`.");
            }
            for r in list {
                println!("{}\t{}\t{}", r.version, r.source, r.path.display());
            }
        }),
        ReleaseCommand::Deploy {
            name,
            release,
            git,
            reference,
            no_backup,
            plan,
            yes,
            watch,
            environment,
        } => {
            let options = DeployOptions {
                environment: environment.into(),
                no_backup,
                watch: Duration::from_secs(watch),
                ..DeployOptions::default()
            };
            update(
                &name,
                json,
                plan,
                yes,
                &options,
                |options, on_event, cancel| match (&release, &git) {
                    (Some(release), _) => {
                        servers.release_deploy(&name, release, options, on_event, cancel)
                    }
                    (None, git) => servers.release_build_deploy(
                        &name,
                        git.as_deref().unwrap_or_default(),
                        reference.as_deref().unwrap_or_default(),
                        options,
                        on_event,
                        cancel,
                    ),
                },
            )
        }
        ReleaseCommand::Rollback {
            name,
            to,
            plan,
            yes,
            watch,
            environment,
        } => {
            let options = DeployOptions {
                environment: environment.into(),
                watch: Duration::from_secs(watch),
                ..DeployOptions::default()
            };
            update(
                &name,
                json,
                plan,
                yes,
                &options,
                |options, on_event, cancel| {
                    servers.release_rollback(&name, to.as_deref(), options, on_event, cancel)
                },
            )
        }
        ReleaseCommand::Promote {
            from,
            to,
            from_environment,
            environment,
            plan,
            yes,
            watch,
        } => {
            let options = DeployOptions {
                environment: environment.into(),
                watch: Duration::from_secs(watch),
                ..DeployOptions::default()
            };
            update(
                &to,
                json,
                plan,
                yes,
                &options,
                |options, on_event, cancel| {
                    servers.release_promote(
                        &from,
                        from_environment.into(),
                        &to,
                        options,
                        on_event,
                        cancel,
                    )
                },
            )
        }
        ReleaseCommand::List { name, environment } => output::finish(
            servers.release_list(&name, environment.into()),
            json,
            ok,
            |list| {
                if list.is_empty() {
                    println!("No release is installed on {name} yet.");
                }
                // What `release rollback` without --to goes to: never one that never served.
                let back = list.iter().find(|r| !r.current && r.served);
                for r in list {
                    let status = if r.current {
                        "serving"
                    } else if !r.served {
                        "never served"
                    } else if back.is_some_and(|b| b.version == r.version) {
                        "the way back"
                    } else {
                        "served"
                    };
                    println!(
                        "{} {:<16} {}  {:<12}  {}",
                        if r.current { "*" } else { " " },
                        r.version,
                        r.time,
                        status,
                        r.source
                    );
                }
            },
        ),
        // Human: the log as the server keeps it; --json: each line read by the one parser.
        ReleaseCommand::Audit { name, environment } if json => output::finish(
            servers.release_audit_lines(&name, environment.into()),
            json,
            ok,
            |_| {},
        ),
        ReleaseCommand::Audit { name, environment } => output::finish(
            servers.release_audit(&name, environment.into()),
            json,
            ok,
            |log| print!("{log}"),
        ),
        ReleaseCommand::Interrupted { name, environment } => {
            recover::interrupted(servers, &name, environment.into(), json)
        }
        ReleaseCommand::Recover {
            name,
            finish,
            undo,
            again,
            clear: _,
            yes,
            watch,
            environment,
        } => {
            let way = match (finish, undo, again) {
                (true, _, _) => WayKind::Finish,
                (_, true, _) => WayKind::Undo,
                (_, _, true) => WayKind::RunAgain,
                _ => WayKind::Clear,
            };
            let options = DeployOptions {
                environment: environment.into(),
                watch: Duration::from_secs(watch),
                ..DeployOptions::default()
            };
            recover::recover(servers, &name, way, yes, &options, json)
        }
        ReleaseCommand::Unlock {
            name,
            yes,
            environment,
        } => {
            let env = environment.into();
            if !yes {
                match servers.release_lock_holder(&name, env) {
                    Ok(None) => {
                        return output::finish(Ok(false), json, ok, |_| {
                            println!("{name} holds no deploy lock.")
                        });
                    }
                    Ok(Some(holder)) => {
                        if !json {
                            let gone = if holder.gone_from_here() {
                                " That program is no longer running on this computer."
                            } else {
                                " Clear it only if that change is no longer running."
                            };
                            println!(
                                "The deploy lock of {name} is held by {}.{gone} Clearing it lets another change start while a change that was cut off may have left the server part-way; `deskmate release audit {name}` shows how far it got.",
                                holder.describe()
                            );
                        }
                    }
                    Err(e) => return output::error(&e, json),
                }
                if let Some(stop) =
                    output::confirm(json, "clearing a deploy lock needs a yes from someone")
                {
                    return stop;
                }
            }
            output::finish(servers.release_unlock(&name, env), json, ok, |cleared| {
                if *cleared {
                    println!("The deploy lock of {name} is cleared.");
                } else {
                    println!("{name} held no deploy lock.");
                }
            })
        }
    }
}

/// The plan first; then, with a yes, the update of `server`, shown as it goes (`progress`).
/// Ctrl-C during the update cancels it (see `interrupt`); at the question it leaves.
fn update(
    server: &str,
    json: bool,
    plan_only: bool,
    yes: bool,
    options: &DeployOptions,
    run: impl Fn(
        &DeployOptions,
        &mut dyn FnMut(&OperationEvent),
        &Cancel,
    ) -> Result<DeployReport, deskmate_api::ApiError>,
) -> ExitCode {
    if plan_only || !yes {
        let planned = DeployOptions {
            plan_only: true,
            ..options.clone()
        };
        let plan = {
            let watch = interrupt::reading();
            run(&planned, &mut |_| {}, watch.cancel())
        };
        if plan_only {
            return output::finish(plan, json, ok, print_plan);
        }
        match &plan {
            Ok(report) if !json => print_plan(report),
            Ok(_) => {}
            Err(e) => return output::error(e, json),
        }
        if let Some(stop) = output::confirm(
            json,
            "an update changes the server, and no one was there to say yes",
        ) {
            return stop;
        }
    }
    let mut printer = Printer::new(json);
    let watch = interrupt::changing(server, options.environment);
    let result = run(options, &mut printer.on_event(), watch.cancel());
    output::finish(result, json, ok, |r: &DeployReport| {
        println!(
            "{} now runs DeskMate {} (was {}), healthy, in {:.1} s.{}",
            r.server,
            r.version,
            r.previous,
            r.elapsed_ms as f64 / 1000.0,
            r.backup
                .as_ref()
                .map(|b| format!(" The backup from just before is {b}."))
                .unwrap_or_default()
        )
    })
}

fn print_plan(report: &DeployReport) {
    println!(
        "Plan for updating {} ({}) from DeskMate {} to {}:",
        report.server, report.environment, report.previous, report.version
    );
    for (i, step) in report.plan.iter().enumerate() {
        println!("  {}. {}", i + 1, step.title);
    }
}
