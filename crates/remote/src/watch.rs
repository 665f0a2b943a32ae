//! The server's watchdog, from the app's side: run a round now, send a test e-mail, and
//! read back what it keeps (`deskmate-stack::watch` names the files): each check's level,
//! the changes of level, and the health samples the app charts.
//!
//! Every reader here takes text from the server, so each is bounded (lines kept, line
//! length) and skips what it cannot read instead of failing the whole report.

use serde::Serialize;

use crate::error::Result;
use crate::exec::script;
use crate::ops::Remote;

/// The longest line any reader keeps; longer ones are skipped.
pub const MAX_LINE: usize = 2048;
/// The changes of level a status carries (the newest).
pub const MAX_EVENTS: usize = 500;
/// Health samples a status carries: a week at one round every five minutes.
pub const MAX_SAMPLES: usize = 7 * 24 * 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum WatchLevel {
    Ok,
    Warn,
    Fail,
}

impl WatchLevel {
    fn parse(text: &str) -> Option<WatchLevel> {
        match text {
            "ok" => Some(WatchLevel::Ok),
            "warn" => Some(WatchLevel::Warn),
            "fail" => Some(WatchLevel::Fail),
            _ => None,
        }
    }
}

/// What one check said in the last round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WatchCheck {
    pub id: String,
    pub level: WatchLevel,
    /// Since when (Unix seconds) it has said this.
    #[ts(type = "number")]
    pub since: u64,
    pub message: String,
    /// What to do, when it is not ok.
    pub fix: String,
}

/// One change of a check's level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WatchEvent {
    /// `2026-12-02T10:00:00Z`.
    pub time: String,
    pub check: String,
    /// None for a check's first round.
    pub from: Option<WatchLevel>,
    pub to: WatchLevel,
    pub message: String,
}

/// One round's figures.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HealthSample {
    pub time: String,
    pub overall: WatchLevel,
    pub response_ms: Option<u32>,
    pub disk_pct: Option<u8>,
    pub memory_pct: Option<u8>,
}

/// Something the owner (or the app) did to the server, for the chart: an install or update
/// that switched releases, a rollback, a restore, a maintenance run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Incident {
    pub time: String,
    /// `install`, `update`, `rollback`, `restore` or `maintain`.
    pub kind: String,
    pub detail: String,
}

/// The newest incidents a status carries.
pub const MAX_INCIDENTS: usize = 200;

/// From the audit log (`TIME USER WHAT …`: the steps that switched releases, rollbacks,
/// maintenance runs) and `backups/recoveries.tsv` (`time<TAB>snapshot<TAB>from<TAB>s`),
/// in time order, the newest [`MAX_INCIDENTS`].
pub fn parse_incidents(audit: &str, recoveries: &str) -> Vec<Incident> {
    use crate::ops::audit::{self, StepOutcome};
    let mut all: Vec<Incident> = audit::parse(audit)
        .into_iter()
        .filter(|line| is_time(&line.time))
        .filter_map(|line| {
            let switched =
                line.step == "switch" && line.changed && line.outcome == StepOutcome::Done;
            let maintained = line.operation == "maintain"
                && ((line.step == "maintain" && line.outcome == StepOutcome::Done)
                    // Older lines: `maintain freed=N failed=N`.
                    || (line.outcome == StepOutcome::Note && line.detail.starts_with("freed=")));
            let detail = match line.operation.as_str() {
                "install" | "update" | "rollback" if switched => {
                    format!("{} {}", line.environment, line.subject)
                }
                "maintain" if maintained => line.detail,
                _ => return None,
            };
            Some(Incident {
                time: line.time,
                kind: line.operation,
                detail: detail.chars().take(200).collect(),
            })
        })
        .collect();
    all.extend(lines(recoveries).filter_map(|line| {
        let mut f = line.split('\t');
        let time = f.next().filter(|t| is_time(t))?;
        let snapshot = f.next().filter(|s| s.len() <= 64)?;
        Some(Incident {
            time: time.to_string(),
            kind: "restore".into(),
            detail: format!("backup {snapshot}"),
        })
    }));
    all.sort_by(|a, b| a.time.cmp(&b.time));
    let cut = all.len().saturating_sub(MAX_INCIDENTS);
    all.split_off(cut)
}

/// What the watchdog keeps, read in one command.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WatchState {
    pub checks: Vec<WatchCheck>,
    pub events: Vec<WatchEvent>,
    pub samples: Vec<HealthSample>,
    pub incidents: Vec<Incident>,
    /// `shared/watch.env`'s settings (never a secret): `ALERT_EMAIL`, `SMTP_HOST`, ….
    pub settings: Vec<(String, String)>,
    /// Whether the SMTP password file is there.
    pub has_password: bool,
}

fn lines(text: &str) -> impl DoubleEndedIterator<Item = &str> {
    text.lines().filter(|l| l.len() <= MAX_LINE)
}

fn is_time(text: &str) -> bool {
    text.len() == 20
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-:TZ".contains(&b))
}

/// `check<TAB>level<TAB>since<TAB>message<TAB>fix` lines.
pub fn parse_checks(text: &str) -> Vec<WatchCheck> {
    lines(text)
        .filter_map(|line| {
            let mut f = line.split('\t');
            let id = f.next()?;
            let level = WatchLevel::parse(f.next()?)?;
            let since = f.next()?.parse().ok()?;
            let message = f.next().unwrap_or("");
            let fix = f.next().unwrap_or("");
            (!id.is_empty() && id.len() <= 32).then(|| WatchCheck {
                id: id.to_string(),
                level,
                since,
                message: message.to_string(),
                fix: fix.to_string(),
            })
        })
        .take(64)
        .collect()
}

/// `time<TAB>check<TAB>from<TAB>to<TAB>message` lines; the newest [`MAX_EVENTS`], oldest first.
pub fn parse_events(text: &str) -> Vec<WatchEvent> {
    let mut events: Vec<WatchEvent> = lines(text)
        .rev()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let time = f.next().filter(|t| is_time(t))?;
            let check = f.next().filter(|c| !c.is_empty() && c.len() <= 32)?;
            let from = f.next()?;
            let to = WatchLevel::parse(f.next()?)?;
            Some(WatchEvent {
                time: time.to_string(),
                check: check.to_string(),
                from: WatchLevel::parse(from),
                to,
                message: f.next().unwrap_or("").to_string(),
            })
        })
        .take(MAX_EVENTS)
        .collect();
    events.reverse();
    events
}

/// `time<TAB>overall<TAB>ms<TAB>disk%<TAB>memory%` lines; the newest [`MAX_SAMPLES`].
pub fn parse_samples(text: &str) -> Vec<HealthSample> {
    let mut samples: Vec<HealthSample> = lines(text)
        .rev()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let time = f.next().filter(|t| is_time(t))?;
            let overall = WatchLevel::parse(f.next()?)?;
            let pct = |v: Option<&str>| v.and_then(|v| v.parse::<u8>().ok()).filter(|p| *p <= 100);
            Some(HealthSample {
                time: time.to_string(),
                overall,
                response_ms: f.next().and_then(|v| v.parse().ok()),
                disk_pct: pct(f.next()),
                memory_pct: pct(f.next()),
            })
        })
        .take(MAX_SAMPLES)
        .collect();
    samples.reverse();
    samples
}

/// `KEY=VALUE` lines of known keys only.
pub fn parse_settings(text: &str) -> Vec<(String, String)> {
    const KEYS: [&str; 6] = [
        "SERVER_NAME",
        "ALERT_EMAIL",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USER",
        "SMTP_FROM",
    ];
    lines(text)
        .filter_map(|l| l.split_once('='))
        .filter(|(k, v)| KEYS.contains(k) && !v.is_empty() && v.len() <= 254)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The four files in one command, each behind a marker line.
pub fn read(session: &dyn Remote, dir: &str) -> Result<WatchState> {
    let body = "cd \"$1\" || exit 0
for f in state/watch/current.tsv shared/watch.env; do printf '\\n--- %s\\n' \"$f\"; cat \"$f\" 2>/dev/null; done
printf '\\n--- logs/watch-events.tsv\\n'; tail -n 500 logs/watch-events.tsv 2>/dev/null
printf '\\n--- logs/health.tsv\\n'; tail -n 2016 logs/health.tsv 2>/dev/null
printf '\\n--- log/audit.log\\n'; tail -n 2000 log/audit.log 2>/dev/null
printf '\\n--- backups/recoveries.tsv\\n'; tail -n 200 backups/recoveries.tsv 2>/dev/null
printf '\\n--- password\\n'; [ -s shared/env/smtp.password ] && echo yes
true";
    let out = session.capture(&script(body, &[dir])?, 4 << 20)?;
    let text = out.stdout_text();
    let part = |name: &str| -> &str {
        let marker = format!("--- {name}\n");
        text.split_once(&marker)
            .map(|(_, rest)| rest.split("\n--- ").next().unwrap_or(""))
            .unwrap_or("")
    };
    Ok(WatchState {
        checks: parse_checks(part("state/watch/current.tsv")),
        events: parse_events(part("logs/watch-events.tsv")),
        samples: parse_samples(part("logs/health.tsv")),
        incidents: parse_incidents(part("log/audit.log"), part("backups/recoveries.tsv")),
        settings: parse_settings(part("shared/watch.env")),
        has_password: part("password").trim() == "yes",
    })
}

/// One round of the watchdog now, as its timer would run it. The checks are recorded
/// whatever happens to the e-mail; Some(why) when an alert e-mail could not be sent.
pub(crate) fn round(session: &dyn Remote, dir: &str) -> Result<Option<String>> {
    let out = session.capture(
        &script("exec bash \"$1/bin/deskmate-watch\" \"$1\"", &[dir])?,
        1 << 20,
    )?;
    if out.exit.success() {
        return Ok(None);
    }
    crate::script_failures::watch_round(&out.stderr_text())
}

/// A test e-mail from the server, through the same helper and settings the watchdog uses.
pub fn send_test(session: &dyn Remote, dir: &str) -> Result<()> {
    let out = session.capture(
        &script("exec bash \"$1/bin/deskmate-watch\" \"$1\" --test", &[dir])?,
        1 << 20,
    )?;
    if !out.exit.success() {
        return Err(crate::script_failures::watch_test(&out.stderr_text()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_round_whose_mail_failed_after_other_words_is_told_as_a_failed_mail_not_a_failed_round() {
        // The mail helper's own words come first on stderr; the script's error line last.
        let fake = crate::ops::fake::RecordingFake::new();
        fake.on(
            "deskmate-watch",
            crate::ops::fake::Reply::fail(
                1,
                "deskmate-mail: could not send through 127.0.0.1:9: [Errno 111] Connection refused\nerror\talerts.mail_failed\tthe alert e-mail to a@b.c could not be sent; the next round tries again\n",
            ),
        );
        let said = round(&fake, "/opt/deskmate").expect("the round itself finished");
        assert!(said.unwrap().contains("could not be sent"));
    }

    #[test]
    fn a_round_s_files_read_back() {
        let checks = parse_checks(
            "containers\tfail\t1764669600\tnot running as it should: backend (exited)\topen the logs\nhealth\tok\t1764669000\tthe backend answers in 12 ms\t\n",
        );
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].level, WatchLevel::Fail);
        assert_eq!(checks[1].fix, "");
        let events = parse_events(
            "2026-12-02T10:00:00Z\tcontainers\tnew\tok\tevery service is running\n2026-12-02T10:05:00Z\tcontainers\tok\tfail\tnot running\n",
        );
        assert_eq!(events[0].from, None);
        assert_eq!(events[1].from, Some(WatchLevel::Ok));
        let samples = parse_samples(
            "2026-12-02T10:00:00Z\tok\t12\t41\t30\n2026-12-02T10:05:00Z\tfail\t\t41\t30\n",
        );
        assert_eq!(samples[0].response_ms, Some(12));
        assert_eq!(samples[1].response_ms, None);
        let incidents = parse_incidents(
            "2026-12-02T10:00:00Z root install production 1.0.0 step=files changed=true wrote 9\n2026-12-02T10:01:00Z root install production 1.0.0 step=switch changed=true current\n2026-12-03T10:00:00Z root update production 1.1.0 step=switch changed=true old stopped\n2026-12-03T11:00:00Z root alerts on email=a@b.org\n",
            "2026-12-02T12:00:00Z\tabcdef12\t-\t30\n",
        );
        let kinds: Vec<&str> = incidents.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["install", "restore", "update"]);
        assert_eq!(incidents[2].detail, "production 1.1.0");
        // The engine's lines read the same way, a maintenance run among them.
        let incidents = parse_incidents(
            "2026-12-04T10:00:00Z root update production 1.2.0 run=- step=switch outcome=done changed=true now 1.2.0\n2026-12-04T10:01:00Z root update production 1.2.0 run=- step=switch outcome=undone changed=true back\n2026-12-05T04:45:00Z root maintain production - run=ab12 step=maintain outcome=done changed=true freed 5 bytes\n",
            "",
        );
        let kinds: Vec<&str> = incidents.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(kinds, ["update", "maintain"]);
        assert_eq!(incidents[1].detail, "freed 5 bytes");
        let settings = parse_settings("# c\nALERT_EMAIL=a@b.org\nSMTP_PASSWORD=x\nSMTP_USER=\n");
        assert_eq!(settings, vec![("ALERT_EMAIL".into(), "a@b.org".into())]);
    }

    proptest! {
        #[test]
        fn the_readers_never_panic_and_stay_bounded(text in "(?s).{0,4000}") {
            prop_assert!(parse_checks(&text).len() <= 64);
            prop_assert!(parse_events(&text).len() <= MAX_EVENTS);
            prop_assert!(parse_samples(&text).len() <= MAX_SAMPLES);
            prop_assert!(parse_incidents(&text, &text).len() <= MAX_INCIDENTS);
            for (k, _) in parse_settings(&text) {
                prop_assert!(!k.contains("PASSWORD"));
            }
        }

        #[test]
        fn only_the_newest_events_are_kept(n in 0usize..1200) {
            let text: String = (0..n)
                .map(|i| format!("2026-12-02T10:00:00Z\tc{i}\tok\tfail\tm\n"))
                .collect();
            let events = parse_events(&text);
            prop_assert_eq!(events.len(), n.min(MAX_EVENTS));
            if n > 0 {
                let last = format!("c{}", n - 1);
                prop_assert_eq!(&events.last().unwrap().check, &last);
            }
        }
    }
}
