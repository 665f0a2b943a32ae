//! What an update says in words: a failure that changed the database, a backup first that
//! failed, and a git address shown without its credentials.

use deskmate_stack::Environment;

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

/// The update stopped before anything changed, because its backup first failed.
pub(super) fn backup_failed(err: ApiError, previous: &str) -> ApiError {
    ApiError::new(
        "release.backup_failed",
        format!(
            "The update did not start: the backup before it failed ({}).",
            err.message
        ),
        format!(
            "{previous} still runs, untouched. {} (`--no-backup --yes` updates without one, on purpose.)",
            err.hint
        ),
    )
}
