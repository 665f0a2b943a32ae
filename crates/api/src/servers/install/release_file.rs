//! The release file an owner picks, read with limits, and the files it names.

use std::path::Path;

use deskmate_remote::ops::install::LocalArchive;
use deskmate_stack::{Release, release};

use super::{RELEASE_LIMIT, stack_error};
use crate::error::ApiError;
use crate::files::read_limited;

/// A certificate file to trust, as text; the stack checks that it is a PEM certificate.
pub(super) fn read_pem(path: &Path) -> Result<String, ApiError> {
    let bytes = read_limited(path, 64 * 1024, |size, limit| {
        ApiError::new(
            "usage.ca_root_too_large",
            format!(
                "{} is {size} bytes; a CA certificate is at most {limit}",
                path.display()
            ),
            "give the CA's certificate file (PEM), not a bundle",
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        ApiError::new(
            "usage.ca_root_not_pem",
            format!("{} is not a PEM certificate", path.display()),
            "give the CA's certificate as a PEM file (-----BEGIN CERTIFICATE-----)",
        )
    })
}

/// The release and its archives, found beside the release file.
/// A release file as the install reads it, with its archives checked to be there.
pub fn read_release_file(path: &Path) -> Result<Release, ApiError> {
    Ok(read_release(path)?.0)
}

pub(in crate::servers) fn read_release(
    path: &Path,
) -> Result<(Release, Vec<LocalArchive>, Vec<u8>), ApiError> {
    let bytes = read_limited(path, RELEASE_LIMIT, |size, limit| {
        ApiError::new(
            "release.too_large",
            format!(
                "{} is {size} bytes; a release file is at most {limit}",
                path.display()
            ),
            "check that this is a DeskMate release file",
        )
    })?;
    let release = release::parse(&bytes).map_err(stack_error)?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let archives = release
        .archives
        .iter()
        .map(|a| LocalArchive {
            path: folder.join(&a.file),
            sha256: a.sha256.clone(),
            tags: a
                .images
                .iter()
                .map(|r| release.image(*r).image.clone())
                .collect(),
        })
        .collect::<Vec<_>>();
    for archive in &archives {
        let archive = &archive.path;
        if !archive.is_file() {
            return Err(ApiError::new(
                "release.archive_missing",
                format!(
                    "the release names {}, which is not there",
                    archive.display()
                ),
                "keep the release's .tar archives in the same folder as its .json file",
            ));
        }
    }
    Ok((release, archives, bytes))
}
