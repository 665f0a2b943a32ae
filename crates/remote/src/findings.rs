//! What a check found, in words an owner can act on.

use serde::Serialize;

/// Ordered from good to bad, so the worst of a list is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Pass,
    /// Neither good nor bad: a check that does not apply, a number for the record.
    Info,
    Warn,
    Fail,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Pass => "pass",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Finding {
    /// Stable, for the app and scripts: `docker.access`, `service.backend`, `tls.expiry`.
    pub id: String,
    pub level: Level,
    /// A short label for the table: "Docker", "backend".
    pub title: String,
    /// What was found, in plain words.
    pub detail: String,
    /// What to do about it, when something is to be done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(
        id: impl Into<String>,
        level: Level,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            id: id.into(),
            level,
            title: title.into(),
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// Pass when nothing is worse than info; otherwise the worst level found.
pub fn overall(findings: &[Finding]) -> Level {
    match findings.iter().map(|f| f.level).max() {
        Some(level @ (Level::Warn | Level::Fail)) => level,
        _ => Level::Pass,
    }
}
