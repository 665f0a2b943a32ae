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
