//! The backup scripts a stack carries on its server, in `STACK/bin`: `deskmate-backup`
//! (one restic snapshot of the database, the vectors, the data files and what ran),
//! `deskmate-verify` (a trial restore of one snapshot in throwaway containers),
//! `deskmate-restore` (one snapshot's data into new volumes beside the running stack), and
//! the two helpers they share. The scripts themselves say what they do; they are shell so that
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
/// data. Both run as `user`, the account the app signs in with (in the docker group).
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
                "# Written by DeskMate Studio: one verified backup of {dir}.\n[Unit]\nDescription=DeskMate backup ({project})\nWants=network-online.target\nAfter=network-online.target docker.service\n\n[Service]\nType=oneshot\nUser={user}\nExecStart=/bin/bash {dir}/{BACKUP_SCRIPT} {dir} --verify\nNice=10\nIOSchedulingClass=idle\n"
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
                "# Written by DeskMate Studio: the repository's own check, reading back 5% of its data.\n[Unit]\nDescription=DeskMate backup repository check ({project})\n\n[Service]\nType=oneshot\nUser={user}\nEnvironment=RESTIC_REPOSITORY={dir}/{LOCAL_REPOSITORY}\nEnvironment=RESTIC_PASSWORD_FILE={dir}/{RESTIC_PASSWORD}\nExecStart=/usr/bin/restic check --read-data-subset=5%%\nNice=10\nIOSchedulingClass=idle\n"
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
