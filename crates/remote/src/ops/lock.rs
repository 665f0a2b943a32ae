//! The server's deploy lock, `STACK/.lock/deploy`: one change at a time, from any computer
//! and from the server's own timers.
//!
//! Taken with one `mkdir` (atomic). Inside: `holder` (`epoch<TAB>who`, the shape the
//! watchdog reads), `action` (what the change is, in words), `owner` (`token<TAB>host<TAB>pid`).
//! The token is random per run: only the run that holds it lets the lock go, so a run that
//! finds someone else's lock never removes it. A lock whose holder is gone (the process died,
//! the laptop closed) stays until the owner clears it, after being told who held it, since
//! when and what for ([`clear`]).

use serde::Serialize;

use super::remote::Remote;
use crate::error::{RemoteError, Result};
use crate::exec::script;

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Holder {
    /// `user@computer`, or the server's timer.
    pub who: String,
    /// What the change is: "update to 1.2.0", "maintenance".
    pub action: String,
    /// How long ago it was taken.
    #[ts(type = "number")]
    pub seconds: u64,
    /// When it was taken, in Unix seconds by the server's clock (0 when the lock does not
    /// say): what tells this lock from one taken again since ([`clear_if`]).
    #[ts(type = "number")]
    pub taken: u64,
    /// The computer and process that took it, when it says.
    pub host: String,
    pub pid: u32,
}

impl Holder {
    /// Whether the holder is this computer's process that no longer runs: then the lock is
    /// certainly stale, not just old.
    pub fn gone_from_here(&self) -> bool {
        let here = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        !self.host.is_empty()
            && self.host == here
            && self.pid != 0
            && !std::path::Path::new(&format!("/proc/{}", self.pid)).exists()
    }

    /// "alice@laptop, for an update to 1.2.0, since 3 min ago".
    pub fn describe(&self) -> String {
        let action = if self.action.is_empty() {
            String::new()
        } else {
            format!(", for {}", self.action)
        };
        format!("{}{action}, since {} ago", self.who, ago(self.seconds))
    }
}

/// "14 s", "3 min", "5 h", "2 days": an age as the owner is told it.
pub fn ago(seconds: u64) -> String {
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7199 => format!("{} min", seconds / 60),
        7200..=172_799 => format!("{} h", seconds / 3600),
        _ => format!("{} days", seconds / 86_400),
    }
}

/// A new owner token: 64 random bits in hex.
pub fn token() -> String {
    let mut bytes = [0u8; 8];
    openssl::rand::rand_bytes(&mut bytes).expect("OpenSSL's random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const READ_HOLDER: &str = r#"now=$(date -u +%s); t=; who=; tok=; host=; pid=
IFS="$(printf '\t')" read -r t who < "$1/.lock/deploy/holder" 2>/dev/null
IFS="$(printf '\t')" read -r tok host pid < "$1/.lock/deploy/owner" 2>/dev/null
action=$(head -c 200 "$1/.lock/deploy/action" 2>/dev/null | tr -d '\t\n')
case $t in ''|*[!0-9]*) t=$now; taken=0 ;; *) taken=$t ;; esac
printf 'held\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(( now - t ))" "${who:-someone}" "$action" "$host" "${pid:-0}" "$taken""#;

/// Takes the lock for `token`, or says who holds it (`release.locked`). Taking it again with
/// the same token is a no-op, so a retried step is safe.
pub fn take(remote: &dyn Remote, dir: &str, token: &str, who: &str, action: &str) -> Result<()> {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let pid = std::process::id().to_string();
    let body = format!(
        r#"mkdir -p "$1/.lock" || exit 1
if mkdir "$1/.lock/deploy" 2>/dev/null; then
  {{ printf '%s\t%s\n' "$(date -u +%s)" "$3" > "$1/.lock/deploy/holder" &&
    printf '%s\n' "$4" > "$1/.lock/deploy/action" &&
    printf '%s\t%s\t%s\n' "$2" "$5" "$6" > "$1/.lock/deploy/owner"; }} ||
    {{ rm -rf -- "$1/.lock/deploy"; echo "could not write the deploy lock" >&2; exit 1; }}
  echo taken; exit 0
fi
[ -d "$1/.lock/deploy" ] || {{ echo "could not make the deploy lock in $1/.lock" >&2; exit 1; }}
IFS="$(printf '\t')" read -r tok rest < "$1/.lock/deploy/owner" 2>/dev/null
[ "$tok" = "$2" ] && {{ echo taken; exit 0; }}
{READ_HOLDER}"#
    );
    let out = remote.capture(
        &script(&body, &[dir, token, who, action, &host, &pid])?,
        4096,
    )?;
    if !out.exit.success() {
        return Err(RemoteError::RemoteFailed {
            what: "taking the deploy lock".into(),
            code: match out.exit {
                crate::Exit::Code(c) => c,
                crate::Exit::Signal(_) => -1,
            },
            detail: out.stderr_tail(),
        });
    }
    let text = out.stdout_text();
    if text.trim() == "taken" {
        return Ok(());
    }
    let holder = parse_holder(&text);
    Err(locked(holder.as_ref()))
}

/// The refusal when someone else holds the lock.
pub fn locked(holder: Option<&Holder>) -> RemoteError {
    let who = holder.map_or("someone".to_string(), Holder::describe);
    let stale = holder.is_some_and(Holder::gone_from_here);
    RemoteError::Refused {
        code: "release.locked",
        message: format!(
            "Another change is under way on this server (an install, update, restore, backup, publish, maintenance or settings change): {who}."
        ),
        detail: if stale {
            "That change was started on this computer by a program that is no longer running, so nothing is working on it now: clear the deploy lock (it asks first), then try again.".into()
        } else {
            "Wait for it to finish. If nothing is running any more (the app was closed midway), clear the deploy lock (it asks first).".into()
        },
    }
}

/// What letting go found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released {
    Released,
    /// There was no lock (someone cleared it).
    NotHeld,
    /// Another run holds it now; it was left alone.
    HeldByOther(Option<Holder>),
}

/// Lets go of the lock only if `token` holds it.
pub fn release(remote: &dyn Remote, dir: &str, token: &str) -> Result<Released> {
    let body = format!(
        r#"[ -d "$1/.lock/deploy" ] || {{ echo none; exit 0; }}
IFS="$(printf '\t')" read -r tok rest < "$1/.lock/deploy/owner" 2>/dev/null
if [ "$tok" = "$2" ]; then rm -rf -- "$1/.lock/deploy" || exit 1; echo released; exit 0; fi
{READ_HOLDER}"#
    );
    let out = remote.capture(&script(&body, &[dir, token])?, 4096)?;
    if !out.exit.success() {
        return Err(RemoteError::RemoteFailed {
            what: "letting go of the deploy lock".into(),
            code: 1,
            detail: out.stderr_tail(),
        });
    }
    let text = out.stdout_text();
    Ok(match text.trim() {
        "released" => Released::Released,
        "none" => Released::NotHeld,
        _ => Released::HeldByOther(parse_holder(&text)),
    })
}

/// The lock a run holds: let go by [`Held::release`], or, if the run panics, when dropped
/// (best effort), so a crash in a step never leaves the server locked while this process
/// still runs.
pub(crate) struct Held<'r> {
    remote: &'r dyn Remote,
    dir: &'r str,
    token: &'r str,
    released: bool,
}

impl<'r> Held<'r> {
    pub(crate) fn new(remote: &'r dyn Remote, dir: &'r str, token: &'r str) -> Self {
        Held {
            remote,
            dir,
            token,
            released: false,
        }
    }

    pub(crate) fn release(mut self) -> Result<Released> {
        self.released = true;
        release(self.remote, self.dir, self.token)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if !self.released {
            let _ = release(self.remote, self.dir, self.token);
        }
    }
}

/// Who holds the lock, if anyone. Reads only.
pub fn holder(remote: &dyn Remote, dir: &str) -> Result<Option<Holder>> {
    let body = format!("[ -d \"$1/.lock/deploy\" ] || exit 0\n{READ_HOLDER}");
    let out = remote.capture(&script(&body, &[dir])?, 4096)?;
    Ok(parse_holder(&out.stdout_text()))
}

/// Removes the lock whoever holds it: only after the owner was told who and agreed. True if
/// there was one.
pub fn clear(remote: &dyn Remote, dir: &str) -> Result<bool> {
    let out = remote.capture(
        &script(
            r#"[ -d "$1/.lock/deploy" ] || { echo none; exit 0; }; rm -rf -- "$1/.lock/deploy" && echo cleared"#,
            &[dir],
        )?,
        4096,
    )?;
    Ok(out.stdout_text().trim() == "cleared")
}

/// What clearing the lock an owner was shown found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleared {
    Cleared,
    /// There was no lock any more.
    NotHeld,
    /// Another lock is there now (cleared and taken again since): it was left alone.
    Other(Option<Holder>),
}

/// Removes the lock only if it is the one the owner was shown: taken at `taken` (Unix
/// seconds, as [`Holder::taken`] read it) by `who`. A lock cleared and taken again since is
/// someone's live change, so it is left alone and said. Only after the owner chose.
pub fn clear_if(remote: &dyn Remote, dir: &str, taken: u64, who: &str) -> Result<Cleared> {
    let body = format!(
        r#"[ -d "$1/.lock/deploy" ] || {{ echo none; exit 0; }}
t=; who=
IFS="$(printf '\t')" read -r t who < "$1/.lock/deploy/holder" 2>/dev/null
case $t in ''|*[!0-9]*) t=0 ;; esac
if [ "$t" = "$2" ] && [ "${{who:-someone}}" = "$3" ]; then
  rm -rf -- "$1/.lock/deploy" || exit 1; echo cleared; exit 0
fi
{READ_HOLDER}"#
    );
    let out = remote.capture(&script(&body, &[dir, &taken.to_string(), who])?, 4096)?;
    if !out.exit.success() {
        return Err(RemoteError::RemoteFailed {
            what: "clearing the deploy lock".into(),
            code: 1,
            detail: out.stderr_tail(),
        });
    }
    let text = out.stdout_text();
    Ok(match text.trim() {
        "cleared" => Cleared::Cleared,
        "none" => Cleared::NotHeld,
        _ => Cleared::Other(parse_holder(&text)),
    })
}

/// `held<TAB>seconds<TAB>who<TAB>action<TAB>host<TAB>pid<TAB>taken`. Bounded; anything else is
/// None.
pub fn parse_holder(text: &str) -> Option<Holder> {
    let line = text.lines().find(|l| l.starts_with("held\t"))?;
    if line.len() > 2048 {
        return None;
    }
    let mut f = line.split('\t').skip(1);
    let seconds = f.next()?.trim().parse().unwrap_or(0);
    let plain = |s: Option<&str>| -> String {
        s.unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect()
    };
    Some(Holder {
        seconds,
        who: plain(f.next()),
        action: plain(f.next()),
        host: plain(f.next()),
        pid: f.next().and_then(|p| p.trim().parse().ok()).unwrap_or(0),
        taken: f.next().and_then(|t| t.trim().parse().ok()).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_holder_reads_back_and_says_who_and_since_when() {
        let h =
            parse_holder("held\t185\talice@laptop\tupdate to 1.2.0\tlaptop\t4242\t1780000000\n")
                .unwrap();
        assert_eq!(h.who, "alice@laptop");
        assert_eq!(h.pid, 4242);
        assert_eq!(h.taken, 1_780_000_000);
        // An older reader's line, without the time it was taken.
        let older = parse_holder("held\t5\tbob\tupdate\thost\t1\n").unwrap();
        assert_eq!(older.taken, 0);
        assert_eq!(
            h.describe(),
            "alice@laptop, for update to 1.2.0, since 3 min ago"
        );
        assert!(parse_holder("taken\n").is_none());
    }

    #[test]
    fn a_dead_process_of_this_computer_is_gone() {
        let here = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        let mut h = Holder {
            who: "me".into(),
            action: String::new(),
            seconds: 5,
            host: here,
            pid: std::process::id(),
            taken: 0,
        };
        assert!(!h.gone_from_here(), "this very process runs");
        h.pid = u32::MAX - 1;
        assert_eq!(h.gone_from_here(), !h.host.is_empty());
        h.host = "elsewhere.invalid".into();
        assert!(
            !h.gone_from_here(),
            "another computer's process is not judged"
        );
    }

    proptest! {
        #[test]
        fn any_text_reads_or_is_none(text in "(?s).{0,3000}") {
            if let Some(h) = parse_holder(&text) {
                prop_assert!(h.who.len() <= 800 && h.action.len() <= 800);
            }
        }
    }
}
