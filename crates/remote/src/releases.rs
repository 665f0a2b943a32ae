//! The releases kept on the server (`releases/<version>/`), and which of them have served
//! healthily.
//!
//! A release has served when its install's proxy check passed, or when an update's watch
//! passed (it served its watch window healthily). Both record it with [`mark_served`] in
//! `state/served.tsv`, one `version<TAB>time` line per release. A file beside the releases
//! rather than a marker in each release folder, because a folder's time orders the list
//! and the pruning (`ls -t`), and a marker written later would move its release. A line of
//! a pruned release stays; it is one short line per update, and a release deployed again
//! under the same version is the same release.
//!
//! A server installed before this record was kept has no file: the release `current` points
//! at is listed as served (it serves now; the listing always counts it), and the first
//! update that passes its watch there records the release it replaced as well.

use serde::Serialize;

use crate::error::Result;
use crate::ops::Remote;
use crate::parts::commands::run_script;

/// Where the releases that served are recorded, under the stack folder.
pub const SERVED: &str = "state/served.tsv";

/// Lines of the listing read at most.
const MAX_LINES: usize = 1000;

/// One release folder on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ReleaseEntry {
    pub version: String,
    /// Where it came from, as its release file says.
    pub source: String,
    /// When its folder was written (RFC 3339, UTC).
    pub time: String,
    pub current: bool,
    /// It has served healthily on this server (or serves now): its install's proxy check,
    /// or an update's watch, passed. A release that never did is never offered as the way
    /// back.
    pub served: bool,
}

/// The releases on the server, newest first.
pub fn releases(session: &dyn Remote, dir: &str) -> Result<Vec<ReleaseEntry>> {
    let out = run_script(
        session,
        "listing the releases",
        r#"cd "$1/releases" 2>/dev/null || exit 0
cur=$(readlink "$1/current" 2>/dev/null); cur=${cur#releases/}
ls -1t | while IFS= read -r v; do
  src=$(sed -n 's/.*"source"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$v/release.json" 2>/dev/null | head -n 1)
  served=no
  if [ "$v" = "$cur" ] || cut -f1 "$1/$2" 2>/dev/null | grep -qxF -- "$v"; then served=yes; fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$v" "$(date -u -r "$v" +%Y-%m-%dT%H:%M:%SZ)" "$([ "$v" = "$cur" ] && echo yes || echo no)" "$served" "$src"
done"#,
        &[dir, SERVED],
    )?;
    Ok(parse_releases(&out))
}

/// The release listing's lines: `version, time, current, served, source`, tab-separated.
/// Bounded; malformed lines are skipped.
pub fn parse_releases(text: &str) -> Vec<ReleaseEntry> {
    text.lines()
        .take(MAX_LINES)
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let version = parts.next()?.to_string();
            let time = parts.next()?.to_string();
            let current = parts.next()? == "yes";
            let served = match parts.next()? {
                "yes" => true,
                "no" => false,
                _ => return None,
            };
            let source = parts.next().unwrap_or("").chars().take(200).collect();
            (!version.is_empty() && version.len() <= 128).then_some(ReleaseEntry {
                version,
                source,
                time,
                current,
                served,
            })
        })
        .collect()
}

/// Records that `version` has served healthily; with `previous` (the release an update
/// replaced), that one too if the server keeps no record yet (installed before the record
/// was kept: it was serving). Idempotent. A failure is logged, never returned: the install
/// or update it follows has succeeded.
pub fn mark_served(session: &dyn Remote, dir: &str, version: &str, previous: Option<&str>) {
    let recorded = run_script(
        session,
        "recording the release that served",
        r#"mkdir -p "$1/state" || exit 1
f="$1/$2"
line() { printf '%s\t%s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; }
if [ ! -e "$f" ] && [ -n "$4" ]; then line "$4" >> "$f" || exit 1; fi
cut -f1 "$f" 2>/dev/null | grep -qxF -- "$3" || line "$3" >> "$f""#,
        &[dir, SERVED, version, previous.unwrap_or("")],
    );
    if let Err(err) = recorded {
        tracing::warn!(%dir, %version, error = %err, "could not record the release as served");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_release_listing_marks_the_current_and_the_served_ones_and_skips_broken_lines() {
        let list = parse_releases(
            "1.2.0-broken\t2026-12-03T05:00:00Z\tno\tno\tthe test bed\n\
             1.1.0\t2026-12-02T05:00:00Z\tyes\tyes\tthe test bed\n\
             1.0.0\t2026-12-01T05:00:00Z\tno\tyes\t\n\
             broken\n\
             0.9.0\t2026-11-01T05:00:00Z\tno\tmaybe\tthe test bed\n\
             0.8.0\t2026-10-01T05:00:00Z\tno\n",
        );
        let versions: Vec<&str> = list.iter().map(|r| r.version.as_str()).collect();
        assert_eq!(versions, ["1.2.0-broken", "1.1.0", "1.0.0"]);
        assert!(!list[0].current && !list[0].served);
        assert!(list[1].current && list[1].served);
        assert!(!list[2].current && list[2].served);
        assert_eq!(list[0].source, "the test bed");
        assert_eq!(list[2].source, "");
    }

    #[test]
    fn a_listing_from_before_the_served_column_reads_as_nothing_rather_than_wrongly() {
        // `version, time, current, source`: the source is no yes/no, so the line is skipped.
        assert!(parse_releases("1.0.0\t2026-12-01T05:00:00Z\tyes\tthe test bed\n").is_empty());
    }

    proptest! {
        #[test]
        fn any_listing_reads_without_panic_and_bounded(text in "[ -~\t\n]{0,600}") {
            let list = parse_releases(&text);
            prop_assert!(list.len() <= MAX_LINES);
            prop_assert!(list.iter().all(|r| !r.version.is_empty() && r.version.len() <= 128));
            prop_assert!(list.iter().all(|r| r.source.chars().count() <= 200));
        }

        #[test]
        fn every_well_formed_line_reads_back_as_written(
            rows in proptest::collection::vec(
                ("[0-9a-z.+-]{1,40}", any::<bool>(), any::<bool>(), "[ -~]{0,60}"),
                0..20,
            )
        ) {
            let text: String = rows
                .iter()
                .map(|(v, current, served, source)| {
                    let yn = |b: &bool| if *b { "yes" } else { "no" };
                    format!("{v}\t2026-12-01T05:00:00Z\t{}\t{}\t{source}\n", yn(current), yn(served))
                })
                .collect();
            let list = parse_releases(&text);
            prop_assert_eq!(list.len(), rows.len());
            for (entry, (v, current, served, source)) in list.iter().zip(&rows) {
                prop_assert_eq!(&entry.version, v);
                prop_assert_eq!(entry.current, *current);
                prop_assert_eq!(entry.served, *served);
                prop_assert_eq!(&entry.source, source);
            }
        }
    }
}
