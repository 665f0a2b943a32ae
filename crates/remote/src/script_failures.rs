//! What each server script's failure codes mean to the app: the error code it reports, the
//! message (the script's own words, framed), and the app's own advice per code. The codes
//! come from the scripts' `error<TAB>code<TAB>message` lines ([`crate::script_error`]); a
//! code a table does not list, or a failure without such a line, gets the script's generic
//! code.

use crate::error::RemoteError;
use crate::script_error::read;

fn refused(code: &'static str, message: String, detail: impl Into<String>) -> RemoteError {
    RemoteError::Refused {
        code,
        message,
        detail: detail.into(),
    }
}

const UNTOUCHED: &str = "No new backup was kept, and the backups taken before are untouched.";

/// The codes `deskmate-backup` may end with that the app has advice for.
pub const BACKUP: &[&str] = &[
    "backup.busy",
    "backup.no_restic",
    "backup.disk_full",
    "backup.database_down",
    "backup.not_installed",
    "backup.bad_project",
    "backup.check_failed",
];

/// `deskmate-backup` failed before it kept a snapshot.
pub(crate) fn backup(stderr: &str) -> RemoteError {
    let (code, why) = read(stderr, BACKUP, "backup.failed");
    let detail = match code {
        "backup.no_restic" => "Install it on the server (Debian and Ubuntu: sudo apt-get install restic, or install DeskMate again, which puts it there), then back up again.".to_string(),
        "backup.disk_full" => format!("{UNTOUCHED} Free some space on the server (old Docker images: docker image prune; old logs), then back up again: a backup needs room for one database dump beside the repository."),
        "backup.database_down" => format!("{UNTOUCHED} Start the stack's database again (the server's page shows which services run), then back up again."),
        _ => format!("{UNTOUCHED} Fix what it names and back up again."),
    };
    refused(code, format!("The backup failed: {why}"), detail)
}

/// `backup.bad_id` when `snapshot` is no backup id (checked before `deskmate-verify` runs,
/// which would refuse it too).
pub(crate) fn bad_backup_id(snapshot: &str) -> Option<RemoteError> {
    let good = !snapshot.is_empty()
        && snapshot.len() <= 64
        && snapshot.bytes().all(|b| b.is_ascii_hexdigit());
    (!good).then(|| {
        refused(
            "backup.bad_id",
            format!("`{}` is not a backup id", snapshot.escape_debug()),
            "Use the id of one of the server's backups, as its list shows them.",
        )
    })
}

/// The codes `deskmate-verify` may end with that the app has advice for.
pub const VERIFY: &[&str] = &[
    "verify.busy",
    "verify.no_restic",
    "verify.bad_id",
    "verify.image_gone",
];

/// Neither the image a backup was taken with nor today's is on the server to restore into:
/// the backup itself may be whole, so nothing here blames the repository.
const IMAGE_GONE: &str =
    "Start DeskMate (its services lend today's images to restore into), then try again.";

/// `deskmate-verify` failed on `snapshot` (alone, or right after the backup that made it).
pub(crate) fn verify(snapshot: &str, stderr: &str) -> RemoteError {
    let (code, why) = read(stderr, VERIFY, "backup.verify_failed");
    match code {
        "verify.busy" => refused(
            code,
            format!("Backup {snapshot} was not checked: {why}"),
            "Nothing was changed. Check it again once the other backup or restore has finished.",
        ),
        "verify.no_restic" => refused(
            code,
            format!("Backup {snapshot} could not be checked: {why}"),
            "Install it on the server (Debian and Ubuntu: sudo apt-get install restic, or install DeskMate again, which puts it there), then check the backup again.",
        ),
        "verify.image_gone" => refused(
            code,
            format!("Backup {snapshot} could not be checked: {why}"),
            IMAGE_GONE,
        ),
        _ => verify_failed(snapshot, &why),
    }
}

pub(crate) fn verify_failed(snapshot: &str, why: &str) -> RemoteError {
    refused(
        "backup.verify_failed",
        format!("Backup {snapshot} did not pass its trial restore: {why}"),
        "It is not counted as a verified backup. The running stack was not touched. If the repository is damaged, `restic check` on the server says more; take a new backup once the cause is fixed.",
    )
}

/// The codes `deskmate-restore` may end with that the app has advice for.
pub const RESTORE: &[&str] = &[
    "restore.busy",
    "restore.no_restic",
    "restore.image_gone",
    "backup.no_offsite",
];

/// `deskmate-restore` failed: nothing was switched, and what it made was removed.
pub(crate) fn restore(snapshot: &str, stderr: &str) -> RemoteError {
    let (code, why) = read(stderr, RESTORE, "backup.restore_failed");
    let untouched = "Nothing was switched: DeskMate still runs on the data it had, untouched.";
    let detail = match code {
        "restore.busy" => {
            format!("{untouched} Restore again once the other backup or restore has finished.")
        }
        "restore.no_restic" => format!(
            "{untouched} Install restic on the server (Debian and Ubuntu: sudo apt-get install restic), then restore again."
        ),
        "backup.no_offsite" => {
            format!("{untouched} Set up the offsite copy to restore from first.")
        }
        "restore.image_gone" => format!("{untouched} {IMAGE_GONE}"),
        _ => format!("{untouched} What the restore had made beside it was removed."),
    };
    refused(
        code,
        format!("Backup {snapshot} could not be restored: {why}"),
        detail,
    )
}

/// The codes `deskmate-offsite --init` may end with that the app has advice for.
pub const OFFSITE: &[&str] = &[
    "offsite.no_restic",
    "backup.no_offsite",
    "backup.offsite_not_append_only",
];

/// `deskmate-offsite --init` failed: the offsite repository was not found or made.
pub(crate) fn offsite_init(stderr: &str) -> RemoteError {
    let (code, why) = read(stderr, OFFSITE, "backup.offsite_unreachable");
    let detail = match code {
        "offsite.no_restic" => {
            "Install restic on the server (Debian and Ubuntu: sudo apt-get install restic, or install DeskMate again, which puts it there), then set the target again."
        }
        "backup.no_offsite" => "Set the target again: the server has no offsite setting.",
        "backup.offsite_not_append_only" => {
            "In the offsite account's ~/.ssh/authorized_keys, replace the server's key by the whole line the app shows (it begins with command=\"rclone serve restic), then set the target again. Nothing was set."
        }
        _ => {
            "Check that the offsite account's ~/.ssh/authorized_keys holds the line the app shows for the server's key, that rclone is installed there, and that the folder can be written; then set the target again. Backups on the server itself go on as before."
        }
    };
    refused(
        code,
        format!("The offsite copy is not reachable: {why}"),
        detail,
    )
}

/// The codes `deskmate-maintain` may end with, before any step, that the app knows.
pub const MAINTAIN: &[&str] = &[
    "maintain.busy",
    "maintain.not_installed",
    "maintain.bad_project",
    "maintain.bad_option",
];

/// `deskmate-maintain` did not run a step.
pub(crate) fn maintain(stderr: &str) -> RemoteError {
    let (code, why) = read(stderr, MAINTAIN, "maintain.failed");
    let detail = match code {
        "maintain.busy" => {
            "Nothing was changed. A backup or restore is running: try again after it."
        }
        _ => "Nothing was changed. If a backup is running, try again after it.",
    };
    refused(code, format!("maintenance did not run: {why}"), detail)
}

/// The codes `deskmate-watch` may end with that the app knows (`alerts.mail_failed`: the
/// round's checks were recorded, only its e-mail failed).
pub const WATCH: &[&str] = &["alerts.mail_failed", "alerts.no_email", "alerts.no_mailer"];

/// A watchdog round that failed: `Ok(Some(why))` when only its e-mail did (the checks were
/// recorded), else why the round did not finish.
pub(crate) fn watch_round(stderr: &str) -> Result<Option<String>, RemoteError> {
    match read(stderr, WATCH, "alerts.round_failed") {
        ("alerts.mail_failed", why) => Ok(Some(why)),
        (_, why) => Err(refused(
            "alerts.round_failed",
            format!("the watchdog's round did not finish: {why}"),
            "Run the check from the app to see the server's state, and tell us what the watchdog said.",
        )),
    }
}

/// The watchdog's test e-mail was not sent.
pub(crate) fn watch_test(stderr: &str) -> RemoteError {
    let (code, why) = match read(stderr, WATCH, "alerts.send_failed") {
        ("alerts.mail_failed", why) => ("alerts.send_failed", why),
        other => other,
    };
    let detail = match code {
        "alerts.no_email" => "Set the e-mail address alerts go to, then send the test again.",
        "alerts.no_mailer" => {
            "Start the stack (its backend image sends the e-mail) or install python3 on the server, then send the test again."
        }
        _ => {
            "Check the SMTP server, port, user name and password your mail provider gives for sending (often port 587)."
        }
    };
    refused(code, format!("the test e-mail was not sent: {why}"), detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code a shipped script can fail with is one the app knows, or that script's
    /// generic code (or a code that only its caller's generic code covers, listed here).
    #[test]
    fn every_code_the_scripts_can_report_is_known() {
        let mut files = deskmate_stack::backup::scripts();
        files.extend(deskmate_stack::maintain::scripts());
        files.extend(deskmate_stack::watch::scripts());
        // Refusals of the app's own arguments (it checks them first) and generic failures.
        let generic = [
            "backup.failed",
            "backup.verify_failed",
            "backup.restore_failed",
            "backup.offsite_unreachable",
            "verify.bad_id",
            "restore.bad_id",
            "restore.bad_name",
            "restore.no_parts",
            "restore.not_installed",
            "restore.bad_project",
            "offsite.failed",
            "offsite.bad_id",
            "alerts.bad_option",
        ];
        let known: Vec<&str> = [BACKUP, VERIFY, RESTORE, OFFSITE, MAINTAIN, WATCH]
            .concat()
            .into_iter()
            .chain(generic)
            .collect();
        let mut seen = 0;
        for file in files.iter().filter(|f| !f.path.ends_with(".py")) {
            let area = file
                .contents
                .lines()
                .find_map(|l| l.strip_prefix("area="))
                .unwrap_or("");
            let lines = file
                .contents
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'));
            for line in lines {
                for call in ["fail ", "error_line "] {
                    for (at, _) in line.match_indices(call) {
                        let word = line[at + call.len()..].split(' ').next().unwrap_or("");
                        let code = word.trim_matches('"').replace("$area", area);
                        if !crate::script_error::is_code(&code) {
                            continue;
                        }
                        seen += 1;
                        assert!(
                            known.contains(&code.as_str()),
                            "{} can fail with {code}, which the app does not know",
                            file.path
                        );
                    }
                }
            }
        }
        assert!(seen > 20, "the scripts' codes were found ({seen})");
        // The library's own codes, in each area that uses them.
        for area in ["backup", "maintain"] {
            for name in ["busy", "not_installed", "bad_project"] {
                let code = format!("{area}.{name}");
                assert!(known.contains(&code.as_str()), "{code}");
            }
        }
    }

    #[test]
    fn the_code_picks_the_advice_and_the_words_are_the_script_s() {
        let err = backup("error\tbackup.no_restic\trestic is not installed on this server\n");
        assert_eq!(err.code(), "backup.no_restic");
        assert_eq!(
            err.to_string(),
            "The backup failed: restic is not installed on this server"
        );
        let err = backup(
            "error\tbackup.disk_full\tit could not write (the server's disk is full: 0 KiB free)\n",
        );
        assert_eq!(err.code(), "backup.disk_full");
        let RemoteError::Refused { detail, .. } = &err else {
            panic!()
        };
        assert!(detail.contains("untouched") && detail.contains("Free some space"));
        // The words alone never choose: an English line without a code is the generic one.
        let err = backup("deskmate-backup: another backup or restore of this stack is running\n");
        assert_eq!(err.code(), "backup.failed");
        assert!(err.to_string().contains("another backup or restore"));
        assert_eq!(
            verify(
                "abcdef12",
                "error\tbackup.verify_failed\tpg_restore refused the database dump\n"
            )
            .code(),
            "backup.verify_failed"
        );
        assert_eq!(
            verify("abcdef12", "error\tverify.busy\tanother backup\n").code(),
            "verify.busy"
        );
        assert_eq!(
            restore("abcdef12", "error\trestore.busy\tanother\n").code(),
            "restore.busy"
        );
        assert_eq!(
            restore("abcdef12", "killed\n").code(),
            "backup.restore_failed"
        );
        assert_eq!(
            offsite_init("error\tbackup.offsite_unreachable\tno route\n").code(),
            "backup.offsite_unreachable"
        );
        assert_eq!(
            watch_round("error\talerts.mail_failed\tthe alert e-mail to a@b.c could not be sent\n")
                .unwrap(),
            Some("the alert e-mail to a@b.c could not be sent".to_string())
        );
        assert_eq!(
            watch_round("error\talerts.no_mailer\tno python3\n")
                .unwrap_err()
                .code(),
            "alerts.round_failed"
        );
        assert_eq!(
            watch_test("error\talerts.no_email\tno alert e-mail is set for vm\n").code(),
            "alerts.no_email"
        );
        assert_eq!(
            maintain("error\tmaintain.busy\ta backup or restore of this stack is running\n").code(),
            "maintain.busy"
        );
    }
}
