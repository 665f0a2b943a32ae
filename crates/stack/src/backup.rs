//! The backup scripts a stack carries on its server, in `STACK/bin`: `deskmate-backup`
//! (one restic snapshot of the database, the vectors, the data files and what ran),
//! `deskmate-verify` (a trial restore of one snapshot in throwaway containers),
//! `deskmate-restore` (one snapshot's data into new volumes beside the running stack), and
//! the helpers they share (`deskmate-lib`, see [`crate::script_lib`], and
//! `deskmate-repository`). The scripts themselves say what they do; they are shell so that
//! the server's own timer runs exactly what the app runs, with no app present.
//!
//! They are plain files (run with `bash`), versioned in their first lines; the app writes
//! each one whose SHA-256 differs before it uses them.

use crate::File;

pub const BACKUP_SCRIPT: &str = "bin/deskmate-backup";
pub const VERIFY_SCRIPT: &str = "bin/deskmate-verify";
pub const RESTORE_SCRIPT: &str = "bin/deskmate-restore";
pub const QDRANT_HELPER: &str = "bin/deskmate-qdrant.py";
pub const COUNT_SQL: &str = "bin/deskmate-count.sql";
pub const OFFSITE_SCRIPT: &str = "bin/deskmate-offsite";
/// Sourced by the others: which repository (local, offsite, another server's) they use.
pub const REPOSITORY_LIB: &str = "bin/deskmate-repository";
/// Which backups to keep, sourced by deskmate-verify and -backup.
pub const RETENTION_LIB: &str = "bin/deskmate-retention";
/// The offsite copy's description: `target`, `port`, `key`, `known_hosts`, `s3.env`.
pub const OFFSITE_DIR: &str = "shared/env/offsite";
/// Another server's offsite copy, put there for one disaster-recovery restore, then removed.
pub const FROM_DIR: &str = "shared/env/from";
/// One line per offsite copy: `time<TAB>snapshot<TAB>ok|failed<TAB>copy id or why`.
pub const OFFSITE_LOG: &str = "backups/offsite.tsv";
/// The repository's password, 0600, for the scripts (and so for scheduled runs).
pub const RESTIC_PASSWORD: &str = "shared/env/restic.password";
/// Where the repository on the server's own disk is.
pub const LOCAL_REPOSITORY: &str = "backups/restic";
/// One line per backup: `time<TAB>snapshot<TAB>release<TAB>bytes<TAB>added<TAB>seconds`.
pub const HISTORY_LOG: &str = "backups/history.tsv";
/// One line per trial restore: `time<TAB>snapshot<TAB>ok|failed<TAB>detail`.
pub const VERIFIED_LOG: &str = "backups/verified.tsv";

/// The scripts, with their paths in the stack folder.
pub fn scripts() -> Vec<File> {
    let file = |path: &str, contents: &str, mode: u32| File {
        path: path.to_string(),
        contents: contents.to_string(),
        mode,
        secret: false,
    };
    vec![
        file(
            BACKUP_SCRIPT,
            include_str!("../scripts/deskmate-backup.sh"),
            0o644,
        ),
        file(
            VERIFY_SCRIPT,
            include_str!("../scripts/deskmate-verify.sh"),
            0o644,
        ),
        file(
            RESTORE_SCRIPT,
            include_str!("../scripts/deskmate-restore.sh"),
            0o644,
        ),
        file(
            OFFSITE_SCRIPT,
            include_str!("../scripts/deskmate-offsite.sh"),
            0o644,
        ),
        file(
            REPOSITORY_LIB,
            include_str!("../scripts/deskmate-repository.sh"),
            0o644,
        ),
        file(
            RETENTION_LIB,
            include_str!("../scripts/deskmate-retention.sh"),
            0o644,
        ),
        crate::script_lib(),
        file(
            QDRANT_HELPER,
            include_str!("../scripts/deskmate-qdrant.py"),
            0o644,
        ),
        file(
            COUNT_SQL,
            include_str!("../scripts/deskmate-count.sql"),
            0o644,
        ),
    ]
}

/// Retention: how many daily, weekly and monthly backups restic keeps (its `forget
/// --keep-*` rules), applied after each backup that passed its trial restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            daily: 7,
            weekly: 4,
            monthly: 6,
        }
    }
}

/// `shared/backup.env`, read by `deskmate-verify` (no secrets).
pub const BACKUP_ENV: &str = "shared/backup.env";

pub fn backup_env(retention: Retention) -> String {
    format!(
        "# Written by DeskMate Studio: how many backups restic keeps (after each verified one).\nKEEP_DAILY={}\nKEEP_WEEKLY={}\nKEEP_MONTHLY={}\n",
        retention.daily, retention.weekly, retention.monthly
    )
}

/// When the backup timer fires: a time of day, `HH:MM`.
pub fn check_time(at: &str) -> Result<(u8, u8), String> {
    let parsed = at.split_once(':').and_then(|(h, m)| {
        let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && at.len() == 5).then_some((h, m))
    });
    parsed.ok_or_else(|| format!("`{}` is not a time of day like 03:30", at.escape_debug()))
}

/// The systemd units that run the backups: `<project>-backup.timer` daily at `at` (with up
/// to 30 minutes of random delay, and catching up after the server was off), and
/// `<project>-backup-check.timer` weekly, a `restic check` that also reads back 5% of the
/// data. Both run as `user`, the account the app signs in with (in the docker group). The
/// backup runs with `--timer`: it takes the server's deploy lock (or skips while another
/// change holds it) and writes its steps to the audit log, as a backup from the app does
/// through its runner.
pub fn timer_units(dir: &str, project: &str, user: &str, at: (u8, u8)) -> Vec<File> {
    let unit = |name: &str, contents: String| File {
        path: format!("/etc/systemd/system/{project}-{name}"),
        contents,
        mode: 0o644,
        secret: false,
    };
    let (hour, minute) = at;
    vec![
        unit(
            "backup.service",
            format!(
                "# Written by DeskMate Studio: one verified backup of {dir}.\n[Unit]\nDescription=DeskMate backup ({project})\nWants=network-online.target\nAfter=network-online.target docker.service\n\n[Service]\nType=oneshot\nUser={user}\nExecStart=/bin/bash {dir}/{BACKUP_SCRIPT} {dir} --verify --timer\nNice=10\nIOSchedulingClass=idle\n"
            ),
        ),
        unit(
            "backup.timer",
            format!(
                "# Written by DeskMate Studio.\n[Unit]\nDescription=Daily DeskMate backup ({project})\n\n[Timer]\nOnCalendar=*-*-* {hour:02}:{minute:02}:00\nRandomizedDelaySec=30min\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n"
            ),
        ),
        unit(
            "backup-check.service",
            format!(
                "# Written by DeskMate Studio: the repository's own check, reading back 5% of its data.\n[Unit]\nDescription=DeskMate backup repository check ({project})\n\n[Service]\nType=oneshot\nUser={user}\nExecStart=/bin/bash {dir}/{BACKUP_SCRIPT} {dir} --check --timer\nNice=10\nIOSchedulingClass=idle\n"
            ),
        ),
        unit(
            "backup-check.timer",
            format!(
                "# Written by DeskMate Studio.\n[Unit]\nDescription=Weekly DeskMate backup check ({project})\n\n[Timer]\nOnCalendar=Sun *-*-* {:02}:{minute:02}:00\nRandomizedDelaySec=30min\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n",
                (hour + 2) % 24
            ),
        ),
    ]
}

/// An offsite copy over SFTP: `sftp://USER@HOST[:PORT]/PATH`, PATH absolute on that host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SftpTarget {
    pub user: String,
    pub host: String,
    pub port: u16,
    pub path: String,
}

/// The longest target accepted.
pub const MAX_TARGET_LEN: usize = 512;

impl SftpTarget {
    /// Reads an owner's `sftp://…` address. Every part is checked against a narrow
    /// alphabet, because each ends up in an ssh command line on the server.
    pub fn parse(url: &str) -> Result<SftpTarget, String> {
        let bad = |why: &str| {
            format!(
                "`{}` is not an SFTP target like sftp://backup@nas.example.org:2222/srv/deskmate: {why}",
                url.chars().take(80).collect::<String>().escape_debug()
            )
        };
        if url.len() > MAX_TARGET_LEN {
            return Err(bad("it is too long"));
        }
        let rest = url
            .strip_prefix("sftp://")
            .ok_or_else(|| bad("it must start with sftp://"))?;
        let (login, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("it names no folder"))?;
        let (user, address) = login
            .split_once('@')
            .ok_or_else(|| bad("it names no account (user@)"))?;
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
            ),
            None => (address, 22),
        };
        let user_ok = !user.is_empty()
            && user.len() <= 32
            && user.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && user
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if !user_ok {
            return Err(bad("the account name may hold a-z, 0-9, _ . -"));
        }
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && !host.starts_with(['-', '.'])
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !host_ok {
            return Err(bad("the host may hold letters, digits, . and -"));
        }
        let path = format!("/{path}");
        let path_ok = path.len() > 1
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
            && !path.split('/').any(|part| part == "..");
        if !path_ok {
            return Err(bad(
                "the folder may hold letters, digits, / . _ - (and no ..)",
            ));
        }
        Ok(SftpTarget {
            user: user.to_string(),
            host: host.to_string(),
            port,
            path: path.trim_end_matches('/').to_string(),
        })
    }

    /// The repository as restic names it (the port goes to ssh).
    pub fn restic_repository(&self) -> String {
        format!("sftp:{}@{}:{}", self.user, self.host, self.path)
    }
}

/// An offsite copy in an S3-compatible store: restic's `s3:https://host/bucket/path`.
pub fn s3_repository(url: &str) -> Result<String, String> {
    let address = url.strip_prefix("s3:").unwrap_or(url);
    let ok = url.len() <= MAX_TARGET_LEN
        && (address.starts_with("https://") || address.starts_with("http://"))
        && address
            .splitn(4, '/')
            .nth(3)
            .is_some_and(|bucket| !bucket.is_empty())
        && address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/._-".contains(c));
    if ok {
        Ok(format!("s3:{address}"))
    } else {
        Err(format!(
            "`{}` is not an S3 target like s3:https://s3.example.org/bucket/deskmate",
            url.chars().take(80).collect::<String>().escape_debug()
        ))
    }
}

#[cfg(test)]
mod target_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_sftp_target_reads_its_parts_and_refuses_shell_words() {
        let t = SftpTarget::parse("sftp://backup@nas.example.org:2222/srv/deskmate/").unwrap();
        assert_eq!((t.user.as_str(), t.port), ("backup", 2222));
        assert_eq!(
            t.restic_repository(),
            "sftp:backup@nas.example.org:/srv/deskmate"
        );
        assert_eq!(SftpTarget::parse("sftp://b@h/x").unwrap().port, 22);
        for bad in [
            "sftp://b@h",
            "sftp://b@h:0/x",
            "sftp://b@-oProxyCommand=x/y",
            "sftp://b@h/a b",
            "sftp://b@h/../etc",
            "sftp://$(id)@h/x",
            "ssh://b@h/x",
        ] {
            assert!(SftpTarget::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            s3_repository("https://s3.example.org/bucket/dm").unwrap(),
            "s3:https://s3.example.org/bucket/dm"
        );
        assert!(s3_repository("s3:https://s3.example.org/").is_err());
    }

    proptest! {
        /// Whatever it is given, a target read holds only characters safe in an ssh
        /// command line, and reads again to itself.
        #[test]
        fn a_parsed_target_holds_only_safe_characters(url in "sftp://[ -~]{0,80}") {
            if let Ok(t) = SftpTarget::parse(&url) {
                let repo = t.restic_repository();
                prop_assert!(repo.chars().all(|c| c.is_ascii_alphanumeric() || "@:/._-".contains(c)));
                let again = SftpTarget::parse(&format!("sftp://{}@{}:{}{}", t.user, t.host, t.port, t.path)).unwrap();
                prop_assert_eq!(again, t);
            }
        }
    }
}
