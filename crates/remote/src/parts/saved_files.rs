//! Files as they were before a step changed them, and putting them back: what the undo of a
//! step that rewrites settings files (env files, the offsite target) needs.
//!
//! The contents travel over the SSH channel's output (reading) and its input (writing), never
//! on a command line, since these files hold secrets.

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;

use super::commands::run_script;
use super::stack_files::{self, SpecFile};

/// The most a settings file may hold: they are a few lines each.
const LIMIT: usize = 64 * 1024;

/// One file as the server had it.
#[derive(Clone, PartialEq, Eq)]
pub struct SavedFile {
    /// Relative to the stack folder.
    pub path: String,
    /// Its bytes, or None when it was not there.
    pub contents: Option<Vec<u8>>,
    /// Put back readable only by the stack's account (0600).
    pub secret: bool,
}

// By hand, so a secret file's contents never reach a log or a panic message.
impl std::fmt::Debug for SavedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedFile")
            .field("path", &self.path)
            .field("bytes", &self.contents.as_ref().map(Vec::len))
            .finish()
    }
}

impl SavedFile {
    /// Its text (empty when it was not there).
    pub fn text(&self) -> String {
        self.contents
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }
}

/// Reads `path` (relative to `dir`) whole, or notes that it is not there.
pub fn read(remote: &dyn Remote, dir: &str, path: &str, secret: bool) -> Result<SavedFile> {
    // The first line says which, so an empty file and a missing one differ.
    let body = r#"if [ -f "$1/$2" ]; then echo present; exec cat -- "$1/$2"; fi; echo absent"#;
    let out = remote.capture(&script(body, &[dir, path])?, LIMIT)?;
    let text = &out.stdout;
    let contents = if let Some(rest) = text.strip_prefix(b"present\n") {
        Some(rest.to_vec())
    } else if out.exit.success() && text.starts_with(b"absent") {
        None
    } else {
        return Err(RemoteError::RemoteFailed {
            what: format!("reading {path}"),
            code: match out.exit {
                crate::exec::Exit::Code(c) => c,
                crate::exec::Exit::Signal(_) => -1,
            },
            detail: out.stderr_tail(),
        });
    };
    Ok(SavedFile {
        path: path.to_string(),
        contents,
        secret,
    })
}

/// Puts each of `saved` back as it was: written whole where it differs, removed where it
/// was not there. Safe to repeat; the paths it changed.
pub fn put_back(
    remote: &dyn Remote,
    dir: &str,
    saved: &[SavedFile],
    cancel: &Cancel,
) -> Result<Vec<String>> {
    let present: Vec<SpecFile> = saved
        .iter()
        .filter_map(|f| {
            Some(SpecFile {
                path: f.path.clone(),
                contents: f.contents.clone()?,
                secret: f.secret,
            })
        })
        .collect();
    let mut changed = if present.is_empty() {
        Vec::new()
    } else {
        stack_files::put(remote, dir, &present, cancel)?
    };
    let absent: Vec<&str> = saved
        .iter()
        .filter(|f| f.contents.is_none())
        .map(|f| f.path.as_str())
        .collect();
    if !absent.is_empty() {
        let mut args = vec![dir];
        args.extend(&absent);
        let removed = run_script(
            remote,
            "removing what was not there before",
            r#"d=$1; shift; for f in "$@"; do [ -e "$d/$f" ] && rm -f -- "$d/$f" && echo "$f"; done; exit 0"#,
            &args,
        )?;
        changed.extend(removed.lines().map(str::to_string));
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fake::{RecordingFake, Reply};

    #[test]
    fn a_file_reads_as_present_empty_or_absent() {
        let fake = RecordingFake::new();
        fake.on(" a.env", Reply::ok("present\nK=v\n"));
        fake.on(" b.env", Reply::ok("present\n"));
        fake.on(" c.env", Reply::ok("absent\n"));
        fake.on(" d.env", Reply::fail(1, "Permission denied\n"));
        let read = |p: &str| read(&fake, "/s", p, true);
        assert_eq!(
            read("a.env").unwrap().contents.as_deref(),
            Some(&b"K=v\n"[..])
        );
        assert_eq!(read("b.env").unwrap().contents.as_deref(), Some(&b""[..]));
        assert_eq!(read("c.env").unwrap().contents, None);
        assert_eq!(read("d.env").unwrap_err().code(), "ssh.remote_failed");
    }

    #[test]
    fn putting_back_writes_what_differs_and_removes_what_was_not_there() {
        let fake = RecordingFake::new();
        fake.on("sha256sum <", Reply::ok("-\n"));
        fake.on("rm -f --", Reply::ok("new\n"));
        let saved = [
            SavedFile {
                path: "old".into(),
                contents: Some(b"x\n".to_vec()),
                secret: true,
            },
            SavedFile {
                path: "new".into(),
                contents: None,
                secret: false,
            },
        ];
        let changed = put_back(&fake, "/s", &saved, &Cancel::new()).unwrap();
        assert_eq!(changed, ["old", "new"]);
        assert_eq!(fake.file("/s/old").as_deref(), Some(&b"x\n"[..]));
        assert!(
            !format!("{saved:?}").contains("x\\n"),
            "no contents in Debug"
        );
    }
}
