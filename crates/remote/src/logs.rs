//! The stack's container logs, streamed over the SSH connection (no port opened).
//!
//! Compose's `logs` merges each container's stdout and stderr into one stream; the script
//! here reads the same logs with `docker logs --timestamps` per container of the project,
//! twice, once per stream, so each line comes tagged `service<TAB>out|err<TAB>`, then Docker's
//! timestamp and the line (the format `deskmate-logs` parses). The script's own errors go to
//! the SSH stderr, kept apart. `--follow` streams until cancelled; a cancel ends the whole
//! command on the server.

use crate::cancel::Cancel;
use crate::error::{RemoteError, Result};
use crate::exec::script;
use crate::ops::Remote;
use crate::parts::commands::{refuse, run_script};
use crate::pump::Stream;

/// Which lines, as `docker logs` takes them.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only these compose services (all when empty).
    pub services: Vec<String>,
    /// `docker logs --since`: a duration (`1h`, `30m`) or an RFC 3339 time.
    pub since: Option<String>,
    pub until: Option<String>,
    /// The last lines of each container first (all of the period when None).
    pub tail: Option<u32>,
    pub follow: bool,
}

/// A `--since`/`--until` value Docker takes: `90s`, `1h`, `2h30m`, `2026-12-02T08:00:00Z`.
pub fn check_time(value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":.+-".contains(&b))
        && value.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "logs.bad_time",
            format!("'{}' is not a time or a duration", value.escape_debug()),
            "Give a duration such as 30m, 1h or 2h30m, or a time such as 2026-12-02T08:00:00Z.",
        ))
    }
}

fn check_service(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(refuse(
            "logs.bad_service",
            format!("'{}' is not a service name", name.escape_debug()),
            "The stack's services are postgres, qdrant, backend, frontend and proxy.",
        ))
    }
}

/// Streams the project's log lines to `on_line`, one whole line at a time, as they come.
pub fn stream(
    session: &dyn Remote,
    project: &str,
    query: &LogQuery,
    on_line: &mut dyn FnMut(&str),
    cancel: &Cancel,
) -> Result<()> {
    for service in &query.services {
        check_service(service)?;
    }
    for time in [&query.since, &query.until].into_iter().flatten() {
        check_time(time)?;
    }
    let tail = query.tail.map(|n| n.to_string()).unwrap_or_default();
    let follow = if query.follow { "yes" } else { "" };
    let services = query.services.join(" ");
    let args = [
        project,
        query.since.as_deref().unwrap_or(""),
        query.until.as_deref().unwrap_or(""),
        &tail,
        follow,
        &services,
    ];
    let body = r#"t=$(printf '\t')
opts=--timestamps
[ -n "$2" ] && opts="$opts --since $2"
[ -n "$3" ] && opts="$opts --until $3"
[ -n "$4" ] && opts="$opts --tail $4"
[ -n "$5" ] && opts="$opts --follow"
found=
for c in $(docker ps -a -q --filter "label=com.docker.compose.project=$1"); do
    s=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' "$c") || continue
    if [ -n "$6" ]; then case " $6 " in *" $s "*) ;; *) continue ;; esac; fi
    found=yes
    # $opts holds only checked words (times, a number, flags): split on purpose.
    # shellcheck disable=SC2086
    (docker logs $opts "$c" 2> /dev/null | sed -u "s/^/$s${t}out$t/") &
    # shellcheck disable=SC2086
    (docker logs $opts "$c" 2>&1 > /dev/null | sed -u "s/^/$s${t}err$t/") &
done
[ -n "$found" ] || { echo "no container of this stack is there" >&2; exit 3; }
wait"#;
    let mut pending: Vec<u8> = Vec::new();
    let mut stderr: Vec<u8> = Vec::new();
    let exit = session.exec(
        &script(body, &args)?,
        None,
        &mut |stream, bytes| {
            match stream {
                Stream::Stdout => {
                    pending.extend_from_slice(bytes);
                    while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = pending.drain(..=end).collect();
                        on_line(&String::from_utf8_lossy(&line[..end]));
                    }
                    // A line with no end in sight is cut, not kept growing.
                    if pending.len() > 1 << 20 {
                        on_line(&String::from_utf8_lossy(&pending));
                        pending.clear();
                    }
                }
                Stream::Stderr if stderr.len() < 64 * 1024 => stderr.extend_from_slice(bytes),
                Stream::Stderr => {}
            }
            Ok(())
        },
        cancel,
    )?;
    if !pending.is_empty() {
        on_line(&String::from_utf8_lossy(&pending));
    }
    if !exit.success() {
        return Err(RemoteError::Refused {
            code: "logs.failed",
            message: "The server could not read the stack's logs.".into(),
            detail: String::from_utf8_lossy(&stderr).trim().to_string(),
        });
    }
    Ok(())
}

/// The space each container's log takes on the server, `(service, bytes)`; a container
/// whose log could not be measured is left out. Docker keeps the logs in its own folder,
/// which only root reads: they are measured as root, or from inside a throwaway container
/// of the container's own image (the docker group may do that, and it is all it can do).
pub fn space(session: &dyn Remote, project: &str) -> Result<Vec<(String, u64)>> {
    let out = run_script(
        session,
        "measuring the logs",
        r#"for c in $(docker ps -a -q --filter "label=com.docker.compose.project=$1"); do
    s=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.service"}}' "$c")
    p=$(docker inspect --format '{{.LogPath}}' "$c")
    [ -n "$p" ] || continue
    d=$(dirname -- "$p"); f=$(basename -- "$p")
    n=$(stat -c %s -- "$p" 2> /dev/null ||
        docker run --rm --user 0 --network none --entrypoint stat -v "$d:/l:ro" "$(docker inspect --format '{{.Image}}' "$c")" -c %s "/l/$f" 2> /dev/null) || continue
    printf '%s\t%s\n' "$s" "$n"
done"#,
        &[project],
    )?;
    Ok(parse_space(&out))
}

/// `service<TAB>bytes` lines, summed per service; others skipped.
pub fn parse_space(text: &str) -> Vec<(String, u64)> {
    let mut sums: std::collections::BTreeMap<String, u64> = Default::default();
    for line in text.lines() {
        if let Some((service, bytes)) = line.split_once('\t')
            && check_service(service).is_ok()
            && let Ok(bytes) = bytes.trim().parse::<u64>()
        {
            *sums.entry(service.to_string()).or_default() += bytes;
        }
    }
    sums.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_services_are_checked_before_they_reach_a_command() {
        for ok in [
            "1h",
            "30m",
            "2h30m",
            "2026-12-02T08:00:00Z",
            "2026-12-02T08:00:00+01:00",
        ] {
            check_time(ok).unwrap();
        }
        for bad in ["", "-1h", "1h; rm -rf /", "$(x)", "1 h", "h1"] {
            assert!(check_time(bad).is_err(), "{bad}");
        }
        check_service("backend").unwrap();
        assert!(check_service("back end").is_err() && check_service("$x").is_err());
    }

    #[test]
    fn log_space_is_summed_per_service() {
        let read =
            parse_space("backend\t100\nbackend\t50\nproxy\t7\nnonsense\n../x\t9\nqdrant\tx\n");
        assert_eq!(
            read,
            [("backend".to_string(), 150), ("proxy".to_string(), 7)]
        );
    }
}
