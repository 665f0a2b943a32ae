//! Backup times as the home page shows them, and their age. Pure.

/// `2026-12-03T07:10:00.123+00:00` as `2026-12-03 07:10 UTC`, to the minute; the offset
/// kept when it is not UTC. Anything else is shown as it came.
pub(super) fn short_time(time: &str) -> String {
    let Some((date, rest)) = time.split_once('T') else {
        return time.to_string();
    };
    let clock: String = rest.chars().take(5).collect();
    let offset = rest
        .find(['Z', '+', '-'])
        .map(|at| &rest[at..])
        .unwrap_or("");
    let zone = match offset {
        "" | "Z" | "+00:00" => "UTC",
        other => other,
    };
    format!("{date} {clock} {zone}")
}

/// Hours from an RFC 3339 time (restic's, with fractions and an offset) to `now`.
pub(super) fn age_hours(time: &str, now: i64) -> u64 {
    parse_rfc3339(time)
        .map(|t| (now - t).max(0) as u64 / 3600)
        .unwrap_or(0)
}

/// `2026-12-03T07:10:00.123456789+00:00` or `…Z` to Unix seconds; None when it is not one.
pub(in crate::servers) fn parse_rfc3339(text: &str) -> Option<i64> {
    let (date, rest) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let clock: String = rest.chars().take(8).collect();
    let mut c = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (c.next()??, c.next()??, c.next()??);
    let tail = &rest[8.min(rest.len())..];
    let tail = tail.trim_start_matches(|ch: char| ch == '.' || ch.is_ascii_digit());
    let offset = match tail {
        "" | "Z" => 0,
        _ => {
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            let mut o = tail[1..].split(':').map(|p| p.parse::<i64>().ok());
            sign * (o.next()?? * 3600 + o.next().flatten().unwrap_or(0) * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + min * 60 + s - offset)
}
