//! `deskmate backup …`: back a server's DeskMate up, list its backups, prove one by a trial
//! restore, restore one side by side. The work is in `deskmate-api` (`Servers::backup_*`); this only asks and prints.
//!
//! Exit codes as `server`: 0 ok; 1 the input is invalid or a backup or its trial restore
//! failed; 2 the server could not be reached.

use std::process::ExitCode;

use clap::Subcommand;
use deskmate_api::servers::{
    BackupOutcome, DownloadReport, HealReport, Part, RestoreOptions, RestoreReport, Retention,
    ScheduleReport, TargetReport, TargetRequest,
};
use deskmate_api::{ApiError, DataDir, Environment, Secret, Servers};

use crate::interrupt;
use crate::output::{self, ok, size};
use crate::progress::Printer;
use crate::server::EnvironmentArg;

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Back up the database, the vectors and the data files now; then prove the backup by a
    /// trial restore beside the running stack (unless --no-verify)
    Create {
        name: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
        /// Skip the trial restore: the backup is kept but not shown as verified
        #[arg(long)]
        no_verify: bool,
    },
    /// The server's backups, newest first, each with its trial restore's outcome
    List {
        name: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Bring a backup back, side by side: a safety backup of now, the backup's data into new
    /// volumes beside the running stack, checked, then DeskMate switched to it and
    /// health-checked (and switched back if that fails). Nothing from before is deleted
    Restore {
        name: String,
        /// The backup's id (from `deskmate backup list`)
        id: String,
        /// Only this part (repeat for two); all three when not given
        #[arg(long, value_enum)]
        only: Vec<PartArg>,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
        /// Disaster recovery: restore from this other server's offsite copy (set with
        /// `deskmate backup target` while it ran), onto NAME, a fresh install
        #[arg(long, value_name = "SERVER")]
        from: Option<String>,
        /// Go ahead without asking
        #[arg(long)]
        yes: bool,
    },
    /// Where verified backups are copied offsite: sftp://USER@HOST[:PORT]/FOLDER (another
    /// machine; pin its host key with --fingerprint) or s3:https://HOST/BUCKET/FOLDER (keys from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or --remove
    Target {
        name: String,
        /// sftp://… or s3:…
        target: Option<String>,
        /// The offsite host key's fingerprint (SHA256:…), as that machine shows it
        #[arg(long)]
        fingerprint: Option<String>,
        /// Stop copying offsite (what was copied stays there)
        #[arg(long, conflicts_with = "target")]
        remove: bool,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// After a trial restore or the weekly check found the backup repository damaged: set it
    /// aside on the server (nothing in it is deleted) and start a fresh one with a backup of
    /// the data as it is now, proven by a trial restore
    Heal {
        name: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// A copy of the server's backup repository on this computer, every file checked by its
    /// SHA-256 and the copy by `restic check` (when restic is installed here); again later,
    /// only new backups travel
    Download {
        name: String,
        /// The folder to keep the copy in
        #[arg(long)]
        to: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Back up every day at a time of your choice (systemd timers on the server, which needs
    /// root or passwordless sudo there), each backup verified, and keep 7 daily, 4 weekly and
    /// 6 monthly backups unless told otherwise
    Schedule {
        name: String,
        /// The time of day, HH:MM (the server's clock; up to 30 minutes later at random)
        #[arg(long, default_value = "03:30")]
        at: String,
        #[arg(long, default_value_t = 7)]
        keep_daily: u32,
        #[arg(long, default_value_t = 4)]
        keep_weekly: u32,
        #[arg(long, default_value_t = 6)]
        keep_monthly: u32,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
    /// Prove one backup by a trial restore in throwaway containers
    Verify {
        name: String,
        /// The backup's id (from `deskmate backup list`)
        id: String,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
    },
}

pub fn run(command: BackupCommand, json: bool) -> ExitCode {
    let servers = DataDir::from_env().and_then(|data| {
        deskmate_api::logging::init(&data);
        Servers::open(&data)
    });
    match servers {
        Ok(servers) => run_with(&servers, command, json),
        Err(e) => output::error(&e, json),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PartArg {
    Database,
    Vectors,
    Files,
}

fn run_with(servers: &Servers, command: BackupCommand, json: bool) -> ExitCode {
    match command {
        BackupCommand::Create {
            name,
            environment: env,
            no_verify,
        } => {
            if !json {
                println!(
                    "Backing up {name}{}…",
                    if no_verify {
                        ""
                    } else {
                        ", then a trial restore"
                    }
                );
            }
            let mut printer = Printer::new(json);
            let watch = interrupt::changing(&name, env.into());
            let result = servers.backup_create(
                &name,
                env.into(),
                !no_verify,
                &mut printer.on_event(),
                watch.cancel(),
            );
            output::finish(result, json, ok, |o: &BackupOutcome| {
                let b = &o.backup;
                println!(
                    "Backup {} of DeskMate {} on {}: {}; {}; {}. {} read, {} new, in {} s.",
                    b.snapshot,
                    b.release,
                    o.server,
                    b.database,
                    b.vectors,
                    b.files,
                    size(b.bytes),
                    size(b.added),
                    b.seconds
                );
                match &o.verification {
                    Some(v) => println!(
                        "Verified by a trial restore in {} s: {}; {}; {}.",
                        v.seconds, v.database, v.vectors, v.files
                    ),
                    None => println!(
                        "Not verified yet: run `deskmate backup verify {} {}`.",
                        o.server, b.snapshot
                    ),
                }
            })
        }
        BackupCommand::List {
            name,
            environment: env,
        } => output::finish(servers.backup_list(&name, env.into()), json, ok, |list| {
            if list.is_empty() {
                println!("No backups yet. Run `deskmate backup create {name}`.");
            }
            for b in list {
                let state = match b.verified {
                    Some(true) => "verified",
                    Some(false) => "FAILED its trial restore",
                    None => "not verified",
                };
                println!(
                    "{}  {}  {:>10}  {}  {}",
                    b.short_id,
                    b.time.get(..19).unwrap_or(&b.time),
                    b.size.map(size).unwrap_or_else(|| "?".into()),
                    b.release.as_deref().unwrap_or("?"),
                    state
                );
                if let Some(why) = &b.kept {
                    println!("          {why}");
                }
            }
        }),
        BackupCommand::Restore {
            name,
            id,
            only,
            from,
            environment: env,
            yes,
        } => restore(servers, &name, &id, &only, from, env.into(), yes, json),
        BackupCommand::Target {
            name,
            target,
            fingerprint,
            remove,
            environment: env,
        } => target_command(
            servers,
            &name,
            target,
            fingerprint,
            remove,
            env.into(),
            json,
        ),
        BackupCommand::Heal {
            name,
            environment: env,
        } => {
            let mut printer = Printer::new(json);
            let watch = interrupt::changing(&name, env.into());
            let result =
                servers.backup_heal(&name, env.into(), &mut printer.on_event(), watch.cancel());
            output::finish(result, json, ok, |r: &HealReport| {
                println!("{}'s first backup: {}", r.server, r.backup);
                println!("{}", r.next);
            })
        }
        BackupCommand::Download {
            name,
            to,
            environment: env,
        } => {
            let mut on_file = |done: usize, all: usize| {
                if !json && all > 0 && (done.is_multiple_of(50) || done == all) {
                    eprintln!("  {done}/{all} files");
                }
            };
            let watch = interrupt::reading();
            output::finish(
                servers.backup_download(&name, env.into(), &to, &mut on_file, watch.cancel()),
                json,
                ok,
                |r: &DownloadReport| {
                    println!(
                        "{} holds {}'s backup repository ({} files; {} new, {}). {}.{}",
                        r.folder,
                        r.server,
                        r.files,
                        r.downloaded,
                        size(r.bytes),
                        r.check,
                        r.backups
                            .map(|n| format!(" It holds {n} backups."))
                            .unwrap_or_default()
                    );
                    println!(
                        "Read it with restic and the repository password from your keychain (server/{}/stack/{}/restic_password).",
                        r.server, r.environment
                    );
                },
            )
        }
        BackupCommand::Schedule {
            name,
            at,
            keep_daily,
            keep_weekly,
            keep_monthly,
            environment: env,
        } => {
            let retention = Retention {
                daily: keep_daily,
                weekly: keep_weekly,
                monthly: keep_monthly,
            };
            output::finish(
                servers.backup_schedule(&name, env.into(), &at, retention, ""),
                json,
                ok,
                |r: &ScheduleReport| {
                    println!(
                        "{} backs up every day at {} (up to 30 minutes later), each backup verified; it keeps {} daily, {} weekly and {} monthly backups. Timers: {}.",
                        r.server,
                        r.at,
                        r.keep_daily,
                        r.keep_weekly,
                        r.keep_monthly,
                        r.timers.join(", ")
                    )
                },
            )
        }
        BackupCommand::Verify {
            name,
            id,
            environment: env,
        } => {
            let watch = interrupt::changing(&name, env.into());
            let mut printer = Printer::new(json);
            output::finish(
                servers.backup_verify(
                    &name,
                    env.into(),
                    &id,
                    &mut printer.on_event(),
                    watch.cancel(),
                ),
                json,
                ok,
                |v| {
                    println!(
                        "Backup {} passed its trial restore in {} s: {}; {}; {}.",
                        v.snapshot, v.seconds, v.database, v.vectors, v.files
                    )
                },
            )
        }
    }
}

/// Says what will happen, asks (on a terminal; `--yes` otherwise), then restores and prints
/// each step as it finishes.
#[allow(clippy::too_many_arguments)]
fn restore(
    servers: &Servers,
    name: &str,
    id: &str,
    only: &[PartArg],
    from: Option<String>,
    environment: Environment,
    yes: bool,
    json: bool,
) -> ExitCode {
    use std::io::{BufRead, IsTerminal};
    let parts: Vec<Part> = only
        .iter()
        .map(|p| match p {
            PartArg::Database => Part::Database,
            PartArg::Vectors => Part::Vectors,
            PartArg::Files => Part::Files,
        })
        .collect();
    let what = if parts.is_empty() {
        "the database, the vectors and the data files".to_string()
    } else {
        parts
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    if !yes {
        if json || !std::io::stdin().is_terminal() {
            return output::error(
                &ApiError::new(
                    "usage.confirm",
                    "a restore changes what DeskMate serves, and no one was there to say yes",
                    "run it again with --yes",
                ),
                json,
            );
        }
        if let Some(old) = &from {
            println!("The backup {id} comes from {old}'s offsite copy.");
        }
        println!(
            "This brings {what} of {name} back to backup {id}. If DeskMate is not healthy on it, it switches back. Nothing is deleted: the data from before is kept. The plan:",
        );
        for (n, step) in servers.backup_restore_plan().iter().enumerate() {
            println!("  {}. {}", n + 1, step.title);
        }
        print!("Go ahead? [y/N] ");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing was changed.");
            return ExitCode::from(crate::output::OK);
        }
    }
    let options = RestoreOptions {
        parts,
        from,
        ..Default::default()
    };
    let mut printer = Printer::new(json);
    let watch = interrupt::changing(name, environment);
    let result = servers.backup_restore(
        name,
        environment,
        id,
        &options,
        &mut printer.on_event(),
        watch.cancel(),
    );
    output::finish(result, json, ok, |r: &RestoreReport| {
        println!(
            "{} is back to backup {}, and healthy. The data from before is kept in: {}. The safety backup {} holds it too.",
            r.server,
            r.id.get(..8).unwrap_or(&r.id),
            r.kept.join(", "),
            r.safety_backup
        );
        println!("The restore took {} s.", r.elapsed_ms / 1000);
    })
}

/// Sets, shows the next step of, or removes the offsite target.
fn target_command(
    servers: &Servers,
    name: &str,
    target: Option<String>,
    fingerprint: Option<String>,
    remove: bool,
    environment: Environment,
    json: bool,
) -> ExitCode {
    let request = match (target, remove) {
        (_, true) => TargetRequest::Remove,
        (Some(url), false) if url.starts_with("sftp://") => {
            TargetRequest::Sftp { url, fingerprint }
        }
        (Some(url), false) => {
            let key = |var: &str| {
                std::env::var(var)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(Secret::new)
            };
            match (key("AWS_ACCESS_KEY_ID"), key("AWS_SECRET_ACCESS_KEY")) {
                (Some(access_key), Some(secret_key)) => TargetRequest::S3 {
                    url,
                    access_key,
                    secret_key,
                },
                _ => {
                    return output::error(
                        &ApiError::new(
                            "usage.s3_keys",
                            "an S3 target needs its access key pair",
                            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (never on the command line), then run it again",
                        ),
                        json,
                    );
                }
            }
        }
        (None, false) => {
            return output::error(
                &ApiError::new(
                    "usage.no_target",
                    "say where the offsite copy goes",
                    "give sftp://USER@HOST[:PORT]/FOLDER or s3:https://HOST/BUCKET/FOLDER, or --remove",
                ),
                json,
            );
        }
    };
    output::finish(
        servers.backup_target(name, environment, &request),
        json,
        ok,
        |r: &TargetReport| {
            if let Some(target) = &r.target {
                println!("Offsite copy of {}: {target}", r.server);
            }
            if !r.ready {
                for key in &r.host_keys {
                    println!("  the host presented {}", key.fingerprint);
                }
                if let Some(line) = &r.authorized_line {
                    println!("  the line for the offsite account's ~/.ssh/authorized_keys:");
                    println!("  {line}");
                } else if let Some(public) = &r.public_key {
                    println!("  {}'s public key: {public}", r.server);
                }
            } else if r.repository_created {
                println!("  a new repository was made there");
            }
            println!("{}", r.next);
        },
    )
}
