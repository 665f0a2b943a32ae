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

use serde::Serialize;

use crate::cancel::Cancel;
use crate::error::Result;
use crate::install::{ProxyProbe, check_cancel, refuse, run_script};
use crate::ops::Remote;
use crate::transfer::Visibility;

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

/// The floor-plan id of a room's version: DeskMate skips an id it has, so each version has
/// its own.
pub fn plan_id(room: &str, version: u32) -> String {
    format!("{room}-v{version}")
}

/// Publishes one room: `plan(id)` is its floor-plan file with `id` as its id.
pub fn publish_room(
    target: &Target,
    room: &str,
    plan: &dyn Fn(&str) -> Vec<u8>,
    cancel: &Cancel,
) -> Result<Published> {
    let Target {
        session,
        dir,
        project,
        probe,
        holder,
    } = *target;
    check_name(room)?;
    let folder = format!("{dir}/{PUBLISHED_DIR}/rooms");
    let versions = versions_in(session, &folder, &format!("{room}-v"), ".json")?;
    // The same content as the newest version is that version again.
    let (version, new_version) = match versions.last() {
        Some(&last)
            if read(session, &room_file(&folder, room, last))? == plan(&plan_id(room, last)) =>
        {
            (last, false)
        }
        Some(&last) => (last + 1, true),
        None => (1, true),
    };
    check_cancel(cancel)?;
    let file = room_file(&folder, room, version);
    if new_version {
        run_script(
            session,
            "making the published rooms folder",
            "mkdir -p -- \"$1\"",
            &[&folder],
        )?;
        session.write_file(
            &plan(&plan_id(room, version)),
            &file,
            Visibility::Normal,
            cancel,
        )?;
    }
    let checked = serve_room(session, project, probe, room, version, &file)?;
    record(session, dir, "room", room, version, "publish", holder)?;
    Ok(Published {
        kind: "room",
        name: room.to_string(),
        version,
        new_version,
        checked,
    })
}

/// Activates an older version of a room: `to`, or the one before the active one.
pub fn roll_back_room(target: &Target, room: &str, to: Option<u32>) -> Result<Published> {
    let Target {
        session,
        dir,
        project,
        probe,
        holder,
    } = *target;
    check_name(room)?;
    let folder = format!("{dir}/{PUBLISHED_DIR}/rooms");
    let versions = versions_in(session, &folder, &format!("{room}-v"), ".json")?;
    let live = live_version(session, dir, "room", room)?;
    let version = pick_older(&versions, live, to, "room", room)?;
    let checked = serve_room(
        session,
        project,
        probe,
        room,
        version,
        &room_file(&folder, room, version),
    )?;
    record(session, dir, "room", room, version, "rollback", holder)?;
    Ok(Published {
        kind: "room",
        name: room.to_string(),
        version,
        new_version: false,
        checked,
    })
}

fn room_file(folder: &str, room: &str, version: u32) -> String {
    format!("{folder}/{}.json", plan_id(room, version))
}

/// The kept file copied into every running backend, loaded (an id the database has is
/// skipped, so this is safe to repeat), activated, and the activation read back.
fn serve_room(
    session: &dyn Remote,
    project: &str,
    probe: &ProxyProbe,
    room: &str,
    version: u32,
    file: &str,
) -> Result<String> {
    let id = plan_id(room, version);
    run_script(
        session,
        "copying the floor plan into the backend",
        r#"found=
for c in $(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=backend); do
    docker cp "$2" "$c:$3/$4.json" && found=yes || exit 1
done
[ -n "$found" ] || { echo "no backend container is running" >&2; exit 1; }"#,
        &[project, file, TEMPLATES_IN_BACKEND, &id],
    )?;
    let call = |method: &str, path: &str| -> Result<Vec<u8>> {
        let (status, body) = session
            .request(probe.port, &probe.host, probe.https, method, path)
            .map_err(|e| {
                refuse(
                    "publish.backend_unreachable",
                    "The backend did not answer.",
                    e,
                )
            })?;
        if status != 200 {
            return Err(refuse(
                "publish.backend_refused",
                format!("The backend answered HTTP {status} to {method} {path}."),
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>(),
            ));
        }
        Ok(body)
    };
    call("POST", "/api/rooms/templates/load-all")?;
    call("POST", &format!("/api/rooms/floor-plans/{id}/activate"))?;
    let active: serde_json::Value =
        serde_json::from_slice(&call("GET", "/api/rooms/floor-plans/active")?).map_err(|e| {
            refuse(
                "publish.check_failed",
                "The backend's active floor plan does not read.",
                e.to_string(),
            )
        })?;
    if active["id"] != id.as_str() {
        return Err(refuse(
            "publish.check_failed",
            format!("The backend did not make {id} its active floor plan."),
            format!(
                "It says {} is active. The room's file is kept on the server; publish it again.",
                active["id"]
            ),
        ));
    }
    Ok(format!(
        "{id} is the backend's active floor plan ({} pieces of furniture)",
        active["furniture_count"]
    ))
}

/// One persona's files for the server: `(file name, local path)`, the card first.
pub struct PersonaFiles<'a> {
    /// The folder's name (DeskMate's file stem of the card's name).
    pub stem: &'a str,
    /// The card's name, as the backend lists it.
    pub card_name: &'a str,
    pub files: Vec<(String, std::path::PathBuf, String)>,
    /// How many expression files the backend must find.
    pub expressions: usize,
}

/// Publishes one persona's folder; see the module's comment.
pub fn publish_persona(
    target: &Target,
    persona: &PersonaFiles,
    cancel: &Cancel,
) -> Result<Published> {
    let Target {
        session,
        dir,
        probe,
        holder,
        ..
    } = *target;
    check_name(persona.stem)?;
    if persona.files.is_empty() || persona.files.len() > MAX_PERSONA_FILES {
        return Err(refuse(
            "publish.too_many_files",
            format!(
                "{} has {} files to publish",
                persona.stem,
                persona.files.len()
            ),
            format!(
                "A persona is a card and at most {} expression files.",
                MAX_PERSONA_FILES - 1
            ),
        ));
    }
    for (name, path, _) in &persona.files {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if !name.ends_with(".png") || name.contains('/') || size == 0 || size > MAX_PERSONA_FILE {
            return Err(refuse(
                "publish.bad_file",
                format!("{name} cannot be published"),
                "DeskMate reads non-empty .png files of at most 50 MB.",
            ));
        }
    }
    let kept = format!("{dir}/{PUBLISHED_DIR}/personas/{}", persona.stem);
    // A folder put there by hand is kept as v0 before anything replaces it.
    let live = live_folder(dir, persona.stem);
    let out = run_script(
        session,
        "keeping the persona folder that was there",
        r#"parent=$(dirname -- "$1"); mkdir -p -- "$2" "$parent"
if [ ! -w "$parent" ] || { [ -e "$1" ] && [ ! -w "$1" ]; }; then echo not-writable; exit 0; fi
if [ -d "$1" ] && [ ! -e "$2/current" ] && [ ! -e "$2/v0" ]; then cp -a -- "$1" "$2/v0" && echo 0 > "$2/current"; fi"#,
        &[&live, &kept],
    )?;
    if out.trim() == "not-writable" {
        return Err(refuse(
            "publish.not_writable",
            format!("The server's account cannot change {live}."),
            "Another account owns it (or the folder above it). Give it to the account DeskMate Studio signs in as, then publish again; nothing was changed.",
        ));
    }
    let versions = versions_in(session, &kept, "v", "")?;
    let sums: String = {
        let mut lines: Vec<String> = persona
            .files
            .iter()
            .map(|(name, _, sha)| format!("{sha}  {name}"))
            .collect();
        lines.sort();
        lines.join("\n")
    };
    let (version, new_version) = match versions.iter().rev().find(|v| **v > 0) {
        Some(&last) if folder_sums(session, &format!("{kept}/v{last}"))? == sums => (last, false),
        Some(&last) => (last + 1, true),
        None => (versions.last().map_or(1, |v| v + 1), true),
    };
    if new_version {
        let target = format!("{kept}/v{version}");
        let staging = format!("{target}.part");
        run_script(
            session,
            "making the version folder",
            "rm -rf -- \"$1\" && mkdir -p -- \"$1\"",
            &[&staging],
        )?;
        for (name, path, sha) in &persona.files {
            check_cancel(cancel)?;
            let sent = session.upload(
                path,
                &format!("{staging}/{name}"),
                Visibility::Normal,
                &mut |_| {},
                cancel,
            )?;
            if &sent.sha256 != sha {
                return Err(refuse(
                    "publish.transfer_mismatch",
                    format!("{name} arrived changed"),
                    "Publish again; nothing was switched.",
                ));
            }
        }
        // The card's name, for a rollback's check later.
        session.write_file(
            persona.card_name.as_bytes(),
            &format!("{staging}/{CARD_NAME_FILE}"),
            Visibility::Normal,
            cancel,
        )?;
        run_script(
            session,
            "keeping the version",
            "mv -- \"$1\" \"$2\"",
            &[&staging, &target],
        )?;
    }
    let checked = swap_persona(
        session,
        dir,
        probe,
        persona.stem,
        persona.card_name,
        version,
        persona.expressions,
    )?;
    record(
        session,
        dir,
        "persona",
        persona.stem,
        version,
        "publish",
        holder,
    )?;
    Ok(Published {
        kind: "persona",
        name: persona.stem.to_string(),
        version,
        new_version,
        checked,
    })
}

/// Puts an older kept version of a persona back: `to`, or the one before the live one.
pub fn roll_back_persona(target: &Target, stem: &str, to: Option<u32>) -> Result<Published> {
    let Target {
        session,
        dir,
        probe,
        holder,
        ..
    } = *target;
    check_name(stem)?;
    let kept = format!("{dir}/{PUBLISHED_DIR}/personas/{stem}");
    let versions = versions_in(session, &kept, "v", "")?;
    let live = read(session, &format!("{kept}/current"))
        .ok()
        .and_then(|b| String::from_utf8_lossy(&b).trim().parse().ok());
    let version = pick_older(&versions, live, to, "persona", stem)?;
    // The card's name, for the check, is the one the kept version's card carries.
    let card_name = kept_card_name(session, &format!("{kept}/v{version}"), stem)?;
    let expressions = count_expressions(session, &format!("{kept}/v{version}"))?;
    let checked = swap_persona(session, dir, probe, stem, &card_name, version, expressions)?;
    record(session, dir, "persona", stem, version, "rollback", holder)?;
    Ok(Published {
        kind: "persona",
        name: stem.to_string(),
        version,
        new_version: false,
        checked,
    })
}

fn live_folder(dir: &str, stem: &str) -> String {
    format!("{dir}/shared/data/personas/{stem}")
}

/// The live folder replaced by a copy of `v<version>` (renames, so the backend sees the old
/// folder or the new one, never half of one), then checked through the backend; on a
/// failed check the folder that served before goes back.
fn swap_persona(
    session: &dyn Remote,
    dir: &str,
    probe: &ProxyProbe,
    stem: &str,
    card_name: &str,
    version: u32,
    expressions: usize,
) -> Result<String> {
    let live = live_folder(dir, stem);
    let kept = format!("{dir}/{PUBLISHED_DIR}/personas/{stem}");
    // Staged outside /data/personas, so the backend never lists a half-made folder.
    let staged = format!("{dir}/shared/data/.publish-{stem}");
    run_script(
        session,
        "switching the persona's folder",
        r#"rm -rf -- "$3.new" "$3.old" && cp -a -- "$2/v$4" "$3.new" && chmod -R a+rX -- "$3.new" &&
mkdir -p -- "$(dirname -- "$1")" &&
if [ -d "$1" ]; then mv -- "$1" "$3.old"; fi && mv -- "$3.new" "$1""#,
        &[&live, &kept, &staged, &version.to_string()],
    )?;
    match check_persona(session, probe, stem, card_name, expressions) {
        Ok(checked) => {
            run_script(
                session,
                "finishing the persona's switch",
                "rm -rf -- \"$2.old\" && echo \"$3\" > \"$1/current\"",
                &[&kept, &staged, &version.to_string()],
            )?;
            Ok(checked)
        }
        Err(err) => {
            let _ = run_script(
                session,
                "putting the persona's folder back",
                r#"rm -rf -- "$2.failed"; mv -- "$1" "$2.failed" && { [ ! -d "$2.old" ] || mv -- "$2.old" "$1"; } && rm -rf -- "$2.failed""#,
                &[&live, &staged],
            );
            Err(err)
        }
    }
}

fn check_persona(
    session: &dyn Remote,
    probe: &ProxyProbe,
    stem: &str,
    card_name: &str,
    expressions: usize,
) -> Result<String> {
    let get = |path: &str| -> Result<serde_json::Value> {
        let (status, body) = session
            .request(probe.port, &probe.host, probe.https, "GET", path)
            .map_err(|e| {
                refuse(
                    "publish.backend_unreachable",
                    "The backend did not answer.",
                    e,
                )
            })?;
        if status != 200 {
            return Err(refuse(
                "publish.check_failed",
                format!("The backend answered HTTP {status} to {path}."),
                "The folder that served before is back.",
            ));
        }
        serde_json::from_slice(&body).map_err(|e| {
            refuse(
                "publish.check_failed",
                format!("{path} does not read"),
                e.to_string(),
            )
        })
    };
    let listed = get(&format!("/api/personas/?directory=/data/personas/{stem}"))?;
    let names: Vec<&str> = listed["personas"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    if !names.contains(&card_name) {
        return Err(refuse(
            "publish.check_failed",
            format!("The backend does not list {card_name} in /data/personas/{stem}."),
            format!("It lists {names:?}. The folder that served before is back."),
        ));
    }
    let path = format!("/api/personas/{}/expressions", percent(card_name));
    let found = get(&path)?["expressions"]
        .as_object()
        .map_or(0, |m| m.len());
    if found != expressions {
        return Err(refuse(
            "publish.check_failed",
            format!("The backend finds {found} of {card_name}'s {expressions} expression files."),
            "The folder that served before is back.",
        ));
    }
    Ok(format!(
        "the backend lists {card_name} with {found} expressions"
    ))
}

/// A path segment, percent-encoded beyond the unreserved characters.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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

fn folder_sums(session: &dyn Remote, folder: &str) -> Result<String> {
    let out = run_script(
        session,
        "reading the kept version",
        "cd -- \"$1\" 2>/dev/null && sha256sum -- *.png | sort -k 2 || true",
        &[folder],
    )?;
    let mut lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    lines.sort();
    Ok(lines.join("\n"))
}

fn count_expressions(session: &dyn Remote, folder: &str) -> Result<usize> {
    let out = run_script(
        session,
        "reading the kept version",
        "ls -1 -- \"$1\"",
        &[folder],
    )?;
    Ok(out
        .lines()
        .filter(|l| l.ends_with(".png"))
        .count()
        .saturating_sub(1))
}

/// The card's name a kept version was published with (a folder kept from by hand has none:
/// its stem is the best guess, as DeskMate's own file naming derives one from the other).
fn kept_card_name(session: &dyn Remote, folder: &str, stem: &str) -> Result<String> {
    Ok(read(session, &format!("{folder}/{CARD_NAME_FILE}"))
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_else(|_| stem.to_string()))
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
