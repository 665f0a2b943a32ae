//! The seam between operations and SSH: what an operation may ask of a server.
//!
//! Four primitives (run a command, put a file, get a file, make one HTTP request to the
//! server's loopback) are all an operation needs. The real [`Session`] implements them over
//! SSH; [`super::fake::RecordingFake`] implements them with scripted replies, so every branch
//! of every operation can be tested in milliseconds. Everything else (`capture`,
//! `write_file`, `upload`) is built on the primitives here, once, for both.

use std::io::Read;
use std::path::Path;

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::{Captured, Exit, shorten};
use crate::pump::{Input, Stream};
use crate::session::Session;
use crate::transfer::{Progress, Transferred, Visibility};

/// A server as operations see it.
pub trait Remote {
    /// Runs `command` (a line built with [`crate::command_line`] or [`crate::script`]),
    /// streaming its output to `on_output` as it comes.
    fn exec(
        &self,
        command: &str,
        input: Option<Input<'_>>,
        on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
        cancel: &Cancel,
    ) -> Result<Exit>;

    /// Writes `total` bytes from `source` to the server's `remote` path: whole or not at
    /// all, checked by SHA-256, with the mode `visibility` asks for from the first byte.
    fn put(
        &self,
        source: &mut dyn Read,
        total: u64,
        remote: &str,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred>;

    /// Copies the server's `remote` file to `local`, checked the same way.
    fn get(
        &self,
        remote: &str,
        local: &Path,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred>;

    /// One bodiless HTTP request to the server's `127.0.0.1:port` (`host` is the Host header
    /// and, over HTTPS, the TLS name); its status and body, or a sentence saying why not.
    fn request(
        &self,
        port: u16,
        host: &str,
        https: bool,
        method: &str,
        path: &str,
    ) -> std::result::Result<(u16, Vec<u8>), String>;

    /// Runs `command` and collects its output, refusing more than `limit` bytes per stream.
    fn capture(&self, command: &str, limit: usize) -> Result<Captured> {
        self.capture_with_input(command, None, limit)
    }

    fn capture_with_input(
        &self,
        command: &str,
        stdin: Option<&mut dyn Read>,
        limit: usize,
    ) -> Result<Captured> {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let input = stdin.map(|reader| Input {
            reader,
            send_eof: true,
        });
        let exit = self.exec(
            command,
            input,
            &mut |stream, bytes| {
                let buffer = match stream {
                    Stream::Stdout => &mut stdout,
                    Stream::Stderr => &mut stderr,
                };
                if buffer.len() + bytes.len() > limit {
                    return Err(RemoteError::Protocol {
                        reason: format!("`{}` printed more than {limit} bytes", shorten(command)),
                    });
                }
                buffer.extend_from_slice(bytes);
                Ok(())
            },
            &Cancel::new(),
        )?;
        Ok(Captured {
            exit,
            stdout,
            stderr,
        })
    }

    /// Writes `bytes` to the server's `remote` path (see [`Remote::put`]).
    fn write_file(
        &self,
        bytes: &[u8],
        remote: &str,
        visibility: Visibility,
        cancel: &Cancel,
    ) -> Result<Transferred> {
        let mut reader = bytes;
        self.put(
            &mut reader,
            bytes.len() as u64,
            remote,
            visibility,
            &mut |_| {},
            cancel,
        )
    }

    /// Copies `local` to the server's `remote` path (see [`Remote::put`]).
    fn upload(
        &self,
        local: &Path,
        remote: &str,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred> {
        let mut file = std::fs::File::open(local).map_err(|e| RemoteError::io(local, e))?;
        let total = file
            .metadata()
            .map_err(|e| RemoteError::io(local, e))?
            .len();
        self.put(&mut file, total, remote, visibility, on_progress, cancel)
    }
}

impl Remote for Session {
    fn exec(
        &self,
        command: &str,
        input: Option<Input<'_>>,
        on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
        cancel: &Cancel,
    ) -> Result<Exit> {
        Session::exec(self, command, input, on_output, cancel)
    }

    fn put(
        &self,
        source: &mut dyn Read,
        total: u64,
        remote: &str,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred> {
        self.upload_from(source, total, remote, visibility, on_progress, cancel)
    }

    fn get(
        &self,
        remote: &str,
        local: &Path,
        visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        cancel: &Cancel,
    ) -> Result<Transferred> {
        self.download(remote, local, visibility, on_progress, cancel)
    }

    fn request(
        &self,
        port: u16,
        host: &str,
        https: bool,
        method: &str,
        path: &str,
    ) -> std::result::Result<(u16, Vec<u8>), String> {
        crate::backend::exchange(self, port, host, https, method, path)
    }
}
