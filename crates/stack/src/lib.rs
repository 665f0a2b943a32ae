//! The production stack, as files.
//!
//! This crate's one job: turn a [`Stack`] (environment, domain, TLS mode, ports, the release's
//! images, limits and secrets) into the files a DeskMate server needs, and read the release
//! files that name those images. It is pure: no I/O, no clock, no randomness. Secrets are
//! made by the caller and passed in; files are written, uploaded and checked by others
//! (`deskmate-api`'s install, and the tests, which run every file through its real tool:
//! `docker-compose config`, `caddy validate`, `nginx -t`, `shellcheck`, `systemd-analyze verify`, `fail2ban-client -t`,
//! `logrotate -d`).
//!
//! - [`release`]: the release file (`good-1.json` and the like), bounded and checked.
//! - [`Stack::files`]: every file, with its path inside the stack folder (or on the host)
//!   and its mode: `compose.yaml` ([`compose`]), the proxy's `Caddyfile` ([`caddy`]) or
//!   nginx config and start script ([`nginx`]), the
//!   env files (secrets only there, 0600), and the host's unit, jail and logrotate files
//!   ([`host`]).
//! - [`backup::scripts`]: the backup and trial-restore scripts the server runs.
//! - [`script_lib`]: `bin/deskmate-lib`, what every server script sources: report lines,
//!   failures as `error<TAB>code<TAB>message`, the stack's paths and project, the lock.
//! - [`config`]: the settings an owner may change, checked, and their env-file lines.
//! - [`maintain`]: the housekeeping script and its weekly timer.
//! - [`watch`]: the watchdog script, its mail helper, its timer and its settings files.
//! - [`host::firewall`]: the UFW commands, as data.

pub mod backup;
pub mod caddy;
pub mod compose;
pub mod config;
mod error;
pub mod host;
pub mod maintain;
mod model;
pub mod nginx;
pub mod release;
pub mod watch;

pub use error::StackError;
pub use model::{
    DATA_VOLUMES, DataVolumes, Environment, File, Limits, ProxyKind, Secrets, Stack, Tls,
    check_domain, check_email, is_volume_name, project_name,
};
pub use release::{ImageRef, Release, Role};

/// Sourced by every server script (backup, verify, restore, offsite, maintain, watch):
/// `say KEY VALUE` report lines, `fail CODE MESSAGE` (one `error<TAB>code<TAB>message` line
/// on stderr, then exit 1), the stack's paths and project name, and the lock the backup
/// scripts and maintenance share.
pub const SCRIPT_LIB: &str = "bin/deskmate-lib";

/// `bin/deskmate-lib`, which [`backup::scripts`], [`maintain::scripts`] and
/// [`watch::scripts`] each carry, so whichever the app puts on a server finds it there.
pub fn script_lib() -> File {
    File {
        path: SCRIPT_LIB.to_string(),
        contents: include_str!("../scripts/deskmate-lib.sh").to_string(),
        mode: 0o644,
        secret: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whichever set of scripts the app puts on a server, the library they source comes
    /// with it, and every failure they end with goes through `fail` with a code.
    #[test]
    fn every_script_sources_the_library_it_is_shipped_with_and_fails_with_a_code() {
        let sets = [backup::scripts(), maintain::scripts(), watch::scripts()];
        let mut calls = 0;
        for set in &sets {
            assert!(set.iter().any(|f| f.path == SCRIPT_LIB));
            for file in set.iter().filter(|f| f.path.starts_with("bin/deskmate-")) {
                let text = &file.contents;
                let script = !file.path.contains('.') && !file.path.ends_with("-lib");
                let script = script
                    && !file.path.ends_with("-repository")
                    && !file.path.ends_with("-retention");
                if script {
                    assert!(
                        text.contains(". \"$stack/bin/deskmate-lib\""),
                        "{}",
                        file.path
                    );
                    assert!(
                        !text.contains("say() {"),
                        "{}: say is the library's",
                        file.path
                    );
                }
                for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
                    for (at, _) in line.match_indices("fail ") {
                        let before = line[..at].trim_end();
                        let command = before.is_empty()
                            || ["||", "&&", ")", "{", ";"]
                                .iter()
                                .any(|e| before.ends_with(e));
                        if !command || line[..at].ends_with("repository_") {
                            continue;
                        }
                        calls += 1;
                        let code = line[at + 5..].split(' ').next().unwrap().trim_matches('"');
                        let (area, name) = code.split_once('.').unwrap_or(("", ""));
                        let word = |w: &str| {
                            !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        };
                        assert!(
                            (word(area) || area == "$area") && word(name)
                                || code == "$disk_full_code"
                                || code == "$@",
                            "{}: `{line}` fails without a code",
                            file.path
                        );
                    }
                }
            }
        }
        assert!(calls > 40, "{calls} calls of fail");
    }
}
