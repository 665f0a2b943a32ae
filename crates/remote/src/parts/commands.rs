//! Running a fixed script on the server and turning its failure into an error.

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;

/// Why an action cannot go on, with a stable code (`install.*`, `maintain.*`, …): the
/// message says what, the detail what to do.
pub(crate) fn refuse(
    code: &'static str,
    message: impl Into<String>,
    detail: impl Into<String>,
) -> RemoteError {
    RemoteError::Refused {
        code,
        message: message.into(),
        detail: detail.into(),
    }
}

pub(crate) fn check_cancel(cancel: &Cancel) -> Result<()> {
    if cancel.is_cancelled() {
        Err(RemoteError::Cancelled)
    } else {
        Ok(())
    }
}

/// Runs `body` with `args` as `"$1"`, `"$2"`…; its stdout, or `ssh.remote_failed` naming
/// `what` with the last lines of stderr.
pub(crate) fn run_script(
    remote: &dyn Remote,
    what: &str,
    body: &str,
    args: &[&str],
) -> Result<String> {
    run_script_with_input(remote, what, body, args, b"")
}

/// The same, with `input` on the script's stdin: how a secret reaches a script, never on
/// its command line.
pub(crate) fn run_script_with_input(
    remote: &dyn Remote,
    what: &str,
    body: &str,
    args: &[&str],
    input: &[u8],
) -> Result<String> {
    let line = script(body, args)?;
    let out = match input {
        [] => remote.capture(&line, 1 << 20)?,
        _ => remote.capture_with_input(&line, Some(&mut &input[..]), 1 << 20)?,
    };
    if !out.exit.success() {
        return Err(RemoteError::RemoteFailed {
            what: what.to_string(),
            code: match out.exit {
                crate::exec::Exit::Code(c) => c,
                crate::exec::Exit::Signal(_) => -1,
            },
            detail: out.stderr_tail(),
        });
    }
    Ok(out.stdout_text())
}
