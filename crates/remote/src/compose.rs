//! The stack's containers, from `docker compose ps --all --format json`, or from
//! `docker inspect` where only the v1 `docker-compose` is installed.
//!
//! Compose before 2.21 printed one JSON array; later versions print JSON Lines, one object
//! per container. Both are read, as is the inspect form. Only the fields the reports use
//! are kept.

use serde::{Deserialize, Serialize};

use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;

pub const MAX_OUTPUT: usize = 4 << 20;
pub const MAX_SERVICES: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
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
    /// The image it runs, as compose names it.
    #[serde(rename(deserialize = "Image"), default)]
    pub image: String,
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

/// The stack's containers. Runs in `current/` (the installed release) when there is one,
/// else in the stack folder itself. Compose v2 answers for itself; without it (servers with
/// only the v1 `docker-compose`, whose `ps` has no JSON), the same fields come from
/// `docker inspect` of the containers labelled with the project's name, which is what
/// every compose labels them with.
pub fn list(session: &dyn Remote, stack_dir: &str) -> Result<Listing> {
    let out = session.capture(&script(LIST, &[stack_dir])?, MAX_OUTPUT)?;
    if !out.exit.success() {
        return Ok(Listing::Failed(out.stderr_tail()));
    }
    let text = out.stdout_text();
    let parsed = match text.strip_prefix("inspect\n") {
        Some(lines) => parse_inspect(lines),
        None => parse(&text),
    };
    parsed
        .map(Listing::Containers)
        .map_err(|reason| RemoteError::Protocol { reason })
}

const LIST: &str = r#"cd "$1" 2>/dev/null || { echo "no folder $1" >&2; exit 3; }
[ -d current ] && cd current
if docker compose version >/dev/null 2>&1; then exec docker compose ps --all --format json; fi
command -v docker-compose >/dev/null 2>&1 || { echo "docker: 'compose' is not a docker command." >&2; exit 1; }
[ -f compose.yaml ] || [ -f docker-compose.yml ] || { echo "no configuration file provided: not found" >&2; exit 1; }
p=$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' .env 2>/dev/null)
[ -n "$p" ] || p=$(basename "$PWD")
ids=$(docker ps -aq --filter "label=com.docker.compose.project=$p") || exit 1
echo inspect
[ -n "$ids" ] || exit 0
# shellcheck disable=SC2086
docker inspect --format '{"Service":{{json (index .Config.Labels "com.docker.compose.service")}},"Name":{{json .Name}},"State":{{json .State.Status}},"Health":{{if .State.Health}}{{json .State.Health.Status}}{{else}}""{{end}},"ExitCode":{{.State.ExitCode}},"Image":{{json .Config.Image}},"Ports":"{{range $p, $c := .NetworkSettings.Ports}}{{range $c}}{{$p}}={{.HostPort}} {{end}}{{end}}"}' $ids
"#;

/// One line of the `docker inspect` template in [`LIST`].
#[derive(Deserialize)]
struct Inspected {
    #[serde(rename = "Service", default)]
    service: String,
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "State", default)]
    state: String,
    #[serde(rename = "Health", default)]
    health: String,
    #[serde(rename = "ExitCode", default)]
    exit_code: i64,
    #[serde(rename = "Image", default)]
    image: String,
    /// `8080/tcp=18080 8443/tcp=18443 `
    #[serde(rename = "Ports", default)]
    ports: String,
}

/// The `docker inspect` form, with the same limits as [`parse`].
pub fn parse_inspect(text: &str) -> Result<Vec<Container>, String> {
    if text.len() > MAX_OUTPUT {
        return Err("the container list is larger than 4 MiB".into());
    }
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if out.len() >= MAX_SERVICES {
            return Err(format!("more than {MAX_SERVICES} containers"));
        }
        let c: Inspected =
            serde_json::from_str(line).map_err(|e| format!("not a container line: {e}"))?;
        let publishers = c
            .ports
            .split_whitespace()
            .filter_map(|pair| {
                let (target, published) = pair.split_once('=')?;
                let (port, protocol) = target.split_once('/')?;
                Some(Publisher {
                    published_port: published.parse().ok()?,
                    target_port: port.parse().ok()?,
                    protocol: protocol.to_string(),
                })
            })
            .collect();
        let status = match (c.state.as_str(), c.health.as_str()) {
            ("running", "") => "Up".to_string(),
            ("running", health) => format!("Up ({health})"),
            ("exited", _) => format!("Exited ({})", c.exit_code),
            (state, _) => state.to_string(),
        };
        out.push(Container {
            service: c.service,
            name: c.name.trim_start_matches('/').to_string(),
            state: c.state,
            health: c.health,
            status,
            exit_code: c.exit_code,
            image: c.image,
            publishers,
        });
    }
    Ok(out)
}
