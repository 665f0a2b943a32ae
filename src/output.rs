//! Printing results: JSON on stdout with `--json`, readable text otherwise, and the exit code
//! that goes with each outcome.

use std::process::ExitCode;

use deskmate_api::ApiError;
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

/// Prints an error (as `{"error": {code, message, hint}}` with `--json`) and exits 1 when the
/// input was at fault, 2 otherwise.
pub fn error(err: &ApiError, json: bool) -> ExitCode {
    if json {
        println!("{}", serde_json::json!({ "error": err }));
    } else {
        eprintln!("error[{}]: {}\n  hint: {}", err.code, err.message, err.hint);
    }
    ExitCode::from(if err.is_invalid_input() {
        INVALID
    } else {
        USAGE_OR_IO
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
