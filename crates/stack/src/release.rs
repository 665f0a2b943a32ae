//! Release files: which images make one version of DeskMate, and where they are.
//!
//! ```json
//! { "version": "1.0.0", "source": "...",
//!   "images": { "backend": { "image": "deskmate/backend:1.0.0", "id": "sha256:…" }, … },
//!   "archives": [ { "file": "good-1-images.tar", "sha256": "…", "size": 123,
//!                   "images": ["backend", "frontend"] } ] }
//! ```
//!
//! A release file comes from outside (the owner picks it), so [`parse`] bounds it and checks
//! every value that later becomes part of a command, a compose file or a path: image names
//! against Docker's reference characters, ids and hashes as hex, archive names as one plain
//! file name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::StackError;

/// The largest release file read.
pub const MAX_RELEASE_BYTES: usize = 64 * 1024;
/// The most archives one release may point to.
pub const MAX_ARCHIVES: usize = 8;
/// The longest health-check command, in arguments.
pub const MAX_HEALTH_ARGS: usize = 16;

/// What an image does in the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Postgres,
    Qdrant,
    Backend,
    Frontend,
    /// The Caddy proxy.
    Proxy,
    /// Optional: the nginx + certbot proxy image, run as the `proxy` service in Caddy's place
    /// for owners who ask for nginx. A release without one cannot be installed with nginx.
    Nginx,
}

impl Role {
    /// The roles every release names.
    pub const ALL: [Role; 5] = [
        Role::Postgres,
        Role::Qdrant,
        Role::Backend,
        Role::Frontend,
        Role::Proxy,
    ];

    /// The compose service name.
    pub fn service(self) -> &'static str {
        match self {
            Role::Postgres => "postgres",
            Role::Qdrant => "qdrant",
            Role::Backend => "backend",
            Role::Frontend => "frontend",
            Role::Proxy | Role::Nginx => "proxy",
        }
    }

    /// Holds the companion's data: recreated only when its image changes.
    pub fn is_stateful(self) -> bool {
        matches!(self, Role::Postgres | Role::Qdrant)
    }
}

/// One image of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRef {
    /// What compose runs: `name:tag` (or `name@sha256:…`).
    pub image: String,
    /// The image id (`sha256:` and 64 hex digits); after a load or pull the server's image
    /// must have exactly this id.
    pub id: String,
    /// The health check, as Docker's `test` array (`["CMD", …]`), when the release knows
    /// better than the stack's default for this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Vec<String>>,
}

/// A `docker save` archive beside the release file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub images: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub version: String,
    /// Where it came from, in words ("the test bed", "built from git v1.2.0").
    #[serde(default)]
    pub source: String,
    pub images: BTreeMap<Role, ImageRef>,
    #[serde(default)]
    pub archives: Vec<Archive>,
}

impl Release {
    pub fn image(&self, role: Role) -> &ImageRef {
        // `parse` refuses a release without all five roles.
        &self.images[&role]
    }
}

/// Reads and checks a release file.
pub fn parse(bytes: &[u8]) -> Result<Release, StackError> {
    if bytes.len() > MAX_RELEASE_BYTES {
        return Err(StackError::ReleaseTooLarge {
            limit: MAX_RELEASE_BYTES,
        });
    }
    let release: Release = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    check(&release)?;
    Ok(release)
}

fn bad(reason: impl Into<String>) -> StackError {
    StackError::BadRelease {
        reason: reason.into(),
    }
}

/// Every rule `parse` applies, also for releases made in code.
pub fn check(release: &Release) -> Result<(), StackError> {
    check_version(&release.version)?;
    if release.source.len() > 200 || release.source.chars().any(char::is_control) {
        return Err(bad("`source` must be one line of at most 200 characters"));
    }
    for role in Role::ALL {
        let Some(image) = release.images.get(&role) else {
            return Err(bad(format!("no `{}` image", role.service())));
        };
        check_image(role, image)?;
    }
    if let Some(image) = release.images.get(&Role::Nginx) {
        check_image(Role::Nginx, image)?;
    }
    if release.archives.len() > MAX_ARCHIVES {
        return Err(bad(format!("more than {MAX_ARCHIVES} archives")));
    }
    for archive in &release.archives {
        check_file_name(&archive.file)?;
        if !is_hex(&archive.sha256, 64) {
            return Err(bad(format!(
                "the sha256 of {} is not 64 hex digits",
                archive.file
            )));
        }
        if archive.images.is_empty() || archive.images.len() > Role::ALL.len() + 1 {
            return Err(bad(format!("{} must hold 1 to 6 images", archive.file)));
        }
    }
    Ok(())
}

/// A version is shown to owners and becomes a folder name (`releases/<version>`): letters,
/// digits, `.`, `-`, `_` and `+`, starting with a letter or digit, with no `..` anywhere
/// (found by fuzzing: `1..2` is one harmless folder name, but reads like a way up).
pub fn check_version(version: &str) -> Result<(), StackError> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && !version.contains("..")
        && version.starts_with(|c: char| c.is_ascii_alphanumeric())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "the version `{}` must be 1 to 64 letters, digits, `.`, `-`, `_` or `+`",
            version.escape_debug()
        )))
    }
}

fn check_image(role: Role, image: &ImageRef) -> Result<(), StackError> {
    let name = &image.image;
    // Docker's reference grammar, loosely: lowercase path components, a tag or a digest.
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c));
    if !ok {
        return Err(bad(format!(
            "the {} image `{}` is not an image name",
            role.service(),
            name.escape_debug()
        )));
    }
    match image.id.strip_prefix("sha256:") {
        Some(hex) if is_hex(hex, 64) => {}
        _ => {
            return Err(bad(format!(
                "the {} image's id must be sha256: and 64 hex digits",
                role.service()
            )));
        }
    }
    if let Some(test) = &image.health {
        let kind = test.first().map(String::as_str);
        if !matches!(kind, Some("CMD") | Some("CMD-SHELL"))
            || test.len() < 2
            || test.len() > MAX_HEALTH_ARGS
            || test.iter().any(|a| a.len() > 1024 || a.contains('\0'))
        {
            return Err(bad(format!(
                "the {} health check must be [\"CMD\", …] or [\"CMD-SHELL\", …] of at most {MAX_HEALTH_ARGS} arguments",
                role.service()
            )));
        }
    }
    Ok(())
}

/// An archive is found beside the release file and uploaded by this name: one plain file
/// name, never a path.
fn check_file_name(name: &str) -> Result<(), StackError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "the archive `{}` must be a plain file name",
            name.escape_debug()
        )))
    }
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}
