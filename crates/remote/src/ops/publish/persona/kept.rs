//! What the server keeps of a persona, read: the live version, a kept version's files and
//! card name.

use super::{CARD_NAME_FILE, Paths, PersonaFiles};
use crate::error::Result;
use crate::ops::Remote;
use crate::ops::publish::read;
use crate::parts::commands::run_script;

/// What `current` names, if anything.
pub(super) fn current(remote: &dyn Remote, paths: &Paths) -> Result<Option<String>> {
    let out = run_script(
        remote,
        "reading the live version",
        "cat -- \"$1/current\" 2>/dev/null || true",
        &[&paths.kept],
    )?;
    let version = out.trim();
    Ok((!version.is_empty()).then(|| version.to_string()))
}

/// The files to publish as `sha256sum` lists them, sorted: what a kept version is compared by.
pub(super) fn sums(persona: &PersonaFiles) -> String {
    let mut lines: Vec<String> = persona
        .files
        .iter()
        .map(|(name, _, sha)| format!("{sha}  {name}"))
        .collect();
    lines.sort();
    lines.join("\n")
}

pub(super) fn folder_sums(remote: &dyn Remote, folder: &str) -> Result<String> {
    let out = run_script(
        remote,
        "reading the kept version",
        "cd -- \"$1\" 2>/dev/null && sha256sum -- *.png | sort -k 2 || true",
        &[folder],
    )?;
    let mut lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    lines.sort();
    Ok(lines.join("\n"))
}

pub(super) fn count_expressions(remote: &dyn Remote, folder: &str) -> Result<usize> {
    let out = run_script(
        remote,
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
pub(super) fn kept_card_name(remote: &dyn Remote, folder: &str, stem: &str) -> Result<String> {
    Ok(read(remote, &format!("{folder}/{CARD_NAME_FILE}"))
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_else(|_| stem.to_string()))
}
