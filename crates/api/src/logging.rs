//! The app's log: JSON lines in `logs/` under the data folder, a new file each day, two
//! weeks kept.
//!
//! No secret is ever logged: the remote crate logs hosts, users, fingerprints and command
//! lines, and command lines never carry secrets (they travel on stdin or in the keychain).
//! The canary test in `tests/server_secrets.rs` checks that.

use tracing_subscriber::filter::LevelFilter;

use crate::DataDir;

/// `DESKMATE_LOG=debug|info|warn|error|off` sets the level; info by default.
pub const LOG_LEVEL_ENV: &str = "DESKMATE_LOG";
const KEEP_FILES: usize = 14;

/// Starts logging to the data folder. A second call, or a folder that cannot be written,
/// leaves logging off rather than stopping the app.
pub fn init(data: &DataDir) {
    let level = std::env::var(LOG_LEVEL_ENV)
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    // The appender lists the folder to prune old files as it starts, and says so on stderr
    // when the folder is not there yet, which a first run must not show.
    if std::fs::create_dir_all(data.logs()).is_err() {
        return;
    }
    let Ok(appender) = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("deskmate")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(data.logs())
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_writer(appender)
        .with_ansi(false)
        .try_init();
}
