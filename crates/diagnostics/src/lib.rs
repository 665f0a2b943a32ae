//! Diagnostics: the one shape every DeskMate Studio check reports in.
//!
//! A [`Diagnostic`] says what is wrong (or worth knowing) about a user's file, in words an
//! owner who is not a developer can act on:
//!
//! - `code` is stable (`domain.reason`, e.g. `png.crc_mismatch`). Scripts, tests and the UI
//!   match on it, so a code never changes meaning once shipped.
//! - `message` says what happened, `hint` says what to do about it.
//! - `path` points into the document (`data.character_book.entries[2].keys`), or names a
//!   chunk or archive entry, when there is a place to point at.
//!
//! Every domain crate (cards, rooms, plugins, …) produces these, and plugins will too, so the
//! app can show built-in and plugin findings in one list.

use serde::Serialize;
use std::fmt;

/// How much a finding matters. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something the tool did or noticed; nothing to fix.
    Info,
    /// The file is usable, but something is off or was repaired on the fly.
    Warning,
    /// The file is not valid as it stands.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hint: Option<String>,
    /// Who reported it: `None` for DeskMate Studio's built-in checks, a plugin's id for a
    /// plugin's. Serialized as `"source": "builtin"` or the id, so lists can be merged.
    #[serde(serialize_with = "serialize_source")]
    #[ts(type = "string")]
    pub source: Option<String>,
}

fn serialize_source<S: serde::Serializer>(
    source: &Option<String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(source.as_deref().unwrap_or(BUILTIN))
}

/// The `source` of a built-in finding.
pub const BUILTIN: &str = "builtin";

impl Diagnostic {
    pub fn new(severity: Severity, code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: code.into(),
            message: message.into(),
            path: None,
            hint: None,
            source: None,
        }
    }

    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn info(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, message)
    }

    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attributes the finding to a plugin.
    pub fn from_source(mut self, plugin_id: impl Into<String>) -> Self {
        self.source = Some(plugin_id.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// One line for the finding, then an indented hint line when there is one:
    ///
    /// ```text
    /// warning[png.crc_mismatch] at chunk 3 (tEXt): checksum does not match the data
    ///   hint: run `deskmate card repair` to rewrite the checksums
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.code)?;
        if let Some(source) = &self.source {
            write!(f, " from plugin {source}")?;
        }
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// True when any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// Renders a list for a terminal, one finding per block, errors first.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| std::cmp::Reverse(d.severity));
    let mut out = String::new();
    for d in sorted {
        out.push_str(&d.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_includes_code_path_and_hint() {
        let d = Diagnostic::warning("png.crc_mismatch", "checksum does not match")
            .at("chunk 3 (tEXt)")
            .hint("run repair");
        assert_eq!(
            d.to_string(),
            "warning[png.crc_mismatch] at chunk 3 (tEXt): checksum does not match\n  hint: run repair"
        );
    }

    #[test]
    fn render_puts_errors_first_and_has_errors_sees_them() {
        let list = vec![
            Diagnostic::info("a.info", "x"),
            Diagnostic::error("a.error", "y"),
        ];
        assert!(has_errors(&list));
        assert!(render(&list).starts_with("error[a.error]"));
        assert!(!has_errors(&list[..1]));
    }
}
