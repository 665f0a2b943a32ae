//! Publishing rooms and personas to a running stack, and rolling a publish back: four
//! operations on the engine, each a plan of named steps inside the deploy lock (a publish
//! changes what the companion serves, so it never interleaves with an update).
//!
//! DeskMate has no upload endpoint for either, so both go in as files, where its own
//! readers look (see `shared/reference/deskmate-server.md`, §1b and §2):
//!
//! - **Rooms** ([`room`]) are floor-plan templates. DeskMate reads them from
//!   `/app/templates/floor_plans` inside the backend image and loads them into PostgreSQL
//!   with `POST /rooms/templates/load-all`, skipping an id it already has. So each published
//!   version gets its own id, `<room>-v<N>`: its file is kept in `shared/published/rooms/`,
//!   copied into every running backend container (`docker cp`), loaded, then activated
//!   (`POST /rooms/floor-plans/<id>/activate`). The rows of every version stay in the
//!   database, so a rollback activates an older id (loading its kept file again if the
//!   database no longer has it). The check: `GET /rooms/floor-plans/active` names the id.
//!   What serves is the active floor plan, so the activation's undo activates again the
//!   one that was active before.
//! - **Personas** ([`persona`]) are PNG cards with their expression files beside them, one
//!   folder each: `shared/data/personas/<stem>/` (the backend's read-only
//!   `/data/personas/<stem>/`). Every version is kept whole in
//!   `shared/published/personas/<stem>/v<N>/`; the live folder is a copy of one of them,
//!   swapped in by renames. A folder someone put there by hand is kept first, as `v0`. The
//!   check: the backend lists the card in that folder and finds every expression file. The
//!   swap's undo puts the folder that served before back.
//!
//! Publishing the same content again makes no new version. A version that never served (its
//! publish failed or was cancelled) is removed again where that is safe, so its number is
//! used by the next publish.

pub mod persona;
pub mod room;

#[cfg(test)]
mod persona_tests;
#[cfg(test)]
mod room_tests;

pub use persona::{PersonaFiles, PersonaState};
pub use room::RoomState;

use serde::Serialize;

use super::{Did, Scope};
use crate::error::Result;
use crate::ops::Remote;
use crate::parts::commands::{refuse, run_script};
use crate::parts::spec::ProxyProbe;

/// Where versions are kept, under the stack folder.
const PUBLISHED_DIR: &str = "shared/published";

/// What one publish or rollback did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Published {
    /// `room` or `persona`.
    pub kind: &'static str,
    /// The room's id or the persona's folder.
    pub name: String,
    pub version: u32,
    /// False when the same content was already published as `version`.
    pub new_version: bool,
    /// What the backend showed afterwards, in words.
    pub checked: String,
}

/// One line of `shared/published/log.tsv`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Publication {
    pub time: String,
    pub kind: String,
    pub name: String,
    pub version: u32,
    /// `publish` or `rollback`.
    pub action: String,
    pub holder: String,
}

/// The stack a publish goes to, and who publishes.
#[derive(Debug, Clone)]
pub struct Target {
    /// The stack folder.
    pub dir: String,
    /// `production` or `staging`, for the audit.
    pub environment: String,
    /// Its compose project (whose backend containers get a room's file).
    pub project: String,
    /// Its proxy, through which the backend is asked.
    pub probe: ProxyProbe,
    /// `user@computer`, for the publish log.
    pub holder: String,
}

impl Target {
    /// The audit's scope of an operation on `subject` (a room id or a persona folder).
    fn scope(&self, subject: &str) -> Scope {
        Scope {
            dir: self.dir.clone(),
            environment: self.environment.clone(),
            subject: subject.to_string(),
        }
    }
}

/// A name that becomes a folder or file name on the server: refused unless plain.
pub fn check_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && !name.starts_with(['-', '.']);
    if plain {
        Ok(())
    } else {
        Err(refuse(
            "publish.unsafe_name",
            format!("'{name}' cannot be a name on the server"),
            "Names on the server are ASCII letters, digits, '_', '.' and '-' (at most 64, not starting with '.' or '-'). Rename it first.",
        ))
    }
}

/// The version numbers of `<prefix><N><suffix>` entries of `folder`, ascending.
fn versions_in(remote: &dyn Remote, folder: &str, prefix: &str, suffix: &str) -> Result<Vec<u32>> {
    let out = run_script(
        remote,
        "listing the published versions",
        "ls -1 -- \"$1\" 2>/dev/null || true",
        &[folder],
    )?;
    Ok(parse_versions(&out, prefix, suffix))
}

/// The version numbers in a folder listing, ascending; other names are skipped.
pub fn parse_versions(listing: &str, prefix: &str, suffix: &str) -> Vec<u32> {
    let mut versions: Vec<u32> = listing
        .lines()
        .filter_map(|l| l.strip_prefix(prefix)?.strip_suffix(suffix))
        .filter(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|n| n.parse().ok())
        .collect();
    versions.sort_unstable();
    versions.dedup();
    versions
}

/// The version a rollback goes to: `to` if it is kept, else the newest one below `live`.
fn pick_older(
    versions: &[u32],
    live: Option<u32>,
    to: Option<u32>,
    kind: &str,
    name: &str,
) -> Result<u32> {
    let picked = match to {
        Some(v) => versions.contains(&v).then_some(v),
        None => live.and_then(|l| versions.iter().rev().find(|v| **v < l).copied()),
    };
    picked.ok_or_else(|| {
        refuse(
            "publish.no_older_version",
            match to {
                Some(v) => format!("The server keeps no version {v} of the {kind} {name}."),
                None => format!(
                    "The server keeps no version of the {kind} {name} older than the one serving."
                ),
            },
            format!("It keeps {versions:?}."),
        )
    })
}

/// A file on the server, or `publish.missing`.
fn read(remote: &dyn Remote, path: &str) -> Result<Vec<u8>> {
    let out = remote.capture(&crate::exec::script("cat -- \"$1\"", &[path])?, 8 << 20)?;
    if !out.exit.success() {
        return Err(refuse(
            "publish.missing",
            format!("{path} is not on the server"),
            "",
        ));
    }
    Ok(out.stdout)
}

/// The last step of every publish and rollback: a line in the publish log, which the app's
/// list of publications and a room's rollback read. The runner's audit line carries the same
/// words, so `release audit` shows who published what.
fn record(
    remote: &dyn Remote,
    target: &Target,
    kind: &str,
    name: &str,
    version: u32,
    action: &str,
) -> Result<Did> {
    run_script(
        remote,
        "recording the publish",
        RECORD,
        &[
            &target.dir,
            kind,
            name,
            &version.to_string(),
            action,
            &target.holder,
        ],
    )?;
    Ok(Did::changed(format!(
        "{action} {kind} {name} v{version} by {}",
        target.holder
    )))
}

/// `$1` the stack folder, then the log line's fields: kind, name, version, action, holder.
const RECORD: &str = r#"mkdir -p -- "$1/shared/published" &&
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2" "$3" "$4" "$5" "$6" >> "$1/shared/published/log.tsv""#;

/// Runs shellcheck (as POSIX sh) on each `(name, script)`, as the server's own scripts are.
#[cfg(test)]
fn shellcheck(scripts: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in scripts {
        let path = dir.path().join(format!("{name}.sh"));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        let out = std::process::Command::new("shellcheck")
            .args(["-s", "sh"])
            .arg(&path)
            .output()
            .expect("shellcheck runs (cargo xtask setup installs it)");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Every publish and rollback on the server, oldest first (reads only; no lock).
pub fn publications(remote: &dyn Remote, dir: &str) -> Result<Vec<Publication>> {
    let out = run_script(
        remote,
        "reading the publish log",
        "tail -n 2000 -- \"$1/shared/published/log.tsv\" 2>/dev/null || true",
        &[dir],
    )?;
    Ok(parse_publications(&out))
}

/// The publish log's lines; broken ones are skipped.
pub fn parse_publications(text: &str) -> Vec<Publication> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [time, kind, name, version, action, holder] = f[..] else {
                return None;
            };
            if !matches!(kind, "room" | "persona") || !matches!(action, "publish" | "rollback") {
                return None;
            }
            Some(Publication {
                time: time.to_string(),
                kind: kind.to_string(),
                name: name.to_string(),
                version: version.parse().ok()?,
                action: action.to_string(),
                holder: holder.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn versions_are_read_from_names_and_others_skipped() {
        let listing = "cozy-v1.json\ncozy-v10.json\ncozy-v2.json\ncozy-vx.json\nother-v3.json\ncozy-v2.json.part\n";
        assert_eq!(parse_versions(listing, "cozy-v", ".json"), [1, 2, 10]);
        assert_eq!(
            parse_versions("v0\nv1\nv1.part\ncurrent\n", "v", ""),
            [0, 1]
        );
    }

    #[test]
    fn a_rollback_goes_to_the_version_before_the_live_one_or_the_one_named() {
        assert_eq!(
            pick_older(&[1, 2, 3], Some(3), None, "room", "r").unwrap(),
            2
        );
        assert_eq!(pick_older(&[1, 3], Some(3), None, "room", "r").unwrap(), 1);
        assert_eq!(
            pick_older(&[1, 2, 3], Some(1), Some(3), "room", "r").unwrap(),
            3
        );
        assert!(pick_older(&[1, 2], Some(1), None, "room", "r").is_err());
        assert!(pick_older(&[1, 2], Some(2), Some(7), "room", "r").is_err());
    }

    #[test]
    fn names_that_are_not_plain_are_refused() {
        for bad in ["", "../x", "a/b", "-rf", ".hidden", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        check_name("cozy_room-2").unwrap();
        check_name("dr._who").unwrap();
    }

    #[test]
    fn the_log_reads_back_and_skips_broken_lines() {
        let text = "2026-12-02T08:00:00Z\troom\tcozy\t2\tpublish\tbob@desk\nnonsense\n2026-12-02T08:01:00Z\tpersona\taria\tx\tpublish\tb\n";
        let read = parse_publications(text);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].version, 2);
    }

    proptest! {
        #[test]
        fn any_listing_or_log_reads_without_panic(text in "[ -~\t\n]{0,400}") {
            let _ = parse_versions(&text, "v", "");
            let _ = parse_versions(&text, "r-v", ".json");
            for p in parse_publications(&text) {
                prop_assert!(p.kind == "room" || p.kind == "persona");
            }
        }
    }
}
