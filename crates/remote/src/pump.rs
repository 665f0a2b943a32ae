//! Moving bytes through one SSH channel without ever blocking on the wrong stream.
//!
//! A remote command that fills stderr while we wait on stdout (or the other way round) stops
//! when its SSH window is full, and a blocking reader on the other stream then waits forever.
//! So the pump switches the session to non-blocking mode and, in one loop, feeds stdin,
//! drains stdout and stderr, sends keepalives and checks for cancellation. When nothing can
//! move it sleeps in `poll(2)` on the socket, in the direction libssh2 asks for.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use ssh2::{BlockDirections, Channel};

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::session::{Session, millis};

/// Every read and write moves at most this much at a time.
pub const BUFFER_BYTES: usize = 64 * 1024;
/// The longest the loop sleeps before it looks at the cancel flag and the keepalive again.
const POLL_SLICE: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Where stdin comes from, and whether to signal its end (a command wants EOF; a forwarded
/// HTTP connection must stay open for the reply).
pub struct Input<'a> {
    pub reader: &'a mut dyn Read,
    pub send_eof: bool,
}

/// Pumps until the channel's output ends. `on_output` may stop the pump with an error (a
/// full buffer, a failed local write); `cancel` stops it with [`RemoteError::Cancelled`].
pub fn pump(
    session: &Session,
    channel: &mut Channel,
    mut input: Option<Input<'_>>,
    on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
    cancel: &Cancel,
) -> Result<()> {
    session.ssh.set_blocking(false);
    let result = pump_nonblocking(session, channel, &mut input, on_output, cancel);
    session.ssh.set_blocking(true);
    result
}

fn pump_nonblocking(
    session: &Session,
    channel: &mut Channel,
    input: &mut Option<Input<'_>>,
    on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
    cancel: &Cancel,
) -> Result<()> {
    let mut buffer = vec![0u8; BUFFER_BYTES];
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_at = 0;
    let mut input_done = input.is_none();
    let mut eof_sent = input.as_ref().is_none_or(|i| !i.send_eof);
    let (mut stdout_open, mut stderr_open) = (true, true);
    let mut idle_since = Instant::now();
    loop {
        if cancel.is_cancelled() {
            return Err(RemoteError::Cancelled);
        }
        let mut moved = false;

        if let Some(source) = input.as_mut().filter(|_| !input_done) {
            if pending_at == pending.len() {
                pending.resize(BUFFER_BYTES, 0);
                let n = source
                    .reader
                    .read(&mut pending)
                    .map_err(|e| RemoteError::io("the data being sent", e))?;
                pending.truncate(n);
                pending_at = 0;
                input_done = n == 0;
            }
            if pending_at < pending.len() {
                match channel.write(&pending[pending_at..]) {
                    Ok(n) => {
                        pending_at += n;
                        moved |= n > 0;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(channel_broke("sending", e)),
                }
            }
        }
        if input_done && !eof_sent {
            match channel.send_eof() {
                Ok(()) => eof_sent = true,
                Err(e) if crate::session::is_would_block(&e) => {}
                Err(e) => {
                    return Err(RemoteError::Protocol {
                        reason: format!("ending input: {}", e.message()),
                    });
                }
            }
        }

        for (stream, open) in [
            (Stream::Stdout, &mut stdout_open),
            (Stream::Stderr, &mut stderr_open),
        ] {
            if !*open {
                continue;
            }
            let id = if stream == Stream::Stdout { 0 } else { 1 };
            match channel.stream(id).read(&mut buffer) {
                Ok(0) => *open = !channel.eof(),
                Ok(n) => {
                    moved = true;
                    on_output(stream, &buffer[..n])?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if channel.eof() {
                        *open = false;
                    }
                }
                Err(e) => return Err(channel_broke("receiving", e)),
            }
        }
        if !stdout_open && !stderr_open {
            return Ok(());
        }

        session.keepalive()?;
        if moved {
            idle_since = Instant::now();
        } else {
            if idle_since.elapsed() > session.timeouts.io {
                return Err(RemoteError::Timeout {
                    what: "waiting on the server",
                    seconds: session.timeouts.io.as_secs(),
                });
            }
            wait_for_socket(session)?;
        }
    }
}

/// Sleeps until the socket is ready in the direction libssh2 is waiting on, or a slice of
/// time has passed.
fn wait_for_socket(session: &Session) -> Result<()> {
    let directions = session.ssh.block_directions();
    let mut events = 0;
    if matches!(directions, BlockDirections::Inbound | BlockDirections::Both) {
        events |= libc::POLLIN;
    }
    if matches!(
        directions,
        BlockDirections::Outbound | BlockDirections::Both
    ) {
        events |= libc::POLLOUT;
    }
    if events == 0 {
        // libssh2 is not waiting on the socket: the remote side simply has not answered
        // yet, and new data will make the socket readable.
        events = libc::POLLIN;
    }
    let mut fd = libc::pollfd {
        fd: session.socket.as_raw_fd(),
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd, for a socket this session owns, for the call's duration.
    let ready = unsafe { libc::poll(&mut fd, 1, millis(POLL_SLICE) as libc::c_int) };
    if ready < 0 {
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(channel_broke("waiting", err));
        }
    }
    Ok(())
}

fn channel_broke(what: &str, err: io::Error) -> RemoteError {
    RemoteError::Protocol {
        reason: format!("{what}: {err}"),
    }
}
