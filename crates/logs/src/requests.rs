//! Request figures from the proxy's JSON access log (Caddy's `http.log.access` lines).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::line::LogLine;
use crate::patterns::normalise;

/// At most this many route groups; the rest count as `other`.
pub const MAX_ROUTES: usize = 50;

/// One route group over the period the lines cover.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RouteStats {
    /// The path's first two segments, ids taken out: `/api/memories`, `/api/health`, `/`.
    pub route: String,
    #[ts(type = "number")]
    pub requests: u64,
    /// Requests per minute over the period.
    pub per_minute: f64,
    /// The share of 5xx answers, 0 to 1.
    pub error_rate: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// The figures per route group (busiest first), for access-log lines over `minutes`.
pub fn request_stats<'a>(
    lines: impl IntoIterator<Item = &'a LogLine>,
    minutes: f64,
) -> Vec<RouteStats> {
    let mut routes: BTreeMap<String, (u64, Vec<f64>)> = BTreeMap::new();
    for (uri, status, duration) in lines.into_iter().filter_map(access) {
        let mut route = route_of(&uri);
        if !routes.contains_key(&route) && routes.len() >= MAX_ROUTES {
            route = "other".into();
        }
        let entry = routes.entry(route).or_default();
        if status >= 500 {
            entry.0 += 1;
        }
        entry.1.push(duration * 1000.0);
    }
    let minutes = minutes.max(1.0 / 60.0);
    let mut out: Vec<RouteStats> = routes
        .into_iter()
        .map(|(route, (errors, mut times))| {
            times.sort_by(f64::total_cmp);
            let n = times.len() as u64;
            RouteStats {
                route,
                requests: n,
                per_minute: n as f64 / minutes,
                error_rate: errors as f64 / n as f64,
                p50_ms: percentile(&times, 0.50),
                p95_ms: percentile(&times, 0.95),
            }
        })
        .collect();
    out.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.route.cmp(&b.route)));
    out
}

/// `(uri, status, seconds)` of an access-log line: Caddy's (`http.log.access`, with
/// `request.uri` and `duration`), or the nginx proxy's `json` format (`uri`, `status`,
/// `seconds`: see `deskmate-stack`'s nginx.conf).
fn access(line: &LogLine) -> Option<(String, u64, f64)> {
    let json = line.json.as_ref()?;
    let seconds = |v: &Value| v.as_f64().filter(|d| d.is_finite() && *d >= 0.0);
    if let Some(logger) = json.get("logger").and_then(Value::as_str) {
        // `http.log.access`, or `http.log.access.log0` when the site's log has a name.
        if logger != "http.log.access" && !logger.starts_with("http.log.access.") {
            return None;
        }
        let uri = json.get("request")?.get("uri")?.as_str()?.to_string();
        let status = json.get("status")?.as_u64()?;
        return Some((uri, status, seconds(json.get("duration")?)?));
    }
    json.get("method")?.as_str()?;
    let uri = json.get("uri")?.as_str()?.to_string();
    let status = json.get("status")?.as_u64()?;
    Some((uri, status, seconds(json.get("seconds")?)?))
}

fn route_of(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or("/");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).take(2).collect();
    if segments.is_empty() {
        return "/".into();
    }
    format!("/{}", normalise(&segments.join("/")))
}

/// The nearest-rank percentile of sorted values (0 for none).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::parse_line;

    fn access_line(uri: &str, status: u16, seconds: f64) -> LogLine {
        parse_line(&format!(
            "proxy\tout\t2026-12-02T08:00:00Z {{\"level\":\"info\",\"logger\":\"http.log.access\",\"msg\":\"handled request\",\"request\":{{\"method\":\"GET\",\"uri\":\"{uri}\"}},\"duration\":{seconds},\"status\":{status}}}"
        ))
        .unwrap()
    }

    #[test]
    fn routes_get_counts_rates_and_percentiles() {
        let mut lines: Vec<LogLine> = (1..=100)
            .map(|i| access_line(&format!("/api/memories/{i}?x=1"), 200, i as f64 / 1000.0))
            .collect();
        lines.extend((0..10).map(|_| access_line("/api/health", 502, 0.5)));
        lines.push(access_line("/", 200, 0.001));
        // The nginx proxy's access line counts the same.
        lines.push(
            parse_line(r#"proxy	out	2026-12-02T08:00:00Z {"time":"2026-12-02T08:00:00+00:00","remote":"172.18.0.1","method":"GET","uri":"/api/memories/7","status":200,"bytes":12,"seconds":0.101,"agent":"curl"}"#)
                .unwrap(),
        );
        lines.push(parse_line("backend\tout\t2026-12-02T08:00:00Z not an access line").unwrap());
        let stats = request_stats(&lines, 10.0);
        assert_eq!(stats.len(), 3);
        let memories = &stats[0];
        assert_eq!(
            (memories.route.as_str(), memories.requests),
            ("/api/memories", 101)
        );
        assert_eq!(memories.per_minute, 10.1);
        assert_eq!((memories.p50_ms, memories.p95_ms), (51.0, 96.0));
        assert_eq!(memories.error_rate, 0.0);
        assert_eq!(
            (stats[1].route.as_str(), stats[1].error_rate),
            ("/api/health", 1.0)
        );
    }
}
