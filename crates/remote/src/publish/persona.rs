//! A persona published in DeskMate's layout: versions kept whole, the live folder swapped
//! in by renames and checked through the backend.

use crate::cancel::Cancel;
use crate::error::Result;
use crate::install::{ProxyProbe, check_cancel, refuse, run_script};
use crate::ops::Remote;
use crate::transfer::Visibility;

use super::*;

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
