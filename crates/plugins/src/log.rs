//! The plugin's log: lines from the `log` import and whatever it writes to stdout or stderr,
//! kept up to a byte budget so a chatty or hostile plugin cannot fill the host's memory.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use serde::Serialize;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogSource {
    Log,
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub source: LogSource,
    pub message: String,
}

/// What one call logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Log {
    pub lines: Vec<LogLine>,
    /// Bytes dropped because the budget ran out.
    pub dropped_bytes: u64,
}

/// Shared between the store (for the `log` import) and the stdout/stderr streams WASI hands
/// the guest.
#[derive(Clone)]
pub(crate) struct LogSink {
    state: Arc<Mutex<State>>,
}

struct State {
    log: Log,
    budget: usize,
    /// Text written to stdout/stderr since its last newline.
    partial: [Vec<u8>; 2],
}

impl LogSink {
    pub(crate) fn new(budget: usize) -> Self {
        LogSink {
            state: Arc::new(Mutex::new(State {
                log: Log::default(),
                budget,
                partial: [Vec::new(), Vec::new()],
            })),
        }
    }

    pub(crate) fn line(&self, level: LogLevel, message: &str) {
        self.lock().push(level, LogSource::Log, message.as_bytes());
    }

    pub(crate) fn stream(&self, source: LogSource) -> GuestOutput {
        GuestOutput {
            sink: self.clone(),
            source,
        }
    }

    /// Ends the call: text left without a final newline becomes a line of its own.
    pub(crate) fn finish(&self) -> Log {
        let mut state = self.lock();
        for source in [LogSource::Stdout, LogSource::Stderr] {
            let rest = std::mem::take(&mut state.partial[stream_index(source)]);
            if !rest.is_empty() {
                state.push(level_of(source), source, &rest);
            }
        }
        std::mem::take(&mut state.log)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere; the log itself is still coherent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn push(&mut self, level: LogLevel, source: LogSource, bytes: &[u8]) {
        let kept = bytes.len().min(self.budget);
        self.dropped_bytes_add((bytes.len() - kept) as u64);
        if kept == 0 {
            return;
        }
        self.budget -= kept;
        self.log.lines.push(LogLine {
            level,
            source,
            message: String::from_utf8_lossy(&bytes[..kept]).into_owned(),
        });
    }

    fn dropped_bytes_add(&mut self, n: u64) {
        self.log.dropped_bytes = self.log.dropped_bytes.saturating_add(n);
    }

    fn write(&mut self, source: LogSource, mut bytes: &[u8]) {
        let index = stream_index(source);
        while let Some(newline) = bytes.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(&mut self.partial[index]);
            line.extend_from_slice(&bytes[..newline]);
            self.push(level_of(source), source, &line);
            bytes = &bytes[newline + 1..];
        }
        // An unterminated line is held only while it fits in what is left of the budget.
        let room = self.budget.saturating_sub(self.partial[index].len());
        let held = bytes.len().min(room);
        self.partial[index].extend_from_slice(&bytes[..held]);
        self.dropped_bytes_add((bytes.len() - held) as u64);
    }
}

fn stream_index(source: LogSource) -> usize {
    match source {
        LogSource::Stderr => 1,
        _ => 0,
    }
}

fn level_of(source: LogSource) -> LogLevel {
    match source {
        LogSource::Stderr => LogLevel::Warn,
        _ => LogLevel::Info,
    }
}

/// The guest's stdout or stderr. It accepts every write, so a plugin that prints a lot
/// is not made to crash; what exceeds the budget is counted and dropped.
#[derive(Clone)]
pub(crate) struct GuestOutput {
    sink: LogSink,
    source: LogSource,
}

/// How much a single write may carry; WASI guests split larger writes.
const WRITE_PERMIT: usize = 64 << 10;

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.sink.lock().write(self.source, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.sink.lock().write(self.source, buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdout_is_split_into_lines_and_bounded() {
        let sink = LogSink::new(10);
        let mut out = sink.stream(LogSource::Stdout);
        out.write(Bytes::from_static(b"hello\nwor")).unwrap();
        out.write(Bytes::from_static(b"ld and much more\n"))
            .unwrap();
        let log = sink.finish();
        assert_eq!(log.lines[0].message, "hello");
        assert_eq!(log.lines[1].message, "world");
        assert_eq!(log.lines.len(), 2);
        assert_eq!(log.dropped_bytes, " and much more".len() as u64);
    }

    #[test]
    fn log_lines_share_the_budget() {
        let sink = LogSink::new(8);
        sink.line(LogLevel::Info, "12345");
        sink.line(LogLevel::Error, "67890");
        let log = sink.finish();
        assert_eq!(log.lines.len(), 2);
        assert_eq!(log.lines[1].message, "678");
        assert_eq!(log.dropped_bytes, 2);
    }
}
