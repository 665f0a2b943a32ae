//! What an update says in words: its plan before anything changes, a failure that changed
//! the database, and a git address shown without its credentials.

use deskmate_remote::deploy;
use deskmate_remote::install::PlannedStep;
use deskmate_stack::Environment;

use super::DeployOptions;
use crate::error::ApiError;

/// A failed update's error, when the new release had changed the database first: says what
/// changed, and what restoring the backup taken before the update would undo.
pub(super) fn changed_database(
    mut err: ApiError,
    changes: &[String],
    backup: Option<&str>,
    server: &str,
    environment: Environment,
) -> ApiError {
    if changes.is_empty() {
        return err;
    }
    let what = changes.join("; ");
    err.message = format!(
        "{} Before it failed, the new release changed the database: {what}.",
        err.message
    );
    err.hint = match backup {
        Some(id) => format!(
            "The previous release serves on the changed database. Restoring backup {id}, taken just before the update, would undo that change, and with it everything written to DeskMate since that backup (memories, chats, room changes). {}",
            err.hint
        ),
        None => format!(
            "The previous release serves on the changed database. No backup was taken before this update, so nothing can undo the change for you. {}",
            err.hint
        ),
    };
    err = err.with_detail("schema_changes", what);
    if let Some(id) = backup {
        err = err
            .with_detail("server", server)
            .with_detail("environment", environment.name())
            .with_detail("backup", id)
            .with_action(crate::error::Action::RestoreBackup);
    }
    err
}

/// A git address as it may be shown: credentials in it (`https://user:token@host/…`) are
/// left out.
pub(super) fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((authority, path)) if authority.contains('@') => {
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                format!("{scheme}://{host}/{path}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The update's plan, in words, before anything changes.
pub(super) fn plan(version: &str, previous: &str, options: &DeployOptions) -> Vec<PlannedStep> {
    let step = |id: &'static str, title: String| PlannedStep { id, title };
    vec![
        step("lock", "Take the server's deploy lock".into()),
        step(
            "backup",
            if options.no_backup {
                "Skip the backup (--no-backup): recorded in the audit log".into()
            } else {
                "Back up first, and prove the backup by a trial restore; if it fails, stop".into()
            },
        ),
        step(
            "images",
            format!("Bring DeskMate {version}'s images onto the server"),
        ),
        step("files", format!("Write releases/{version}/")),
        step(
            "beside",
            format!(
                "Start {version}'s backend and frontend beside {previous}'s, which keeps serving; they must turn healthy"
            ),
        ),
        step(
            "stateful",
            "Update the database, Qdrant or proxy only if their image changed".into(),
        ),
        step(
            "switch",
            format!("Switch to {version}; {previous}'s containers finish their requests and stop"),
        ),
        step(
            "watch",
            format!(
                "Watch {version} for {} s; if it turns unhealthy, bring {previous} back",
                options.watch.as_secs()
            ),
        ),
        step(
            "prune",
            format!("Keep the last {} releases", deploy::KEEP_RELEASES),
        ),
    ]
}
