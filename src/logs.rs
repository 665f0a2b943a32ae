//! `deskmate server logs`: the stack's logs over SSH, filtered, with `--errors` (the error
//! patterns first) and `--requests` (the proxy's figures per route group); `--follow`
//! streams until Ctrl-C. The work is in `Servers::logs_report` / `logs_follow`.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use deskmate_api::Servers;
use deskmate_api::servers::{LogFilter, LogLevel, LogLine, LogQuery};

use crate::interrupt;
use crate::output::{self, ok};
use crate::server::EnvironmentArg;

#[derive(Args)]
pub struct LogsArgs {
    pub name: String,
    /// Only this service (repeat for more): postgres, qdrant, backend, frontend, proxy
    #[arg(long = "service", value_name = "S")]
    pub services: Vec<String>,
    /// From this long ago (30m, 1h, 2h30m) or this time (2026-12-02T08:00:00Z)
    #[arg(long, default_value = "1h")]
    pub since: String,
    #[arg(long)]
    pub until: Option<String>,
    /// This level and above
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    /// Lines whose message holds this text (any case)
    #[arg(long)]
    pub grep: Option<String>,
    /// Keep streaming new lines (Ctrl-C stops)
    #[arg(long, conflicts_with_all = ["errors", "requests"])]
    pub follow: bool,
    /// The errors grouped into patterns, each with its count, first and last seen
    #[arg(long)]
    pub errors: bool,
    /// Requests per minute, 5xx rate and p50/p95 per route group, from the proxy's log
    #[arg(long)]
    pub requests: bool,
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    pub environment: EnvironmentArg,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LevelArg {
    Debug,
    Info,
    Warning,
    Error,
}

pub fn run(servers: &Servers, a: LogsArgs, json: bool) -> ExitCode {
    let filter = LogFilter {
        query: LogQuery {
            services: a.services.clone(),
            since: Some(a.since.clone()),
            until: a.until.clone(),
            tail: a.follow.then_some(50),
            follow: a.follow,
        },
        level: a.level.map(|l| match l {
            LevelArg::Debug => LogLevel::Debug,
            LevelArg::Info => LogLevel::Info,
            LevelArg::Warning => LogLevel::Warning,
            LevelArg::Error => LogLevel::Error,
        }),
        grep: a.grep.clone(),
    };
    let environment = a.environment.into();
    let watch = interrupt::reading();
    if a.follow {
        let result = servers.logs_follow(
            &a.name,
            environment,
            &filter,
            &mut |line| print_line(&line, json),
            watch.cancel(),
        );
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            // Ctrl-C is how following ends (`--follow`'s help says so): not a failure.
            Err(e) if e.code == "ssh.cancelled" && interrupt::pressed() => ExitCode::SUCCESS,
            Err(e) => output::error(&e, json),
        };
    }
    let minutes = minutes_of(&a.since);
    output::finish(
        servers.logs_report(&a.name, environment, &filter, minutes, watch.cancel()),
        json,
        ok,
        |report| {
            if a.errors {
                if report.errors.is_empty() {
                    println!("No errors in this period.");
                }
                for g in &report.errors {
                    println!(
                        "{:>6}×  {}  ({}; first {}, last {})\n        e.g. {}",
                        g.count,
                        g.pattern,
                        g.services.iter().cloned().collect::<Vec<_>>().join(", "),
                        g.first_seen,
                        g.last_seen,
                        g.example.message
                    );
                }
            } else if a.requests {
                println!(
                    "{:<24} {:>8} {:>8} {:>6} {:>9} {:>9}",
                    "route", "requests", "per min", "5xx", "p50 ms", "p95 ms"
                );
                for r in &report.requests {
                    println!(
                        "{:<24} {:>8} {:>8.1} {:>5.1}% {:>9.1} {:>9.1}",
                        r.route,
                        r.requests,
                        r.per_minute,
                        r.error_rate * 100.0,
                        r.p50_ms,
                        r.p95_ms
                    );
                }
            } else {
                report.lines.iter().for_each(|l| print_line(l, false));
            }
            let total: u64 = report.space.iter().map(|(_, b)| b).sum();
            eprintln!(
                "(logs on the server: {:.1} MiB)",
                total as f64 / (1 << 20) as f64
            );
        },
    )
}

fn print_line(line: &LogLine, json: bool) {
    if json {
        println!("{}", serde_json::to_string(line).expect("lines serialize"));
    } else {
        println!(
            "{} {:<9} {:<7} {}",
            line.time,
            line.service,
            format!("{:?}", line.level).to_lowercase(),
            line.message
        );
    }
}

/// The period `--since` names, in minutes, for the per-minute figures (an hour when it is a
/// time rather than a duration).
fn minutes_of(since: &str) -> f64 {
    let mut minutes = 0.0;
    let mut number = String::new();
    for c in since.chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'h' | 'm' | 's' => {
                let n: f64 = number.parse().unwrap_or(0.0);
                minutes += match c {
                    'h' => n * 60.0,
                    'm' => n,
                    _ => n / 60.0,
                };
                number.clear();
            }
            _ => return 60.0,
        }
    }
    if minutes > 0.0 { minutes } else { 60.0 }
}
