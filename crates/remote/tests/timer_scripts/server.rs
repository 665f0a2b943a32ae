//! The test bed: a stack folder with the shipped scripts, `docker` and `restic` stood in for
//! on PATH, and this machine as the server the app's lock and audit code talk to.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use deskmate_remote::Exit;
use deskmate_remote::cancel::Cancel;
use deskmate_remote::ops::Remote;
use deskmate_remote::ops::audit::{self, AuditLine, StepOutcome};
use deskmate_remote::pump::{Input, Stream};
use deskmate_remote::transfer::{Progress, Transferred, Visibility};
use deskmate_remote::{RemoteError, Result};

/// The server is this machine: each command runs in `sh -c`, as over SSH.
pub struct Here;

impl Remote for Here {
    fn exec(
        &self,
        command: &str,
        input: Option<Input<'_>>,
        on_output: &mut dyn FnMut(Stream, &[u8]) -> Result<()>,
        _cancel: &Cancel,
    ) -> Result<Exit> {
        assert!(input.is_none(), "the lock and the audit send no input");
        let out = Command::new("sh").args(["-c", command]).output().unwrap();
        on_output(Stream::Stdout, &out.stdout)?;
        on_output(Stream::Stderr, &out.stderr)?;
        Ok(Exit::Code(out.status.code().unwrap_or(-1)))
    }

    fn put(
        &self,
        _: &mut dyn std::io::Read,
        _: u64,
        _: &str,
        _: Visibility,
        _: &mut dyn FnMut(Progress),
        _: &Cancel,
    ) -> Result<Transferred> {
        Err(RemoteError::Protocol {
            reason: "not used here".into(),
        })
    }

    fn get(
        &self,
        _: &str,
        _: &Path,
        _: Visibility,
        _: &mut dyn FnMut(Progress),
        _: &Cancel,
    ) -> Result<Transferred> {
        Err(RemoteError::Protocol {
            reason: "not used here".into(),
        })
    }

    fn request(
        &self,
        _: u16,
        _: &str,
        _: bool,
        _: &str,
        _: &str,
    ) -> std::result::Result<(u16, Vec<u8>), String> {
        Err("not used here".into())
    }
}

/// `docker`: answers what maintenance and a backup ask (a running PostgreSQL whose database
/// shrinks once vacuumed, a backend with no collections), and records each call with
/// whether the deploy lock was there at the time.
pub const DOCKER: &str = r#"#!/bin/bash
lock=free
[ -d "$STACK/.lock/deploy" ] && lock=locked
args="$*"
printf '%s\t%s\n' "$lock" "${args//$'\n'/ }" >> "$STUBS/calls"
case "$*" in
ps*service=postgres*) echo pg1 ;;
ps*service=backend*) echo be1 ;;
ps*) printf 'pg1\nbe1\n' ;;
inspect*) echo "postgres	postgres:15	sha256:0123" ;;
"image inspect"*) exit 1 ;;
exec*python3*) ;;
exec*REINDEX*) ;;
exec*pg_database_size*)
    if [ -e "$STUBS/vacuumed" ]; then echo 3000; else echo 4000; fi ;;
exec*VACUUM*) touch "$STUBS/vacuumed" ;;
exec*pg_dump*) echo "PGDMP a dump" ;;
exec*pg_restore*) cat > /dev/null ;;
exec*psql*)
    while IFS= read -r line; do
        case $line in
        *pg_export_snapshot*) echo 00000003-00000002-1 ;;
        *"'--end--'"*) echo --end-- ;;
        esac
    done ;;
esac
exit 0
"#;

/// `restic`: a repository made by `init`, and one snapshot per `backup`.
const RESTIC: &str = r#"#!/bin/bash
printf '%s\n' "$*" >> "$STUBS/restic-calls"
case $1 in
init) mkdir -p "$RESTIC_REPOSITORY" && touch "$RESTIC_REPOSITORY/config" ;;
backup) echo '{"message_type":"summary","snapshot_id":"0123456789abcdef","total_bytes_processed":100,"data_added":50}' ;;
esac
exit 0
"#;

/// A stack folder with the shipped scripts, as an install and a schedule leave it.
pub struct Server {
    _dir: tempfile::TempDir,
    pub stack: PathBuf,
    pub stubs: PathBuf,
}

impl Server {
    pub fn new(folder: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let stack = dir.path().join(folder);
        let stubs = dir.path().join("stubs");
        let mut files = deskmate_stack::backup::scripts();
        files.extend(deskmate_stack::maintain::scripts());
        for file in files {
            let path = stack.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
        }
        for sub in ["releases/1.0.0", "shared/env", "logs", "state"] {
            std::fs::create_dir_all(stack.join(sub)).unwrap();
        }
        std::fs::write(
            stack.join("releases/1.0.0/.env"),
            "COMPOSE_PROJECT_NAME=deskmate\n",
        )
        .unwrap();
        std::os::unix::fs::symlink("releases/1.0.0", stack.join("current")).unwrap();
        std::fs::write(stack.join("shared/env/restic.password"), "not a real one\n").unwrap();
        std::fs::create_dir_all(&stubs).unwrap();
        let server = Server {
            _dir: dir,
            stack,
            stubs,
        };
        server.stub("docker", DOCKER);
        server.stub("restic", RESTIC);
        server
    }

    pub fn dir(&self) -> String {
        self.stack.to_string_lossy().into_owned()
    }

    pub fn stub(&self, name: &str, text: &str) {
        let path = self.stubs.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Replaces one of the stack's scripts (the trial restore, which needs a real engine).
    pub fn script(&self, path: &str, text: &str) {
        std::fs::write(self.stack.join(path), text).unwrap();
    }

    pub fn command(&self, script: &str, args: &[&str]) -> Command {
        let path = format!(
            "{}:{}",
            self.stubs.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("bash");
        command
            .arg(self.stack.join(script))
            .arg(&self.stack)
            .args(args)
            .env("PATH", path)
            .env("STACK", &self.stack)
            .env("STUBS", &self.stubs);
        command
    }

    /// Runs a script to its end: exit status, stdout, stderr.
    pub fn run(&self, script: &str, args: &[&str]) -> (i32, String, String) {
        let out = self.command(script, args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The audit log as `release audit` reads it: the app's tail command, the app's parser.
    pub fn audit(&self) -> Vec<AuditLine> {
        let out = Here
            .capture(&audit::tail_command(&self.dir(), 200).unwrap(), 1 << 20)
            .unwrap();
        audit::parse(&out.stdout_text())
    }

    pub fn calls(&self) -> String {
        std::fs::read_to_string(self.stubs.join("calls")).unwrap_or_default()
    }

    pub fn lock(&self) -> PathBuf {
        self.stack.join(".lock/deploy")
    }
}

pub fn me() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn steps(lines: &[AuditLine]) -> Vec<(&str, StepOutcome)> {
    lines.iter().map(|l| (l.step.as_str(), l.outcome)).collect()
}

/// One run's lines: one operation, one environment, one 8-hex run id, this account.
pub fn one_run(lines: &[AuditLine], operation: &str, environment: &str) {
    assert!(!lines.is_empty());
    let run = &lines[0].run;
    assert!(
        run.len() == 8 && run.bytes().all(|b| b.is_ascii_hexdigit()),
        "{run}"
    );
    for line in lines {
        assert_eq!(line.operation, operation, "{line:?}");
        assert_eq!(line.environment, environment, "{line:?}");
        assert_eq!(line.subject, "-");
        assert_eq!(&line.run, run);
        assert_eq!(line.user, me());
        assert!(
            line.time.len() == 20 && line.time.ends_with('Z'),
            "{}",
            line.time
        );
    }
}
