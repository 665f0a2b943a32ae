//! A release's images on the server: only the missing ones, uploaded from the release's
//! archives (hash-checked, `docker load`) or pulled from its registry, each checked by id.

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::ops::Remote;
use crate::transfer::Visibility;

use super::commands::{check_cancel, refuse, run_script};
use super::spec::{InstallSpec, WantedImage};

/// The id each wanted image has on the server now (empty when missing).
fn image_ids(session: &dyn Remote, spec: &InstallSpec) -> Result<Vec<(WantedImage, String)>> {
    let mut out = Vec::new();
    for image in &spec.images {
        let id = run_script(
            session,
            "looking for an image",
            "docker image inspect --format '{{.Id}}' \"$1\" 2>/dev/null || true",
            &[&image.tag],
        )?;
        out.push((image.clone(), id.trim().to_string()));
    }
    Ok(out)
}

pub(crate) fn images(
    session: &dyn Remote,
    spec: &InstallSpec,
    cancel: &Cancel,
) -> Result<Vec<String>> {
    let missing: Vec<String> = image_ids(session, spec)?
        .into_iter()
        .filter(|(image, id)| *id != image.id)
        .map(|(image, _)| image.tag)
        .collect();
    if missing.is_empty() {
        return Ok(missing);
    }
    let incoming = format!("{}/.incoming", spec.dir);
    run_script(
        session,
        "making the upload folder",
        "mkdir -p -- \"$1\"",
        &[&incoming],
    )?;
    for archive in spec
        .archives
        .iter()
        .filter(|a| a.tags.iter().any(|t| missing.contains(t)))
    {
        check_cancel(cancel)?;
        let name = archive
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "images.tar".into());
        let remote = format!("{incoming}/{name}");
        let sent = session.upload(
            &archive.path,
            &remote,
            Visibility::Normal,
            &mut |_| {},
            cancel,
        );
        let sent = match sent {
            Ok(sent) => sent,
            Err(err) => {
                let _ = run_script(session, "cleaning up", "rm -f -- \"$1\"", &[&remote]);
                return Err(err);
            }
        };
        if sent.sha256 != archive.sha256 {
            let _ = run_script(session, "cleaning up", "rm -f -- \"$1\"", &[&remote]);
            return Err(refuse(
                "install.archive_mismatch",
                format!("{name} is not the archive the release names."),
                format!(
                    "Its SHA-256 is {}, the release says {}. Get the release again.",
                    sent.sha256, archive.sha256
                ),
            ));
        }
        let loaded = run_script(
            session,
            "loading the images (docker load)",
            "docker load -i \"$1\" > /dev/null; s=$?; rm -f -- \"$1\"; exit $s",
            &[&remote],
        );
        loaded?;
    }
    // What no archive holds comes from the release's registry; a pull by digest is checked
    // by Docker itself, and every image by id below.
    for tag in missing
        .iter()
        .filter(|tag| !spec.archives.iter().any(|a| a.tags.contains(tag)))
    {
        check_cancel(cancel)?;
        let pulled = run_script(
            session,
            "pulling an image (docker pull)",
            "docker pull --quiet \"$1\" > /dev/null",
            &[tag],
        );
        match pulled {
            Err(RemoteError::RemoteFailed { detail, .. }) => {
                return Err(refuse(
                    "install.pull_failed",
                    format!("The server could not pull {tag}."),
                    format!(
                        "Docker said: {}\nCheck that the server reaches the registry (and, for a private one, that `docker login` was done on the server for this account), then run the install again.",
                        detail.trim()
                    ),
                ));
            }
            other => {
                other?;
            }
        }
    }
    for (image, id) in image_ids(session, spec)? {
        if id != image.id {
            return Err(refuse(
                "install.image_mismatch",
                format!("The image {} is not the one the release names.", image.tag),
                format!(
                    "The server has {}, the release says {}. Neither the release's archives nor its registry hold it; get the release again.",
                    if id.is_empty() { "none" } else { &id },
                    image.id
                ),
            ));
        }
    }
    Ok(missing)
}
