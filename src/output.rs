//! Printing results: JSON on stdout with `--json`, readable text otherwise, and the exit code
//! that goes with each outcome.

use std::process::ExitCode;

use deskmate_api::{Action, ApiError};
use deskmate_diagnostics::Diagnostic;
use serde::Serialize;

pub const OK: u8 = 0;
pub const INVALID: u8 = 1;
pub const USAGE_OR_IO: u8 = 2;

/// Exit code 0 for any successful report.
pub fn ok<T>(_: &T) -> u8 {
    OK
}

/// Prints `report` as JSON or through `human`, and exits with `code`.
fn report<T: Serialize>(report: &T, json: bool, code: u8, human: impl FnOnce(&T)) -> ExitCode {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).expect("reports serialize")
        );
    } else {
        human(report);
    }
    ExitCode::from(code)
}

/// Renders an API result: the report with the exit code `code_of` gives it, or the error.
pub fn finish<T: Serialize>(
    result: Result<T, ApiError>,
    json: bool,
    code_of: impl FnOnce(&T) -> u8,
    human: impl FnOnce(&T),
) -> ExitCode {
    match result {
        Ok(r) => {
            let code = code_of(&r);
            report(&r, json, code, human)
        }
        Err(e) => error(&e, json),
    }
}

/// Prints an error (as `{"error": {code, message, hint, details, next}}` with `--json`) and
/// exits 1 when the input was at fault, 2 otherwise. The api layer's hint is neutral; the
/// command to run next, when the error names a step, is phrased here (`next`).
pub fn error(err: &ApiError, json: bool) -> ExitCode {
    let next = next_step(err);
    if json {
        let mut value = serde_json::json!(err);
        if let Some(next) = &next {
            value["next"] = serde_json::Value::from(next.as_str());
        }
        println!("{}", serde_json::json!({ "error": value }));
    } else {
        eprintln!("error[{}]: {}\n  hint: {}", err.code, err.message, err.hint);
        if let Some(next) = next {
            eprintln!("  next: {next}");
        }
    }
    ExitCode::from(if err.is_invalid_input() {
        INVALID
    } else {
        USAGE_OR_IO
    })
}

/// The CLI's words for the step an error names.
fn next_step(err: &ApiError) -> Option<String> {
    let detail = |name: &str| err.details.get(name).map(String::as_str).unwrap_or("NAME");
    let environment = || {
        if detail("environment") == "staging" {
            " --environment staging"
        } else {
            ""
        }
    };
    Some(match err.action()? {
        Action::GivePicture => "run the same command with --image PICTURE".into(),
        Action::CardFromPicture => "deskmate card convert CARD.json OUT.png --image PICTURE".into(),
        Action::TrustNewKey => format!(
            "run the same command with --trust-fingerprint {}",
            detail("fingerprint")
        ),
        Action::TrustChangedKey => format!(
            "deskmate server trust {} --fingerprint {}",
            detail("server"),
            detail("actual")
        ),
        Action::ReplaceKeyWhileAdding => format!(
            "run the same command with --replace-host-key {}",
            detail("actual")
        ),
        Action::RemoveServer => format!("deskmate server remove {}", detail("server")),
        Action::ListServers => "deskmate server list".into(),
        Action::ListPersonas => "deskmate persona list (add --trash for deleted ones)".into(),
        Action::ListTemplates => "deskmate room templates".into(),
        Action::NewRoom => "deskmate room new --template modern OUT.json".into(),
        Action::ValidateRoom => "deskmate room validate FILE".into(),
        Action::ListPlugins => "deskmate plugin list".into(),
        Action::GivePassphrase => "run the same command with --passphrase-stdin".into(),
        Action::RestoreBackup => format!(
            "deskmate backup restore {} {}{}",
            detail("server"),
            detail("backup"),
            environment()
        ),
        Action::ClearDeployLock => format!(
            "deskmate release unlock {}{} (it shows who holds the lock and asks first)",
            detail("server"),
            environment()
        ),
    })
}

pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    if !diagnostics.is_empty() {
        print!("{}", deskmate_diagnostics::render(diagnostics));
    }
}

/// "2 errors, 1 warning"
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    use deskmate_diagnostics::Severity;
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning")
    )
}

/// Asks "Go ahead?" on a terminal. None: go ahead. Some(code): stop with it — the owner said
/// no (nothing changed, OK), or no one could be asked (`--json` or no terminal), which is
/// `usage.confirm` with `refused` as its message.
pub fn confirm(json: bool, refused: &str) -> Option<ExitCode> {
    use std::io::{BufRead, IsTerminal};
    if json || !std::io::stdin().is_terminal() {
        return Some(error(
            &ApiError::new(
                "usage.confirm",
                refused,
                "run it again with --yes, or with --plan to see the plan only",
            ),
            json,
        ));
    }
    print!("Go ahead? [y/N] ");
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        None
    } else {
        println!("Nothing was changed.");
        Some(ExitCode::from(OK))
    }
}

/// Bytes as an owner reads them: `1.5 GiB`, `20.0 MiB`, `3.0 KiB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
