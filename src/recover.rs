//! `deskmate release interrupted NAME` and `deskmate release recover NAME --finish|--undo|
//! --again|--clear`: a change cut off midway, as the app shows it (what it was, who, how far
//! it got, the server's state now, the ways forward), and acting on the way chosen. The work
//! is in `deskmate-api` (`Servers::interrupted`, `Servers::recover`); this asks and prints.

use std::process::ExitCode;

use deskmate_api::servers::{
    DeployOptions, Interrupted, Liveness, Recovered, Recovery, Way, WayKind,
};
use deskmate_api::{ApiError, Environment, Servers};

use crate::interrupt;
use crate::output::{self, ok};
use crate::progress::Printer;

/// The flag that chooses each way, as the ways are listed.
fn flag(kind: WayKind) -> &'static str {
    match kind {
        WayKind::Finish => "--finish",
        WayKind::Undo => "--undo",
        WayKind::RunAgain => "--again",
        WayKind::Clear => "--clear",
    }
}

/// Prints what a change cut off midway left on `name`, and the ways forward.
pub fn interrupted(servers: &Servers, name: &str, env: Environment, json: bool) -> ExitCode {
    // Reads only, so Ctrl-C may leave at once.
    output::finish(
        servers.interrupted(name, env),
        json,
        ok,
        |seen| match seen {
            None => println!("{name} holds no deploy lock: no change was cut off."),
            Some(seen) => print(seen, env),
        },
    )
}

fn print(seen: &Interrupted, env: Environment) {
    let env_flag = match env {
        Environment::Production => String::new(),
        Environment::Staging => " --environment staging".into(),
    };
    let headline = match seen.liveness {
        Liveness::Working => "A change is under way on",
        _ => "A change was cut off on",
    };
    println!(
        "{headline} {} ({}): {}.",
        seen.server, seen.environment, seen.what
    );
    println!("  Who:       {}", seen.lock.description);
    if let Some(run) = &seen.run {
        println!("  Started:   {} (the server's clock)", run.started);
    }
    println!("  Working?   {}", seen.liveness_words);
    println!("  How far:   {}", seen.progress);
    println!("  Now:       {}", seen.state);
    if seen.ways.is_empty() {
        println!("Wait for it to finish; nothing needs doing.");
        return;
    }
    println!("Ways forward:");
    for way in &seen.ways {
        let suggested = if way.recommended { " (suggested)" } else { "" };
        println!("  {:<9} {}{suggested}", flag(way.kind), way.label);
        println!("            {}", way.does);
        println!("            Then: {}", way.effect);
    }
    println!(
        "Choose one with `deskmate release recover {}{env_flag} --finish|--undo|--again|--clear`.",
        seen.server
    );
}

/// Shows the state, asks (unless `yes`), then clears the lock shown and runs the way chosen,
/// printing its steps as they go.
pub fn recover(
    servers: &Servers,
    name: &str,
    kind: WayKind,
    yes: bool,
    options: &DeployOptions,
    json: bool,
) -> ExitCode {
    let env = options.environment;
    let seen = match servers.interrupted(name, env) {
        Ok(Some(seen)) => seen,
        Ok(None) => {
            return output::error(
                &ApiError::new(
                    "release.not_locked",
                    format!(
                        "{name} holds no deploy lock: no change was cut off, so there is nothing to recover"
                    ),
                    "nothing to do",
                ),
                json,
            );
        }
        Err(e) => return output::error(&e, json),
    };
    let Some(way) = seen.ways.iter().find(|w| w.kind == kind).cloned() else {
        return output::error(&not_offered(&seen, kind), json);
    };
    if !json {
        print(&seen, env);
        println!("Chosen: {}.", way.label);
    }
    if !yes
        && let Some(stop) = output::confirm(
            json,
            "recovering changes the server, and no one was there to say yes",
        )
    {
        return stop;
    }
    let recovery = Recovery {
        way: way.kind,
        to: way.to.clone(),
        lock_taken: seen.lock.holder.taken,
    };
    let mut printer = Printer::new(json);
    let watch = interrupt::changing(name, env);
    let result = servers.recover(
        name,
        &recovery,
        options,
        &mut printer.on_event(),
        watch.cancel(),
    );
    output::finish(result, json, ok, |done| said(done, &way))
}

fn said(done: &Recovered, way: &Way) {
    let lock = if done.cleared {
        "The lock is cleared"
    } else {
        "The lock had been cleared already"
    };
    match &done.update {
        Some(r) => println!(
            "{lock}. {} now runs DeskMate {} alone, healthy, in {:.1} s.",
            r.server,
            r.version,
            r.elapsed_ms as f64 / 1000.0
        ),
        None => println!("{lock}. {}", way.effect),
    }
}

/// A way that is not offered, with the ones that are.
fn not_offered(seen: &Interrupted, kind: WayKind) -> ApiError {
    let offered: Vec<String> = seen
        .ways
        .iter()
        .map(|w| format!("{} ({})", flag(w.kind), w.label))
        .collect();
    ApiError::new(
        "usage.way_not_offered",
        format!("{} is not a way forward here", flag(kind)),
        if offered.is_empty() {
            "the change is still working: wait for it to finish".to_string()
        } else {
            format!("choose one of: {}", offered.join(", "))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskmate_api::servers::{HeldLock, WayRuns};
    use deskmate_remote::ops::lock::Holder;

    fn seen(ways: Vec<Way>) -> Interrupted {
        let holder = Holder {
            who: "bob@desk".into(),
            action: "maintenance".into(),
            seconds: 5,
            taken: 1,
            host: "desk".into(),
            pid: 1,
        };
        Interrupted {
            server: "home".into(),
            environment: "production",
            lock: HeldLock::of(holder, Environment::Production),
            liveness: Liveness::Gone,
            liveness_words: String::new(),
            run: None,
            what: "maintenance".into(),
            versions: None,
            progress: String::new(),
            current: None,
            answering: Vec::new(),
            mixed: false,
            state: String::new(),
            ways,
        }
    }

    #[test]
    fn a_way_not_offered_names_the_ones_that_are() {
        let clear = Way {
            kind: WayKind::Clear,
            label: "Only clear the lock".into(),
            does: String::new(),
            effect: String::new(),
            to: None,
            runs: WayRuns::Nothing,
            recommended: true,
        };
        let err = not_offered(&seen(vec![clear]), WayKind::Finish);
        assert_eq!(err.code, "usage.way_not_offered");
        assert_eq!(err.message, "--finish is not a way forward here");
        assert_eq!(err.hint, "choose one of: --clear (Only clear the lock)");
        let err = not_offered(&seen(Vec::new()), WayKind::Undo);
        assert!(err.hint.contains("still working"), "{err:?}");
    }
}
