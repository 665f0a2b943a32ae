//! Publishing rooms and personas to a running stack, versioned, each checked through the
//! backend afterwards, and rolled back like a release.
//!
//! DeskMate has no upload endpoint for either, so both go in as files, where its own
//! readers look (see `shared/reference/deskmate-server.md`, §1b and §2):
//!
//! - **Rooms** are floor-plan templates. DeskMate reads them from `/app/templates/floor_plans`
//!   inside the backend image and loads them into PostgreSQL with `POST
//!   /rooms/templates/load-all`, skipping an id it already has. So each published version
//!   gets its own id, `<room>-v<N>`: its file is kept in `shared/published/rooms/`, copied
//!   into every running backend container (`docker cp`), loaded, then activated
//!   (`POST /rooms/floor-plans/<id>/activate`). The rows of every version stay in the
//!   database, so a rollback activates an older id (loading its kept file again if the
//!   database no longer has it). The check: `GET /rooms/floor-plans/active` names the id.
//! - **Personas** are PNG cards with their expression files beside them, one folder each:
//!   `shared/data/personas/<stem>/` (the backend's read-only `/data/personas/<stem>/`).
//!   Every version is kept whole in `shared/published/personas/<stem>/v<N>/`; the live folder
//!   is a copy of one of them, swapped in by renames. A folder someone put there by hand is
//!   kept first, as `v0`. The check: the backend lists the card in that folder and finds
//!   every expression file; if not, the folder that served before is put back.
//!
//! Publishing the same content again makes no new version. The api holds the deploy lock
//! around each publish, so an update and a publish never interleave.

mod persona;
mod room;

pub use persona::{PersonaFiles, publish_persona, roll_back_persona};
pub use room::{plan_id, publish_room, roll_back_room};

use serde::Serialize;

use crate::error::Result;
use crate::install::{ProxyProbe, refuse, run_script};
use crate::ops::Remote;

/// Where versions are kept, under the stack folder.
pub const PUBLISHED_DIR: &str = "shared/published";
/// The floor-plan folder inside DeskMate's backend image.
pub const TEMPLATES_IN_BACKEND: &str = "/app/templates/floor_plans";
/// The largest card or expression file DeskMate's reader takes.
pub const MAX_PERSONA_FILE: u64 = 50 << 20;
/// In each kept persona version: the card's name, as the backend lists it.
const CARD_NAME_FILE: &str = ".card-name";
/// A card and DeskMate's 16 expression names, with room to spare.
pub const MAX_PERSONA_FILES: usize = 40;

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

/// The stack a publish goes to, and who publishes.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub session: &'a dyn Remote,
    /// The stack folder.
    pub dir: &'a str,
    /// Its compose project.
    pub project: &'a str,
    /// Its proxy, through which the backend is asked.
    pub probe: &'a ProxyProbe,
    /// `user@computer`, for the log.
    pub holder: &'a str,
}

/// The version numbers of `<prefix><N><suffix>` entries of `folder`, ascending.
fn versions_in(session: &dyn Remote, folder: &str, prefix: &str, suffix: &str) -> Result<Vec<u32>> {
    let out = run_script(
        session,
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

/// The live version of a room: the last publish or rollback of it in the log.
fn live_version(session: &dyn Remote, dir: &str, kind: &str, name: &str) -> Result<Option<u32>> {
    Ok(publications(session, dir)?
        .into_iter()
        .rfind(|p| p.kind == kind && p.name == name)
        .map(|p| p.version))
}

fn read(session: &dyn Remote, path: &str) -> Result<Vec<u8>> {
    let out = session.capture(&crate::exec::script("cat -- \"$1\"", &[path])?, 8 << 20)?;
    if !out.exit.success() {
        return Err(refuse(
            "publish.missing",
            format!("{path} is not on the server"),
            "",
        ));
    }
    Ok(out.stdout)
}

fn record(
    session: &dyn Remote,
    dir: &str,
    kind: &str,
    name: &str,
    version: u32,
    action: &str,
    holder: &str,
) -> Result<()> {
    run_script(
        session,
        "recording the publish",
        r#"mkdir -p -- "$1/shared/published" "$1/log" &&
line="$(date -u +%Y-%m-%dT%H:%M:%SZ)	$2	$3	$4	$5	$6" &&
printf '%s\n' "$line" >> "$1/shared/published/log.tsv" &&
printf '%s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(id -un)" "$5 $2 $3 v$4 by $6" >> "$1/log/audit.log""#,
        &[dir, kind, name, &version.to_string(), action, holder],
    )?;
    Ok(())
}

/// Every publish and rollback on the server, oldest first.
pub fn publications(session: &dyn Remote, dir: &str) -> Result<Vec<Publication>> {
    let out = run_script(
        session,
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
