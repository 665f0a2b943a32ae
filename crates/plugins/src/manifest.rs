//! `plugin.toml`: who a plugin is, which API it speaks, and which wasm file (by hash) it runs.
//!
//! ```toml
//! id = "room-essentials"
//! name = "Room essentials"
//! version = "1.0.0"
//! api_version = "0.1.0"
//! targets = ["room"]
//! wasm = "room_essentials.wasm"
//! sha256 = "9f86d0…"            # of the wasm file, 64 lowercase hex digits
//! description = "Every room needs a bed, a door and a light."
//! author = "DeskMate Studio"
//! ```
//!
//! Parsing only checks the manifest itself. Whether the host serves `api_version` and
//! whether the hash matches are checked when the plugin is installed or loaded.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{PluginError, Result};

/// The manifest's file name inside a plugin folder.
pub const MANIFEST_FILE: &str = "plugin.toml";
/// A manifest is a few lines; anything bigger is not one.
pub const MAX_MANIFEST_BYTES: usize = 64 << 10;

/// What a plugin validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Room,
    Persona,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Room, Target::Persona];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Room => "room",
            Target::Persona => "persona",
        }
    }

    /// "room, persona", for messages.
    pub fn list(targets: &[Target]) -> String {
        targets
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Lowercase letters, digits and `-`; names the plugin's folder and tags its findings.
    pub id: String,
    pub name: String,
    pub version: String,
    /// The `deskmate:validator` version the component implements, e.g. `0.1.0`.
    pub api_version: String,
    pub targets: Vec<Target>,
    /// The component's file name, beside the manifest.
    pub wasm: String,
    /// SHA-256 of the wasm file, lowercase hex.
    pub sha256: String,
    pub description: String,
    pub author: String,
}

impl Manifest {
    /// Parses and checks a manifest; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
        let invalid = |message: String| PluginError::ManifestInvalid {
            path: path.to_path_buf(),
            message,
        };
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(invalid(format!(
                "it is {} bytes; a manifest may be at most {MAX_MANIFEST_BYTES}",
                text.len()
            )));
        }
        let manifest: Manifest =
            toml::from_str(text).map_err(|e| invalid(describe_toml_error(&e, text)))?;
        manifest.check().map_err(invalid)?;
        Ok(manifest)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a manifest is plain strings and lists")
    }

    pub fn serves(&self, target: Target) -> bool {
        self.targets.contains(&target)
    }

    fn check(&self) -> std::result::Result<(), String> {
        check_id(&self.id)?;
        check_text("name", &self.name, 80, false)?;
        check_version(&self.version)?;
        check_text("description", &self.description, 2_000, true)?;
        check_text("author", &self.author, 200, true)?;
        check_text("api_version", &self.api_version, 32, false)?;
        if self.targets.is_empty() {
            return Err(
                "`targets` is empty; list what the plugin validates: \"room\", \"persona\"".into(),
            );
        }
        for (i, target) in self.targets.iter().enumerate() {
            if self.targets[..i].contains(target) {
                return Err(format!("`targets` lists \"{}\" twice", target.as_str()));
            }
        }
        check_wasm_name(&self.wasm)?;
        if self.sha256.len() != 64
            || !self
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(
                "`sha256` must be the wasm file's SHA-256 as 64 lowercase hex digits".into(),
            );
        }
        Ok(())
    }
}

fn describe_toml_error(error: &toml::de::Error, text: &str) -> String {
    let message = error.message().trim_end();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message.to_string(),
    }
}

fn check_id(id: &str) -> std::result::Result<(), String> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`id` \"{}\" must be 1–64 lowercase letters, digits and inner dashes, like \"room-essentials\"",
            id.escape_debug()
        ))
    }
}

fn check_version(version: &str) -> std::result::Result<(), String> {
    let parts: Vec<&str> = version.split('.').collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`version` \"{}\" must be three numbers like \"1.0.0\"",
            version.escape_debug()
        ))
    }
}

fn check_text(
    field: &str,
    value: &str,
    max_chars: usize,
    may_be_empty: bool,
) -> std::result::Result<(), String> {
    if !may_be_empty && value.trim().is_empty() {
        return Err(format!("`{field}` is empty"));
    }
    if value.chars().count() > max_chars {
        return Err(format!("`{field}` is longer than {max_chars} characters"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("`{field}` contains control characters"));
    }
    Ok(())
}

fn check_wasm_name(name: &str) -> std::result::Result<(), String> {
    let plain = !name.is_empty()
        && name.len() <= 128
        && name.ends_with(".wasm")
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "`wasm` \"{}\" must be a plain file name ending in .wasm, beside plugin.toml",
            name.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const GOOD: &str = r#"
id = "room-essentials"
name = "Room essentials"
version = "1.0.0"
api_version = "0.1.0"
targets = ["room"]
wasm = "room_essentials.wasm"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
description = "Beds and doors."
author = "Someone"
"#;

    fn parse(text: &str) -> Result<Manifest> {
        Manifest::parse(text, Path::new("plugin.toml"))
    }

    #[test]
    fn a_good_manifest_round_trips() {
        let manifest = parse(GOOD).unwrap();
        assert_eq!(manifest.targets, [Target::Room]);
        assert_eq!(parse(&manifest.to_toml()).unwrap(), manifest);
    }

    #[test]
    fn bad_fields_are_named() {
        for (from, to, expect) in [
            ("room-essentials", "Room Essentials", "`id`"),
            ("room_essentials.wasm", "../evil.wasm", "`wasm`"),
            ("\"1.0.0\"", "\"one\"", "`version`"),
            ("[\"room\"]", "[]", "`targets` is empty"),
            ("[\"room\"]", "[\"room\", \"room\"]", "twice"),
            (
                "\"0000000000000000000000000000000000000000000000000000000000000000\"",
                "\"abc\"",
                "`sha256`",
            ),
            (
                "author = \"Someone\"",
                "author = \"Someone\"\nhomepage = \"x\"",
                "line 11: unknown field `homepage`",
            ),
            ("author = \"Someone\"\n", "", "missing field `author`"),
            ("[\"room\"]", "[\"kitchen\"]", "unknown variant `kitchen`"),
        ] {
            let text = GOOD.replace(from, to);
            let error = parse(&text).unwrap_err();
            assert_eq!(error.code(), "plugin.manifest_invalid");
            assert!(error.to_string().contains(expect), "{expect}: {error}");
        }
    }
}
