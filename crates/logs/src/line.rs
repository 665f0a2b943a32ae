//! One log line, parsed.

use serde::Serialize;
use serde_json::Value;

/// Longer lines are cut here (a stack trace on one line, a dumped body).
pub const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "LogLevel")]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
}

impl Level {
    /// `debug`, `info`, `warn`/`warning`, `error`/`err`/`fatal`/`critical`/`panic`, in any case.
    pub fn parse(word: &str) -> Option<Level> {
        match word.to_ascii_lowercase().as_str() {
            "trace" | "debug" => Some(Level::Debug),
            "info" | "notice" | "log" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warning),
            "error" | "err" | "fatal" | "critical" | "crit" | "panic" | "alert" | "emerg" => {
                Some(Level::Error)
            }
            _ => None,
        }
    }
}

/// Which of the container's streams the line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "LogStream")]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LogLine {
    /// Docker's timestamp of the line (RFC 3339, UTC).
    pub time: String,
    pub service: String,
    pub stream: Stream,
    pub level: Level,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The line's JSON, when it was JSON (an access log line's status, duration, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(type = "Record<string, unknown> | undefined", optional)]
    pub json: Option<Value>,
}

/// A line as the server's log script prints it: `service<TAB>out|err<TAB>TIME TEXT`.
/// None for anything else.
pub fn parse_line(raw: &str) -> Option<LogLine> {
    let raw = cut(raw.trim_end_matches(['\r', '\n']), MAX_LINE);
    let mut parts = raw.splitn(3, '\t');
    let service = parts.next()?;
    let stream = match parts.next()? {
        "out" => Stream::Stdout,
        "err" => Stream::Stderr,
        _ => return None,
    };
    let rest = parts.next()?;
    let (time, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let plain_service = !service.is_empty()
        && service.len() <= 64
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !plain_service || !looks_like_time(time) {
        return None;
    }
    let mut line = LogLine {
        time: time.to_string(),
        service: service.to_string(),
        stream,
        level: guess_level(text, stream),
        message: text.to_string(),
        request_id: None,
        json: None,
    };
    if text.starts_with('{')
        && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text)
    {
        read_json(&mut line, Value::Object(map));
    }
    Some(line)
}

/// A JSON line's own fields: `level`/`levelname`/`severity`, `message`/`msg` (Caddy adds
/// the request's method, URI and status), a request id where there is one.
fn read_json(line: &mut LogLine, value: Value) {
    let text = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| value.get(*k).and_then(Value::as_str))
            .map(str::to_string)
    };
    if let Some(level) = text(&["level", "levelname", "severity"]).and_then(|l| Level::parse(&l)) {
        line.level = level;
    }
    if let Some(message) = text(&["message", "msg", "event"]) {
        line.message = message;
    }
    let request = value.get("request");
    if let (Some(request), Some(status)) = (request, value.get("status").and_then(Value::as_u64)) {
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let uri = request.get("uri").and_then(Value::as_str).unwrap_or("");
        line.message = format!("{} {method} {uri} {status}", line.message);
        if status >= 500 {
            line.level = line.level.max(Level::Error);
        }
    }
    line.request_id = text(&["request_id", "req_id", "requestId", "trace_id"]).or_else(|| {
        request?
            .get("headers")?
            .get("X-Request-Id")?
            .get(0)?
            .as_str()
            .map(str::to_string)
    });
    line.json = Some(value);
}

/// The level a plain text line says it is: its first level word written as a label
/// (`ERROR:`, `WARNING`, `[warn]`, `level=error`; not "error" in a sentence), a Python
/// traceback or a panic; else info (stderr: warning, since programs say what goes wrong
/// there).
fn guess_level(text: &str, stream: Stream) -> Level {
    let head = cut(text, 200);
    if head.starts_with("Traceback (most recent call last)") || head.contains("panicked at") {
        return Level::Error;
    }
    let labelled = |word: &str| {
        word.bytes().all(|b| b.is_ascii_uppercase())
            || head.contains(&format!("level={word}"))
            || head.contains(&format!("[{word}]"))
    };
    let found = head
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .take(12)
        .find_map(|w| Level::parse(w).filter(|_| labelled(w)));
    found.unwrap_or(match stream {
        Stream::Stdout => Level::Info,
        Stream::Stderr => Level::Warning,
    })
}

fn looks_like_time(time: &str) -> bool {
    time.len() >= 20
        && time.len() <= 40
        && time.as_bytes()[4] == b'-'
        && time.as_bytes()[10] == b'T'
        && time
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-:T.Z+".contains(&b))
}

/// `text` cut to at most `max` bytes, at a character boundary.
pub(crate) fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "2026-12-02T08:00:00.123456789Z";

    #[test]
    fn a_json_line_is_read_by_its_fields() {
        let line = parse_line(&format!(
            "backend\tout\t{T} {{\"time\": \"x\", \"level\": \"error\", \"message\": \"db down\", \"request_id\": \"r-1\"}}"
        ))
        .unwrap();
        assert_eq!(
            (line.service.as_str(), line.level),
            ("backend", Level::Error)
        );
        assert_eq!(line.message, "db down");
        assert_eq!(line.request_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn a_caddy_access_line_names_the_request_and_a_5xx_is_an_error() {
        let line = parse_line(&format!(
            "proxy\tout\t{T} {{\"level\":\"info\",\"logger\":\"http.log.access\",\"msg\":\"handled request\",\"request\":{{\"method\":\"GET\",\"uri\":\"/api/health\"}},\"duration\":0.002,\"status\":502}}"
        ))
        .unwrap();
        assert_eq!(line.message, "handled request GET /api/health 502");
        assert_eq!(line.level, Level::Error);
    }

    #[test]
    fn plain_text_gets_a_level_from_its_words() {
        let level = |text: &str, stream| {
            parse_line(&format!("postgres\t{stream}\t{T} {text}"))
                .unwrap()
                .level
        };
        assert_eq!(
            level(
                "2026-12-02 08:00:00 UTC [1] ERROR:  relation \"x\" does not exist",
                "err"
            ),
            Level::Error
        );
        assert_eq!(
            level(
                "2026-12-02 08:00:00 UTC [1] LOG:  checkpoint starting",
                "err"
            ),
            Level::Info
        );
        assert_eq!(
            level("Traceback (most recent call last):", "err"),
            Level::Error
        );
        assert_eq!(level("all is well, no error here", "out"), Level::Info);
        assert_eq!(level("something odd", "err"), Level::Warning);
    }

    #[test]
    fn other_lines_are_refused() {
        for bad in [
            "",
            "backend",
            "backend\tout",
            "backend\tnope\tx y",
            "back end\tout\t2026 x",
            "../x\tout\t2026-12-02T08:00:00Z x",
        ] {
            assert!(parse_line(bad).is_none(), "{bad:?}");
        }
    }
}
