//! Running a command on the server: streamed output, a trustworthy exit status, cancellation.
//!
//! Each command runs as `sh -c WRAPPER`, whatever the owner's login shell is, and the
//! wrapper runs the command in a subshell, then prints the exit line [`ExitMarker`] looks for.
//! So a status is only believed when the wrapper lived to report it, or the server reported
//! a signal; "no news" is an error, never a silent 0.

use std::io::Read;

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exit_marker::ExitMarker;
use crate::pump::{Input, Stream, pump};
use crate::quote::{command_line, quote};
use crate::session::Session;

/// How a remote command ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    Code(i32),
    /// Killed by a signal (`TERM`, `KILL`, …).
    Signal(String),
}

impl Exit {
    pub fn success(&self) -> bool {
        *self == Exit::Code(0)
    }
}

/// A finished command's output, when it was collected rather than streamed.
#[derive(Debug, Clone)]
pub struct Captured {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Captured {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// All of stderr, line by line, for the readers of a script's `error<TAB>code` lines.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The last lines of stderr, for an error message.
    pub fn stderr_tail(&self) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(3)..].join(" / ")
    }
}

/// `sh -c SCRIPT sh ARGS…`: a fixed script that reads its arguments as `"$1"`, `"$2"`, so no
/// value is ever spliced into shell text.
pub fn script(script: &str, args: &[&str]) -> Result<String> {
    let mut all = vec![script, "sh"];
    all.extend_from_slice(args);
    Ok(command_line("sh", &["-c"])? + " " + &quote_all(&all)?)
}

fn quote_all(args: &[&str]) -> Result<String> {
    Ok(args
        .iter()
        .map(|a| quote(a))
        .collect::<Result<Vec<_>, _>>()?
        .join(" "))
}

impl Session {
    /// Runs `command` (a line built with [`crate::command_line`] or [`script`]), streaming
    /// its output to `on_output` as it comes.
    pub fn exec(
        &self,
        command: &str,
        input: Option<Input<'_>>,
        on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
        cancel: &Cancel,
    ) -> Result<Exit> {
        let nonce = nonce();
        let wrapper = format!(
            "( {command}\n) ; s=$? ; printf '\\036%s exit %d\\n' {nonce} \"$s\" >&2 ; exit \"$s\""
        );
        let line = command_line("sh", &["-c", &wrapper])?;
        tracing::debug!(command = %command, "exec");

        let mut channel = self
            .ssh
            .channel_session()
            .map_err(|e| RemoteError::ssh("opening a channel", self.timeouts.io.as_secs(), e))?;
        channel
            .exec(&line)
            .map_err(|e| RemoteError::ssh("starting a command", self.timeouts.io.as_secs(), e))?;

        let mut marker = ExitMarker::new(&nonce);
        let pumped = pump(
            self,
            &mut channel,
            input,
            &mut |stream, bytes| match stream {
                Stream::Stdout => on_output(stream, bytes),
                Stream::Stderr => {
                    let passed = marker.feed(bytes);
                    if passed.is_empty() {
                        Ok(())
                    } else {
                        on_output(stream, &passed)
                    }
                }
            },
            cancel,
        );
        if let Err(err) = pumped {
            if matches!(err, RemoteError::Cancelled) {
                self.stop_remote(&nonce);
            }
            let _ = channel.close();
            return Err(err);
        }
        let timeout = self.timeouts.io.as_secs();
        channel
            .close()
            .and_then(|()| channel.wait_close())
            .map_err(|e| RemoteError::ssh("closing the command", timeout, e))?;

        let (code, rest) = marker.finish();
        if !rest.is_empty() {
            on_output(Stream::Stderr, &rest)?;
        }
        let signal = channel
            .exit_signal()
            .ok()
            .and_then(|s| s.exit_signal)
            .filter(|s| !s.is_empty());
        let exit = match (signal, code) {
            (Some(signal), _) => Exit::Signal(signal),
            (None, Some(code)) => Exit::Code(code),
            (None, None) => {
                return Err(RemoteError::NoExitStatus {
                    command: shorten(command),
                });
            }
        };
        tracing::debug!(?exit, "exec finished");
        Ok(exit)
    }

    /// Stops a cancelled command and everything it started: every process in the SSH
    /// session the wrapper runs in. The pattern's brackets keep `pgrep` from finding this
    /// very command, whose text also holds the nonce.
    fn stop_remote(&self, nonce: &str) {
        let pattern = format!("[{}]{}", &nonce[..1], &nonce[1..]);
        let Ok(line) = script(
            "w=$(pgrep -o -f \"$1\") || exit 0; s=$(ps -o sid= -p \"$w\" | tr -d ' '); \
             [ -n \"$s\" ] && pkill -TERM -s \"$s\"",
            &[&pattern],
        ) else {
            return;
        };
        let stopped = self.ssh.channel_session().and_then(|mut channel| {
            channel.exec(&line)?;
            let mut sink = Vec::new();
            let _ = channel.read_to_end(&mut sink);
            channel.wait_close()
        });
        tracing::info!(
            ok = stopped.is_ok(),
            "cancelled command stopped on the server"
        );
    }
}

/// A random 128-bit hex string.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes).expect("OpenSSL's random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn shorten(command: &str) -> String {
    let mut short: String = command.chars().take(120).collect();
    if short.len() < command.len() {
        short.push('…');
    }
    short
}
