//! A persona's check through the backend: it lists the card in the persona's folder and
//! finds every expression file, as DeskMate's own reader does.

use crate::error::Result;
use crate::ops::Remote;
use crate::parts::commands::refuse;
use crate::parts::spec::ProxyProbe;

/// The check's words for the report, or `publish.check_failed` saying what is missing.
pub(super) fn persona(
    remote: &dyn Remote,
    probe: &ProxyProbe,
    stem: &str,
    card_name: &str,
    expressions: usize,
) -> Result<String> {
    let get = |path: &str| -> Result<serde_json::Value> {
        let (status, body) = remote
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

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn a_name_becomes_one_path_segment() {
        assert_eq!(percent("Aria Lumen"), "Aria%20Lumen");
        assert_eq!(percent("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(percent("Zoë"), "Zo%C3%AB");
    }
}
