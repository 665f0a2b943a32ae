//! The DeskMate release files this computer knows: every one the owner chose for an install
//! or an update, and any added with `deskmate release add`. The first-run install offers the
//! newest without asking for a file, and the home page says "an update is available" when
//! one is newer than what a server runs.
//!
//! Only the path and what the file says are kept (`releases.json` in the data folder); the
//! file and its image archives stay where they are. A file that has since moved or changed
//! is left out of the list, not trusted: each entry is read again when listed.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::{read_limited, write_atomic};
use crate::{ApiError, DataDir};

/// At most this many release files are remembered (the oldest are forgotten).
const KEEP: usize = 50;
const INDEX_LIMIT: u64 = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct KnownRelease {
    pub version: String,
    /// Where it came from, as the file says.
    pub source: String,
    #[ts(type = "string")]
    pub path: PathBuf,
}

pub struct KnownReleases {
    index: PathBuf,
}

impl KnownReleases {
    pub fn open(data: &DataDir) -> KnownReleases {
        KnownReleases {
            index: data.root().join("releases.json"),
        }
    }

    /// Reads `path` as a release file (refused with the install's own errors when it is not
    /// one) and remembers it.
    pub fn add(&self, path: &Path) -> Result<KnownRelease, ApiError> {
        let path = path.canonicalize().map_err(|e| {
            ApiError::new(
                "release.unreadable",
                format!("could not read {}: {e}", path.display()),
                "check the path of the DeskMate release file",
            )
        })?;
        let release = crate::servers::read_release_file(&path)?;
        let known = KnownRelease {
            version: release.version,
            source: release.source,
            path,
        };
        let mut paths = self.paths();
        paths.retain(|p| *p != known.path);
        paths.push(known.path.clone());
        let skip = paths.len().saturating_sub(KEEP);
        let paths = &paths[skip..];
        let bytes = serde_json::to_vec_pretty(paths).expect("paths serialize");
        if let Some(dir) = self.index.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                ApiError::new(
                    "release.index_unwritable",
                    format!("could not make {}: {e}", dir.display()),
                    "check that DeskMate Studio may write to its data folder",
                )
            })?;
        }
        write_atomic(&self.index, &bytes)?;
        Ok(known)
    }

    /// The release files still readable, newest version first.
    pub fn list(&self) -> Vec<KnownRelease> {
        let mut known: Vec<KnownRelease> = self
            .paths()
            .into_iter()
            .filter_map(|path| {
                let release = crate::servers::read_release_file(&path).ok()?;
                Some(KnownRelease {
                    version: release.version,
                    source: release.source,
                    path,
                })
            })
            .collect();
        known.sort_by(|a, b| compare_versions(&b.version, &a.version));
        known.dedup_by(|a, b| a.version == b.version);
        known
    }

    /// Whether `path` is one of the remembered files (the window may install it without
    /// choosing it again).
    pub fn contains(&self, path: &Path) -> bool {
        let Ok(path) = path.canonicalize() else {
            return false;
        };
        self.paths().contains(&path)
    }

    fn paths(&self) -> Vec<PathBuf> {
        // A missing or damaged index is an empty one: it is only a list of shortcuts.
        read_limited(&self.index, INDEX_LIMIT, |_, _| {
            ApiError::new("release.index_too_large", "", "")
        })
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
    }
}

/// Orders release versions as people read them: `1.10.0` after `1.9.2`, and a pre-release
/// (`1.2.0-broken`) before its release. Parts that are not numbers compare as text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let split = |v: &str| -> (Vec<u64>, Option<String>) {
        let v = v.trim().trim_start_matches('v');
        let (main, pre) = match v.split_once('-') {
            Some((m, p)) => (m, Some(p.to_string())),
            None => (v, None),
        };
        (
            main.split('.').map(|n| n.parse().unwrap_or(0)).collect(),
            pre,
        )
    };
    let (a_main, a_pre) = split(a);
    let (b_main, b_pre) = split(b);
    let len = a_main.len().max(b_main.len());
    for i in 0..len {
        let order = a_main.get(i).unwrap_or(&0).cmp(b_main.get(i).unwrap_or(&0));
        if order != Ordering::Equal {
            return order;
        }
    }
    match (a_pre, b_pre) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => a.cmp(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_people_read_them() {
        assert_eq!(compare_versions("1.10.0", "1.9.2"), Ordering::Greater);
        assert_eq!(compare_versions("1.2.0-broken", "1.2.0"), Ordering::Less);
        assert_eq!(compare_versions("v1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.0.0", "1.0.1"), Ordering::Less);
    }

    #[test]
    fn a_file_that_is_not_a_release_is_refused_and_not_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let known = KnownReleases::open(&DataDir::new(dir.path().join("data")));
        let file = dir.path().join("notes.json");
        std::fs::write(&file, b"{\"hello\": 1}").unwrap();
        assert!(known.add(&file).is_err());
        assert!(known.list().is_empty());
        assert!(!known.contains(&file));
    }
}
