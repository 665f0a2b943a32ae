//! Facts about the server's host, gathered by one small POSIX script in one round trip.
//!
//! The script prints `key<TAB>value` lines and nothing else, reading `/proc`,
//! `/etc/os-release`, `df`, and the Docker CLI. Every command in it may be missing on a given
//! server; a missing fact is simply absent and the check that needs it says so.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;

pub use crate::parts::compose::{Compose, compose_of};

/// Output larger than this is not our script's.
const MAX_OUTPUT: usize = 64 << 10;
const MAX_LINES: usize = 400;

const SCRIPT: &str = r#"
p() { printf '%s\t%s\n' "$1" "$2"; }
if [ -r /etc/os-release ]; then
  while IFS='=' read -r k v; do
    case $k in PRETTY_NAME|ID|VERSION_ID) p "os.$k" "$v" ;; esac
  done < /etc/os-release
fi
p arch "$(uname -m)"
p cpus "$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)"
while read -r k v _; do
  case $k in MemTotal:|MemAvailable:) p "mem.${k%:}" "$v" ;; esac
done < /proc/meminfo
p loadavg "$(cat /proc/loadavg)"
d=$1
while [ ! -d "$d" ]; do d=$(dirname -- "$d"); done
p disk.path "$d"
p disk "$(df -Pk -- "$d" | tail -n 1)"
[ -d "$1" ] && p stack.exists yes
if command -v docker >/dev/null 2>&1; then
  p docker.client "$(docker version --format '{{.Client.Version}}' 2>/dev/null)"
  if v=$(docker info --format '{{.ServerVersion}}' 2>&1); then
    p docker.access direct; p docker.server "$v"
  elif sudo -n docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; then
    p docker.access sudo
  else
    p docker.access none; p docker.error "$(printf '%s' "$v" | tail -n 1)"
  fi
  v=$(docker compose version --short 2>/dev/null) && p compose.v2 "$v"
fi
command -v docker-compose >/dev/null 2>&1 && p compose.v1 "$(docker-compose version --short 2>/dev/null)"
command -v restic >/dev/null 2>&1 && p restic "$(restic version 2>/dev/null | cut -d " " -f 2)"
sudo -n true 2>/dev/null && p sudo yes
p groups "$(id -nG)"
p user "$(id -un)"
awk '$4 == "0A" { print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | while read -r a; do p listen "${a##*:}"; done
"#;

/// The facts, by key. `listen` may repeat, so it is kept apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Facts {
    pub values: BTreeMap<String, String>,
    /// TCP ports something listens on.
    pub listening: Vec<u16>,
}

impl Facts {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.trim().parse().ok()
    }
}

pub fn gather(session: &dyn Remote, stack_dir: &str) -> Result<Facts> {
    let out = session.capture(&script(SCRIPT, &[stack_dir])?, MAX_OUTPUT)?;
    parse(&out.stdout_text())
}

/// Reads the script's output. Values lose the quotes os-release puts around them.
pub fn parse(text: &str) -> Result<Facts> {
    let mut facts = Facts::default();
    for (index, line) in text.lines().enumerate() {
        if index >= MAX_LINES {
            return Err(RemoteError::Protocol {
                reason: "the server's facts ran to too many lines".into(),
            });
        }
        let Some((key, value)) = line.split_once('\t') else {
            continue;
        };
        let value = value.trim().trim_matches('"').trim().to_string();
        if key == "listen" {
            if let Ok(port) = u16::from_str_radix(&value, 16) {
                facts.listening.push(port);
            }
        } else {
            facts.values.insert(key.to_string(), value);
        }
    }
    facts.listening.sort_unstable();
    facts.listening.dedup();
    Ok(facts)
}

/// Load, memory and disk, as numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct HostStats {
    pub cpus: Option<u64>,
    pub load_1m: Option<f64>,
    pub load_5m: Option<f64>,
    pub load_15m: Option<f64>,
    pub mem_total_kib: Option<u64>,
    pub mem_available_kib: Option<u64>,
    pub disk_path: Option<String>,
    pub disk_total_kib: Option<u64>,
    pub disk_available_kib: Option<u64>,
    pub disk_used_percent: Option<f64>,
}

impl HostStats {
    pub fn from_facts(facts: &Facts) -> HostStats {
        let load: Vec<f64> = facts
            .get("loadavg")
            .unwrap_or("")
            .split_whitespace()
            .take(3)
            .filter_map(|v| v.parse().ok())
            .collect();
        // `df -Pk`: filesystem, 1024-blocks, used, available, capacity, mounted on.
        let disk: Vec<&str> = facts.get("disk").unwrap_or("").split_whitespace().collect();
        let field = |i: usize| disk.get(i).and_then(|v| v.parse::<u64>().ok());
        let (total, used, available) = (field(1), field(2), field(3));
        HostStats {
            cpus: facts.number("cpus"),
            load_1m: load.first().copied(),
            load_5m: load.get(1).copied(),
            load_15m: load.get(2).copied(),
            mem_total_kib: facts.number("mem.MemTotal"),
            mem_available_kib: facts.number("mem.MemAvailable"),
            disk_path: facts.get("disk.path").map(str::to_string),
            disk_total_kib: total,
            disk_available_kib: available,
            // As `df` counts it: used / (used + available), which leaves out root's reserve.
            disk_used_percent: match (used, available) {
                (Some(u), Some(a)) if u + a > 0 => Some(u as f64 * 100.0 / (u + a) as f64),
                _ => None,
            },
        }
    }
}
