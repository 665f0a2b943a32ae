//! The stack's containers, from `docker compose ps --all --format json`.
//!
//! Compose before 2.21 printed one JSON array; later versions print JSON Lines, one object
//! per container. Both are read. Only the fields the reports use are kept.

use serde::{Deserialize, Serialize};

use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::session::Session;

pub const MAX_OUTPUT: usize = 4 << 20;
pub const MAX_SERVICES: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
pub struct Container {
    #[serde(rename(deserialize = "Service"), default)]
    pub service: String,
    #[serde(rename(deserialize = "Name"), default)]
    pub name: String,
    /// running, exited, restarting, paused, created, dead.
    #[serde(rename(deserialize = "State"), default)]
    pub state: String,
    /// healthy, unhealthy, starting, or empty when the image has no health check.
    #[serde(rename(deserialize = "Health"), default)]
    pub health: String,
    /// Compose's own words: "Up 3 days (healthy)".
    #[serde(rename(deserialize = "Status"), default)]
    pub status: String,
    #[serde(rename(deserialize = "ExitCode"), default)]
    pub exit_code: i64,
    #[serde(
        rename(deserialize = "Publishers"),
        default,
        deserialize_with = "null_as_empty"
    )]
    pub publishers: Vec<Publisher>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
pub struct Publisher {
    #[serde(rename(deserialize = "PublishedPort"), default)]
    pub published_port: u16,
    #[serde(rename(deserialize = "TargetPort"), default)]
    pub target_port: u16,
    #[serde(rename(deserialize = "Protocol"), default)]
    pub protocol: String,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Publisher>, D::Error> {
    Ok(Option::<Vec<Publisher>>::deserialize(d)?.unwrap_or_default())
}

/// Either form, refused past the limits.
pub fn parse(text: &str) -> Result<Vec<Container>, String> {
    if text.len() > MAX_OUTPUT {
        return Err("the container list is larger than 4 MiB".into());
    }
    let trimmed = text.trim();
    let containers: Vec<Container> = if trimmed.is_empty() {
        Vec::new()
    } else if trimmed.starts_with('[') {
        serde_json::from_str(trimmed).map_err(|e| format!("not a container list: {e}"))?
    } else {
        trimmed
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(MAX_SERVICES + 1)
            .map(|l| serde_json::from_str(l).map_err(|e| format!("not a container line: {e}")))
            .collect::<Result<_, _>>()?
    };
    if containers.len() > MAX_SERVICES {
        return Err(format!("more than {MAX_SERVICES} containers"));
    }
    Ok(containers)
}

/// What `compose ps` said in the stack folder.
#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    Containers(Vec<Container>),
    /// Compose could not answer: no stack there, no engine. Its last words.
    Failed(String),
}

pub fn list(session: &Session, stack_dir: &str) -> Result<Listing> {
    let out = session.capture(
        &script(
            "cd \"$1\" 2>/dev/null || { echo \"no folder $1\" >&2; exit 3; }; docker compose ps --all --format json",
            &[stack_dir],
        )?,
        MAX_OUTPUT,
    )?;
    if !out.exit.success() {
        return Ok(Listing::Failed(out.stderr_tail()));
    }
    parse(&out.stdout_text())
        .map(Listing::Containers)
        .map_err(|reason| RemoteError::Protocol { reason })
}
