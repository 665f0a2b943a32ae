//! Errors grouped into patterns: what a message says once the parts that change from one
//! occurrence to the next are taken out.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::line::{Level, LogLine, cut};

/// At most this many groups are kept; further new patterns are counted in `dropped`.
pub const MAX_GROUPS: usize = 1000;

/// One fault, however often it happened.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ErrorGroup {
    /// The message with `<n>` (numbers and short hex ids), `<id>` (UUIDs), `<hash>`,
    /// `<path>`, `<str>`, `<ip>` and `<time>` where the changing parts were.
    pub pattern: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub services: BTreeSet<String>,
    /// The first line that had it, whole.
    pub example: LogLine,
}

/// The message with its changing parts replaced, so two occurrences of one fault read the
/// same: quoted values, addresses, times, paths, UUIDs and long hex ids, then any number.
pub fn normalise(message: &str) -> String {
    let message = cut(message, 2048);
    let mut out = String::with_capacity(message.len());
    let bytes = message.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &message[i..];
        let c = rest.chars().next().expect("i is a char boundary");
        // A quoted value: '…', "…" or `…` up to the same quote on the same line.
        if matches!(c, '\'' | '"' | '`')
            && let Some(end) = rest[1..].find(c).filter(|e| *e <= 256)
        {
            out.push_str("<str>");
            i += end + 2;
            continue;
        }
        // A path: a `/` starting a run of path characters with at least two segments.
        if c == '/' && (i == 0 || !is_word(bytes[i - 1])) {
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || b"/._-~%".contains(b))
                .count();
            if rest[..len].matches('/').count() >= 2 && len > 2 {
                out.push_str("<path>");
                i += len;
                continue;
            }
        }
        if is_word(bytes[i]) && (i == 0 || !is_word(bytes[i - 1])) {
            let len = rest
                .bytes()
                .take_while(|b| is_word(*b) || b"-.:".contains(b))
                .count();
            let token = rest[..len].trim_end_matches(['.', ':', '-']);
            if let Some(kind) = kind_of(token) {
                out.push_str(kind);
                i += token.len();
                continue;
            }
            // A word: copied, with any digits in it as <n> (worker-3 → worker-<n>).
            let word_len = rest.bytes().take_while(|b| is_word(*b)).count();
            push_word(&mut out, &rest[..word_len]);
            i += word_len;
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// What a token is, when it is a value that changes: an IP address (with a port), a time
/// or date, a UUID, a hex id or hash, a number.
fn kind_of(token: &str) -> Option<&'static str> {
    let all = |f: fn(u8) -> bool| !token.is_empty() && token.bytes().all(f);
    let digits_and = |extra: &[u8]| {
        all(|b| b.is_ascii_digit() || b".:-TZ".contains(&b))
            && token
                .bytes()
                .all(|b| b.is_ascii_digit() || extra.contains(&b))
    };
    if token.split('.').count() == 4 && digits_and(b".:") {
        return Some("<ip>");
    }
    if token.len() >= 8
        && token.bytes().filter(|b| b.is_ascii_digit()).count() >= 6
        && (token.contains(':') || token.matches('-').count() == 2)
        && digits_and(b".:-TZ")
    {
        return Some("<time>");
    }
    if token.len() == 36
        && token.matches('-').count() == 4
        && all(|b| b.is_ascii_hexdigit() || b == b'-')
    {
        return Some("<id>");
    }
    // Hex ids and plain numbers are one kind: a hex id may happen to hold only digits.
    if token.len() >= 8
        && all(|b| b.is_ascii_hexdigit())
        && token.bytes().any(|b| b.is_ascii_digit())
    {
        return Some(if token.len() >= 32 { "<hash>" } else { "<n>" });
    }
    if all(|b| b.is_ascii_digit() || b == b'.') && token.bytes().any(|b| b.is_ascii_digit()) {
        return Some("<n>");
    }
    None
}

fn push_word(out: &mut String, word: &str) {
    let mut in_number = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push_str("<n>");
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
}

/// The error lines (level error) of `lines`, one group per pattern, the most frequent first
/// (then the most recent); and how many lines fell beyond [`MAX_GROUPS`] patterns.
pub fn group_errors<'a>(lines: impl IntoIterator<Item = &'a LogLine>) -> (Vec<ErrorGroup>, u64) {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<ErrorGroup> = Vec::new();
    let mut dropped = 0;
    for line in lines.into_iter().filter(|l| l.level == Level::Error) {
        let pattern = normalise(&line.message);
        match index.get(&pattern) {
            Some(&at) => {
                let group = &mut groups[at];
                group.count += 1;
                if line.time < group.first_seen {
                    group.first_seen = line.time.clone();
                }
                if line.time > group.last_seen {
                    group.last_seen = line.time.clone();
                }
                if !group.services.contains(&line.service) {
                    group.services.insert(line.service.clone());
                }
            }
            None if groups.len() < MAX_GROUPS => {
                index.insert(pattern.clone(), groups.len());
                groups.push(ErrorGroup {
                    pattern,
                    count: 1,
                    first_seen: line.time.clone(),
                    last_seen: line.time.clone(),
                    services: BTreeSet::from([line.service.clone()]),
                    example: line.clone(),
                });
            }
            None => dropped += 1,
        }
    }
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_seen.cmp(&a.last_seen)));
    (groups, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::parse_line;
    use proptest::prelude::*;

    #[test]
    fn the_changing_parts_are_taken_out() {
        let cases = [
            (
                "connection to 10.0.0.7:5432 failed after 3 tries",
                "connection to <ip> failed after <n> tries",
            ),
            (
                "user 'bob' not found in /var/lib/deskmate/users.json",
                "user <str> not found in <path>",
            ),
            (
                "request 3f2a9c1e-1b2c-4d5e-8f90-1234567890ab took 12.5 ms",
                "request <id> took <n> ms",
            ),
            (
                "snapshot e8be1834fccd6671ee8645fce3f0f88f95241a40 missing",
                "snapshot <hash> missing",
            ),
            (
                "worker-3 crashed at 2026-12-02T08:00:01Z",
                "worker-<n> crashed at <time>",
            ),
            ("GET /api/memories/42 502", "GET <path> <n>"),
        ];
        for (message, pattern) in cases {
            assert_eq!(normalise(message), pattern, "{message}");
        }
    }

    fn error(service: &str, time: &str, message: &str) -> LogLine {
        parse_line(&format!("{service}\terr\t{time} ERROR: {message}")).unwrap()
    }

    #[test]
    fn five_hundred_of_one_fault_are_one_group_with_counts_times_and_services() {
        let mut lines = Vec::new();
        for i in 0..500 {
            let service = if i % 2 == 0 { "backend" } else { "worker" };
            lines.push(error(
                service,
                &format!("2026-12-02T08:{:02}:{:02}Z", i / 60, i % 60),
                &format!("query {i} failed: relation \"t{i}\" does not exist"),
            ));
        }
        lines.push(error("postgres", "2026-12-02T09:00:00Z", "out of memory"));
        lines.push(parse_line("backend\tout\t2026-12-02T09:00:00Z all fine").unwrap());
        let (groups, dropped) = group_errors(&lines);
        assert_eq!((groups.len(), dropped), (2, 0));
        let big = &groups[0];
        assert_eq!(big.count, 500);
        assert_eq!(
            big.pattern,
            "ERROR: query <n> failed: relation <str> does not exist"
        );
        assert_eq!(
            (big.first_seen.as_str(), big.last_seen.as_str()),
            ("2026-12-02T08:00:00Z", "2026-12-02T08:08:19Z")
        );
        assert_eq!(
            big.services.iter().collect::<Vec<_>>(),
            ["backend", "worker"]
        );
        assert!(big.example.message.contains("query 0 failed"));
    }

    proptest! {
        /// One fault is one pattern, whatever the numbers, ids and addresses in it.
        #[test]
        fn one_fault_is_one_pattern_whatever_its_numbers(
            a in 0u64..1_000_000_000, b in 0u64..1_000_000_000,
            ip in (0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255, 1u16..65535),
            hex in "[0-9a-f]{40}",
        ) {
            let say = |n: u64, ip: String, hash: &str| format!(
                "task {n} on {ip} failed: snapshot {hash} ({n} bytes) at /srv/data/{n}/x.db"
            );
            let ip_text = format!("{}.{}.{}.{}:{}", ip.0, ip.1, ip.2, ip.3, ip.4);
            let other = "1234567890abcdef1234567890abcdef12345678";
            prop_assert_eq!(normalise(&say(a, ip_text.clone(), &hex)), normalise(&say(b, "127.0.0.1:80".into(), other)));
        }

        #[test]
        fn any_text_normalises_without_panic_and_bounded(text in "\\PC{0,300}") {
            let out = normalise(&text);
            prop_assert!(out.len() <= text.len() * 6 + 8);
        }
    }
}
