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
