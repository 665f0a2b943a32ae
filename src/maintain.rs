//! `deskmate server maintain`: the stack's housekeeping, each step with the space before and
//! after; `--plan` changes nothing; `--weekly` puts it on the server's own timer. The work
//! is in `Servers::maintain` and `maintain_schedule`.

use std::process::ExitCode;

use clap::Args;
use deskmate_api::Servers;
use deskmate_api::servers::{MaintainReport, MaintainStep};

use crate::interrupt;
use crate::output::{self, ok, size};
use crate::progress::Printer;
use crate::server::EnvironmentArg;

#[derive(Args)]
pub struct MaintainArgs {
    pub name: String,
    /// Show what each step would do, with today's sizes, and change nothing
    #[arg(long, conflicts_with = "weekly")]
    pub plan: bool,
    /// Run it every Monday at 04:45 on the server's own timer (needs root or sudo)
    #[arg(long)]
    pub weekly: bool,
    #[arg(long, value_enum, default_value_t = EnvironmentArg::Production)]
    pub environment: EnvironmentArg,
}

pub fn run(servers: &Servers, a: MaintainArgs, json: bool) -> ExitCode {
    let environment = a.environment.into();
    if a.weekly {
        let timer = servers
            .maintain_schedule(&a.name, environment, "")
            .map(|timer| serde_json::json!({ "timer": timer }));
        return output::finish(timer, json, ok, |t| {
            println!(
                "{} is maintained every Monday at 04:45 (up to 15 minutes later) by {}.",
                a.name,
                t["timer"].as_str().unwrap_or("")
            )
        });
    }
    let mut printer = Printer::new(json);
    let watch = if a.plan {
        interrupt::reading()
    } else {
        interrupt::changing(&a.name, environment)
    };
    let report = servers.maintain(
        &a.name,
        environment,
        a.plan,
        &mut printer.on_event(),
        watch.cancel(),
    );
    let failed = report
        .as_ref()
        .is_ok_and(|r| r.steps.iter().any(|s| s.failed));
    let code = output::finish(report, json, ok, |r: &MaintainReport| {
        for step in &r.steps {
            print_step(step);
        }
        let verb = if r.planned_only {
            "would give back"
        } else {
            "gave back"
        };
        println!("Maintenance {verb} {} in all.", size(r.freed_bytes));
    });
    if failed && code == ExitCode::SUCCESS {
        return ExitCode::from(1);
    }
    code
}

fn print_step(s: &MaintainStep) {
    println!(
        "{:<9} {:>9} -> {:<9} {}",
        s.id,
        size(s.bytes_before),
        size(s.bytes_after),
        s.detail
    );
}
