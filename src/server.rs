//! `deskmate server …`: profiles, trust, preflight and health of the owner's servers.
//!
//! Exit codes: 0 ok; 1 a check or health report failed, or the input is invalid; 2 the
//! server could not be reached or signed in to (including an unknown or changed host key).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Subcommand};
use deskmate_api::known_releases::KnownReleases;
use deskmate_api::servers::home::{self, HomeLevel};
use deskmate_api::servers::{
    CheckReport, HealthOutcome, InstallOptions, InstallReport, TlsChoice, host_key_policy,
};
use deskmate_api::{ApiError, DataDir, Finding, Level, NewServer, Secret, Servers, SignIn};
use deskmate_api::{Environment, ProxyKind};

use crate::interrupt;
use crate::output::{self, INVALID, OK, ok};
use crate::progress::Printer;

#[derive(Subcommand)]
pub enum ServerCommand {
    /// Add a server: it is reached and signed in to first, and saved only if that works
    #[command(group(ArgGroup::new("auth").required(true).args(["agent", "key", "password_stdin"])))]
    Add {
        name: String,
        #[arg(long)]
        host: String,
        #[arg(long, default_value_t = 22)]
        port: u16,
        #[arg(long)]
        user: String,
        /// Sign in with the keys in the running ssh-agent
        #[arg(long)]
        agent: bool,
        /// Sign in with this private key file
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// Read the key's passphrase from the first line of stdin
        #[arg(long, requires = "key")]
        passphrase_stdin: bool,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
        /// Trust the server on first contact if its host key has this fingerprint
        #[arg(long, value_name = "SHA256:…")]
        trust_fingerprint: Option<String>,
        /// The server was reinstalled: replace the host key pinned for it with this one
        #[arg(long, value_name = "SHA256:…", conflicts_with = "trust_fingerprint")]
        replace_host_key: Option<String>,
        /// Where DeskMate's stack lives on the server
        #[arg(long, value_name = "DIR")]
        stack_dir: Option<String>,
        /// The public domain name, for the HTTPS check
        #[arg(long)]
        domain: Option<String>,
        /// The backend's port on the server, for its /health
        #[arg(long)]
        backend_port: Option<u16>,
    },
    /// List saved servers
    List {},
    /// Forget a server, its saved secret and its health history
    Remove { name: String },
    /// Accept a server's new host key after checking it (after a reinstall, say)
    Trust {
        name: String,
        #[arg(long, value_name = "SHA256:…")]
        fingerprint: String,
    },
    /// Can this server run DeskMate? System, memory, disk, Docker, Compose, ports 80/443
    Check { name: String },
    /// Is DeskMate healthy? Services, the backend's /health, HTTPS, load, memory, disk
    Health { name: String },
    /// Is my companion all right? Status, release and update, last verified backup, alerts,
    /// the published room and persona, and the go-live checklist
    Home { name: String },
    /// Install DeskMate from a release file: shows the plan, then does it (again: changes nothing)
    Install {
        name: String,
        /// The release file (its .tar archives beside it), as `cargo xtask server-images` writes
        #[arg(long, value_name = "FILE")]
        release: PathBuf,
        #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
        environment: EnvironmentArg,
        /// The public domain (overrides the profile's)
        #[arg(long)]
        domain: Option<String>,
        /// For the certificate authority's notices
        #[arg(long)]
        email: Option<String>,
        /// acme: a certificate from Let's Encrypt (or --acme-ca); internal: the proxy's own CA;
        /// none: plain HTTP, for a server without a domain yet
        #[arg(long, value_enum, default_value_t = TlsArg::Acme)]
        tls: TlsArg,
        /// caddy: automatic HTTPS; nginx: nginx with certbot and a per-client rate limit on
        /// the API (the release must name an nginx image)
        #[arg(long, value_enum, default_value_t = ProxyArg::Caddy)]
        proxy: ProxyArg,
        /// Another ACME directory URL
        #[arg(long, value_name = "URL")]
        acme_ca: Option<String>,
        /// A certificate (PEM) to trust for that ACME directory's own HTTPS
        #[arg(long, value_name = "FILE", requires = "acme_ca")]
        acme_ca_root: Option<PathBuf>,
        #[arg(long, default_value_t = 80)]
        http_port: u16,
        #[arg(long, default_value_t = 443)]
        https_port: u16,
        /// Show the plan and change nothing
        #[arg(long)]
        plan: bool,
        /// Go ahead without asking
        #[arg(long)]
        yes: bool,
    },
    /// Past health reports, newest first
    History {
        name: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// The stack's logs over SSH: filtered, error patterns (--errors), request figures
    /// (--requests), or streamed (--follow)
    Logs(crate::logs::LogsArgs),
    /// The watchdog: where its alert e-mails go (--email, --smtp), a test e-mail (--test),
    /// none (--off); with none of those, what it saw last
    Alerts(crate::alerts::AlertsArgs),
    /// Housekeeping: the database vacuumed and reindexed, older releases' images, the build
    /// cache and old records removed, with the space before and after (--plan: only show)
    Maintain(crate::maintain::MaintainArgs),
    /// The stack's settings: list, set KEY=VALUE, rotate a secret; each change checked,
    /// health-checked and undone if DeskMate does not turn healthy with it
    Config(crate::config::ConfigArgs),
}

pub fn run(command: ServerCommand, json: bool) -> ExitCode {
    let servers = DataDir::from_env().and_then(|data| {
        deskmate_api::logging::init(&data);
        Servers::open(&data)
    });
    match servers {
        Ok(servers) => run_with(servers, command, json),
        Err(e) => output::error(&e, json),
    }
}

fn run_with(servers: Servers, command: ServerCommand, json: bool) -> ExitCode {
    use ServerCommand::*;
    match command {
        Add {
            name,
            host,
            port,
            user,
            agent: _,
            key,
            passphrase_stdin,
            password_stdin,
            trust_fingerprint,
            replace_host_key,
            stack_dir,
            domain,
            backend_port,
        } => {
            let sign_in = match (key, password_stdin) {
                (Some(path), _) => match passphrase_stdin
                    .then(|| secret_from_stdin("passphrase"))
                    .transpose()
                {
                    Ok(passphrase) => SignIn::Key { path, passphrase },
                    Err(e) => return output::error(&e, json),
                },
                (None, true) => match secret_from_stdin("password") {
                    Ok(password) => SignIn::Password(password),
                    Err(e) => return output::error(&e, json),
                },
                (None, false) => SignIn::Agent,
            };
            let new = NewServer {
                name,
                host,
                port,
                user,
                sign_in,
                stack_dir,
                domain,
                backend_port,
            };
            output::finish(
                servers.add(new, host_key_policy(trust_fingerprint, replace_host_key)),
                json,
                ok,
                |r| {
                    let s = &r.server.server;
                    println!("added {} ({}@{}:{})", s.name, s.user, s.host, s.port);
                    if r.newly_trusted {
                        println!("  trusted host key {}", r.host_key);
                    }
                    if r.secret_store == "file" {
                        println!(
                            "  no OS keychain here: the secret is kept in a private file in the data folder"
                        );
                    }
                },
            )
        }
        List {} => output::finish(servers.list(), json, ok, |list| {
            if list.servers.is_empty() {
                println!(
                    "No servers yet. Add one with `deskmate server add NAME --host HOST --user USER --key FILE`."
                );
            }
            for p in &list.servers {
                let s = &p.server;
                println!(
                    "{:<20} {}@{}:{}  stack {}  {}",
                    s.name,
                    s.user,
                    s.host,
                    s.port,
                    s.stack_dir,
                    s.domain.as_deref().unwrap_or("(no domain)")
                );
            }
        }),
        Remove { name } => output::finish(servers.remove(&name), json, ok, |p| {
            println!("removed {}", p.server.name)
        }),
        Trust { name, fingerprint } => {
            output::finish(servers.trust(&name, &fingerprint), json, ok, |r| {
                if r.replaced {
                    println!("{} is now trusted with host key {}", r.server, r.host_key);
                } else {
                    println!(
                        "{} already had host key {}; nothing changed",
                        r.server, r.host_key
                    );
                }
            })
        }
        Check { name } => output::finish(
            servers.check(&name),
            json,
            |r: &CheckReport| failed(r.preflight.overall),
            |r| {
                println!("Preflight of {}", r.server);
                print_findings(&r.preflight.findings, r.preflight.overall, None);
            },
        ),
        Health { name } => output::finish(
            servers.health(&name),
            json,
            |r: &HealthOutcome| failed(r.report.overall),
            |r| {
                println!("Health of {}", r.server);
                print_findings(
                    &r.report.findings,
                    r.report.overall,
                    Some(r.report.elapsed_ms),
                );
            },
        ),
        Home { name } => {
            let known = DataDir::from_env().map(|data| KnownReleases::open(&data).list());
            output::finish(
                known.and_then(|known| servers.home(&name, known)),
                json,
                |h: &home::Home| u8::from(!matches!(h.status.level, HomeLevel::Healthy)),
                print_home,
            )
        }
        Install {
            name,
            release,
            environment,
            domain,
            email,
            tls,
            proxy,
            acme_ca,
            acme_ca_root,
            http_port,
            https_port,
            plan,
            yes,
        } => {
            let mut options = InstallOptions::new(release);
            options.environment = match environment {
                EnvironmentArg::Production => Environment::Production,
                EnvironmentArg::Staging => Environment::Staging,
            };
            options.domain = domain;
            options.email = email;
            options.tls = match tls {
                TlsArg::Acme => TlsChoice::Acme,
                TlsArg::Internal => TlsChoice::Internal,
                TlsArg::None => TlsChoice::None,
            };
            options.proxy = match proxy {
                ProxyArg::Caddy => ProxyKind::Caddy,
                ProxyArg::Nginx => ProxyKind::Nginx,
            };
            options.acme_ca = acme_ca;
            options.acme_ca_root = acme_ca_root;
            options.http_port = http_port;
            options.https_port = https_port;
            options.plan_only = plan;
            install(&servers, &name, options, yes, json)
        }
        Logs(args) => crate::logs::run(&servers, args, json),
        Alerts(args) => crate::alerts::run(&servers, args, json),
        Maintain(args) => crate::maintain::run(&servers, args, json),
        Config(args) => crate::config::run(&servers, args, json),
        History { name, limit } => {
            output::finish(servers.history(&name, limit), json, ok, |runs| {
                if runs.is_empty() {
                    println!("No health reports yet. Run `deskmate server health {name}`.");
                }
                for run in runs {
                    println!(
                        "{}  {:<4}  {} ms",
                        run.checked_at, run.overall, run.elapsed_ms
                    );
                }
            })
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum EnvironmentArg {
    Production,
    Staging,
}

impl From<EnvironmentArg> for deskmate_api::Environment {
    fn from(arg: EnvironmentArg) -> deskmate_api::Environment {
        match arg {
            EnvironmentArg::Production => deskmate_api::Environment::Production,
            EnvironmentArg::Staging => deskmate_api::Environment::Staging,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ProxyArg {
    Caddy,
    Nginx,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TlsArg {
    Acme,
    Internal,
    None,
}

/// Shows the plan; then, with the owner's yes (asked on a terminal, `--yes` otherwise),
/// installs and prints each step as it finishes.
fn install(
    servers: &Servers,
    name: &str,
    mut options: InstallOptions,
    yes: bool,
    json: bool,
) -> ExitCode {
    use std::io::IsTerminal;
    if options.plan_only || !yes {
        let planned = InstallOptions {
            plan_only: true,
            ..options.clone()
        };
        let plan = {
            let watch = interrupt::reading();
            servers.install(name, &planned, &mut |_| {}, watch.cancel())
        };
        if options.plan_only {
            return output::finish(plan, json, ok, print_plan);
        }
        match &plan {
            Ok(report) if !json => print_plan(report),
            Ok(_) => {}
            Err(e) => return output::error(e, json),
        }
        if json || !std::io::stdin().is_terminal() {
            return output::error(
                &ApiError::new(
                    "usage.confirm",
                    "an install changes the server, and no one was there to say yes",
                    "run it again with --yes, or with --plan to see the plan only",
                ),
                json,
            );
        }
        print!("Go ahead? [y/N] ");
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing was changed.");
            return ExitCode::from(OK);
        }
    }
    options.plan_only = false;
    let mut printer = Printer::new(json);
    let watch = interrupt::changing(name, options.environment);
    let result = servers.install(name, &options, &mut printer.on_event(), watch.cancel());
    output::finish(result, json, ok, |r: &InstallReport| {
        if r.changed {
            println!(
                "DeskMate {} is installed on {} and healthy: {}",
                r.version, r.server, r.address
            );
        } else {
            println!(
                "DeskMate {} was already installed on {}, healthy; nothing changed",
                r.version, r.server
            );
        }
    })
}

fn print_plan(report: &InstallReport) {
    println!(
        "Plan for installing DeskMate {} ({}) on {}, reachable at {}:",
        report.version, report.environment, report.server, report.address
    );
    for (i, step) in report.plan.iter().enumerate() {
        println!("  {}. {}", i + 1, step.title);
    }
}

fn print_home(h: &home::Home) {
    let level = match h.status.level {
        HomeLevel::Healthy => "healthy",
        HomeLevel::Warning => "warning",
        HomeLevel::Down => "down",
        HomeLevel::NotInstalled => "not installed",
    };
    println!("{}: {level}. {}", h.server, h.status.reason);
    if let Some(fix) = &h.status.fix {
        println!("  What to do: {fix}");
    }
    if let Some(address) = &h.address {
        println!("Address: {address}");
    }
    if let Some(release) = &h.release {
        match &h.update {
            Some(update) => println!("Release: {release} (update available: {})", update.version),
            None => println!("Release: {release}"),
        }
    }
    match &h.last_verified_backup {
        Some(b) => println!(
            "Last verified backup: {} ({} h old{})",
            b.time,
            b.age_hours,
            if b.offsite {
                ", with an offsite copy"
            } else {
                ", only on the server"
            }
        ),
        None => println!("Last verified backup: none"),
    }
    for alert in &h.alerts {
        println!("Alert {}: {} — {}", alert.check, alert.message, alert.fix);
    }
    if let Some(room) = &h.room {
        println!("Room: {room}");
    }
    if let Some(persona) = &h.persona {
        println!("Persona: {persona}");
    }
    println!(
        "Go-live checklist{}:",
        if h.live { " (all green)" } else { "" }
    );
    for item in &h.checklist {
        println!(
            "  [{}] {}: {}",
            if item.done { "x" } else { " " },
            item.title,
            item.detail
        );
    }
}

fn failed(level: Level) -> u8 {
    if level == Level::Fail { INVALID } else { OK }
}

fn print_findings(findings: &[Finding], overall: Level, elapsed_ms: Option<u64>) {
    for f in findings {
        println!(
            "  {:<4}  {:<18} {}",
            f.level.as_str().to_uppercase(),
            f.title,
            f.detail
        );
        if let Some(fix) = f.fix.as_ref().filter(|_| f.level >= Level::Warn) {
            println!("        {:<18} fix: {fix}", "");
        }
    }
    let count = |l| findings.iter().filter(|f| f.level == l).count();
    let took = elapsed_ms
        .map(|ms| format!(" in {ms} ms"))
        .unwrap_or_default();
    println!(
        "overall: {} ({} passed, {} warnings, {} failures){took}",
        overall.as_str(),
        count(Level::Pass),
        count(Level::Warn),
        count(Level::Fail)
    );
}

/// The first line of stdin: secrets never go on the command line, where `ps` shows them.
pub(crate) fn secret_from_stdin(what: &str) -> Result<Secret, ApiError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        ApiError::new(
            "usage.stdin",
            format!("could not read the {what} from stdin: {e}"),
            "pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | deskmate server add …`",
        )
    })?;
    let value = line.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(ApiError::new(
            "usage.empty_secret",
            format!("no {what} came on stdin"),
            format!("give the {what} as the first line of stdin"),
        ));
    }
    Ok(Secret::new(value))
}
