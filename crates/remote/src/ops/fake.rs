//! A server that is only a script: the recording fake behind the fast tests of every
//! operation. It answers each command with the reply of the newest rule whose text the
//! command contains (or, with none, a silent success), keeps every call in order, and holds
//! what was put so it can be got again. A rule can also fail a command, cut the connection,
//! or cancel the operation from inside a long step, which is how tests reach every branch.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::remote::Remote;
use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::Exit;
use crate::pump::{Input, Stream};
use crate::transfer::{Progress, Transferred, Visibility};

/// What a scripted command does.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Prints `stdout` and `stderr`, exits with `code`.
    Output {
        stdout: String,
        stderr: String,
        code: i32,
    },
    /// The owner pressed Cancel while this command ran.
    Cancel(Cancel),
    /// The connection dropped while this command ran.
    Lost,
}

impl Reply {
    pub fn ok(stdout: impl Into<String>) -> Self {
        Reply::Output {
            stdout: stdout.into(),
            stderr: String::new(),
            code: 0,
        }
    }

    pub fn fail(code: i32, stderr: impl Into<String>) -> Self {
        Reply::Output {
            stdout: String::new(),
            stderr: stderr.into(),
            code,
        }
    }
}

/// One call the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Exec(String),
    Put { path: String, bytes: Vec<u8> },
    Get(String),
    Request { method: String, path: String },
}

struct Rule {
    needle: String,
    reply: Reply,
    /// How many more times it answers; None: always.
    left: Option<usize>,
}

#[derive(Default)]
struct Inner {
    rules: Vec<Rule>,
    calls: Vec<Call>,
    files: BTreeMap<String, Vec<u8>>,
    /// What each command that had input got on stdin, by command.
    stdin: Vec<(String, Vec<u8>)>,
}

/// See the module's documentation.
#[derive(Default)]
pub struct RecordingFake {
    inner: RefCell<Inner>,
}

impl RecordingFake {
    pub fn new() -> Self {
        RecordingFake::default()
    }

    /// Every command containing `needle` gets `reply` (until a newer rule matches first).
    pub fn on(&self, needle: &str, reply: Reply) -> &Self {
        self.rule(needle, reply, None)
    }

    /// The next command containing `needle` gets `reply`; later ones fall through.
    pub fn once(&self, needle: &str, reply: Reply) -> &Self {
        self.rule(needle, reply, Some(1))
    }

    fn rule(&self, needle: &str, reply: Reply, left: Option<usize>) -> &Self {
        self.inner.borrow_mut().rules.push(Rule {
            needle: needle.to_string(),
            reply,
            left,
        });
        self
    }

    /// Every call, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.borrow().calls.clone()
    }

    /// The commands run, in order.
    pub fn commands(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Exec(command) => Some(command),
                _ => None,
            })
            .collect()
    }

    /// How many commands contained `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.commands()
            .iter()
            .filter(|c| c.contains(needle))
            .count()
    }

    /// What the commands containing `needle` got on stdin, in order (a secret goes there,
    /// never on the command line).
    pub fn stdin(&self, needle: &str) -> Vec<String> {
        self.inner
            .borrow()
            .stdin
            .iter()
            .filter(|(command, _)| command.contains(needle))
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .collect()
    }

    /// What was put at `path`, if anything.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.inner.borrow().files.get(path).cloned()
    }

    fn answer(&self, call: Call, text: &str) -> Option<Reply> {
        let mut inner = self.inner.borrow_mut();
        inner.calls.push(call);
        let rule = inner
            .rules
            .iter_mut()
            .rev()
            .find(|r| r.left != Some(0) && text.contains(&r.needle))?;
        if let Some(left) = rule.left.as_mut() {
            *left -= 1;
        }
        Some(rule.reply.clone())
    }
}

fn interrupted(reply: &Reply) -> Option<RemoteError> {
    match reply {
        Reply::Cancel(cancel) => {
            cancel.cancel();
            Some(RemoteError::Cancelled)
        }
        Reply::Lost => Some(RemoteError::Protocol {
            reason: "the connection was lost (the fake's scripted drop)".into(),
        }),
        Reply::Output { .. } => None,
    }
}

impl Remote for RecordingFake {
    fn exec(
        &self,
        command: &str,
        input: Option<Input<'_>>,
        on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
        cancel: &Cancel,
    ) -> Result<Exit> {
        if let Some(input) = input {
            let mut sink = Vec::new();
            input
                .reader
                .read_to_end(&mut sink)
                .map_err(|e| RemoteError::io("stdin", e))?;
            self.inner
                .borrow_mut()
                .stdin
                .push((command.to_string(), sink));
        }
        let reply = self.answer(Call::Exec(command.to_string()), command);
        if cancel.is_cancelled() {
            return Err(RemoteError::Cancelled);
        }
        let Some(reply) = reply else {
            return Ok(Exit::Code(0));
        };
        if let Some(err) = interrupted(&reply) {
            return Err(err);
        }
        let Reply::Output {
            stdout,
            stderr,
            code,
        } = reply
        else {
            unreachable!("interrupted() took the other replies");
        };
        if !stdout.is_empty() {
            on_output(Stream::Stdout, stdout.as_bytes())?;
        }
        if !stderr.is_empty() {
            on_output(Stream::Stderr, stderr.as_bytes())?;
        }
        Ok(Exit::Code(code))
    }

    fn put(
        &self,
        source: &mut dyn Read,
        _total: u64,
        remote: &str,
        _visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        _cancel: &Cancel,
    ) -> Result<Transferred> {
        let mut bytes = Vec::new();
        source
            .read_to_end(&mut bytes)
            .map_err(|e| RemoteError::io(remote, e))?;
        let call = Call::Put {
            path: remote.to_string(),
            bytes: bytes.clone(),
        };
        if let Some(reply) = self.answer(call, &format!("put {remote}"))
            && let Some(err) = interrupted(&reply)
        {
            return Err(err);
        }
        let total = bytes.len() as u64;
        on_progress(Progress { done: total, total });
        let sha256 = crate::transfer::hex(&openssl::sha::sha256(&bytes));
        self.inner
            .borrow_mut()
            .files
            .insert(remote.to_string(), bytes);
        Ok(Transferred {
            bytes: total,
            sha256,
        })
    }

    fn get(
        &self,
        remote: &str,
        local: &Path,
        _visibility: Visibility,
        on_progress: &mut dyn FnMut(Progress),
        _cancel: &Cancel,
    ) -> Result<Transferred> {
        let reply = self.answer(Call::Get(remote.to_string()), &format!("get {remote}"));
        if let Some(err) = reply.as_ref().and_then(interrupted) {
            return Err(err);
        }
        let bytes = self.file(remote).ok_or_else(|| RemoteError::RemoteFailed {
            what: format!("reading {remote}"),
            code: 1,
            detail: "no such file".into(),
        })?;
        std::fs::write(local, &bytes).map_err(|e| RemoteError::io(local, e))?;
        let total = bytes.len() as u64;
        on_progress(Progress { done: total, total });
        Ok(Transferred {
            bytes: total,
            sha256: crate::transfer::hex(&openssl::sha::sha256(&bytes)),
        })
    }

    fn request(
        &self,
        _port: u16,
        _host: &str,
        _https: bool,
        method: &str,
        path: &str,
    ) -> std::result::Result<(u16, Vec<u8>), String> {
        let text = format!("{method} {path}");
        let call = Call::Request {
            method: method.into(),
            path: path.into(),
        };
        let reply = self.answer(call, &text);
        if let Some(err) = reply.as_ref().and_then(interrupted) {
            return Err(err.to_string());
        }
        match reply {
            Some(Reply::Output { stdout, code, .. }) => Ok((
                if code == 0 { 200 } else { code as u16 },
                stdout.into_bytes(),
            )),
            Some(_) => unreachable!("interrupted() took the other replies"),
            None => Err(format!("nothing answered {text} (no scripted reply)")),
        }
    }
}
