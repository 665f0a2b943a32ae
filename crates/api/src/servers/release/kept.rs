//! What a deploy reads of the server's own files: a kept release, the install's answers,
//! the release `current` names; and the older one-line audit note.

use deskmate_remote::ops::install::LocalArchive;
use deskmate_remote::{Remote, Session, script};
use deskmate_stack::{Release, release};

use super::super::install::{ANSWERS_FILE, Answers};

/// The release file kept in `releases/<version>/`, for a rollback: the images must still be
/// on the server, so no archive travels.
pub(in crate::servers) fn kept_release(
    session: &Session,
    dir: &str,
    version: &str,
) -> deskmate_remote::Result<(Release, Vec<LocalArchive>, Vec<u8>)> {
    let out = session.capture(
        &script("cat \"$1/releases/$2/release.json\"", &[dir, version])?,
        1 << 20,
    )?;
    if !out.exit.success() {
        return Err(deskmate_remote::RemoteError::Refused {
            code: "release.not_kept",
            message: format!("releases/{version} keeps no release file"),
            detail: "It was installed before release files were kept; deploy it from its release file instead.".into(),
        });
    }
    let bytes = out.stdout;
    let release = release::parse(&bytes).map_err(|e| deskmate_remote::RemoteError::Refused {
        code: "release.not_kept",
        message: format!("releases/{version}/release.json does not read: {e}"),
        detail: "Deploy it from its release file instead.".into(),
    })?;
    Ok((release, Vec::new(), bytes))
}

pub(in crate::servers) fn read_answers(
    session: &Session,
    dir: &str,
) -> deskmate_remote::Result<Option<Answers>> {
    let out = session.capture(
        &script("cat \"$1/$2\" 2>/dev/null || true", &[dir, ANSWERS_FILE])?,
        64 * 1024,
    )?;
    Ok(serde_json::from_slice(&out.stdout).ok())
}

pub(in crate::servers) fn current_version(
    session: &Session,
    dir: &str,
) -> deskmate_remote::Result<String> {
    let out = session.capture(
        &script("readlink \"$1/current\" 2>/dev/null || true", &[dir])?,
        4096,
    )?;
    Ok(out
        .stdout_text()
        .trim()
        .trim_start_matches("releases/")
        .to_string())
}
