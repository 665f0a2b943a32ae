//! Any bytes as what the server prints for the watchdog and maintenance: each check's last
//! word, the changes of level, the health samples, the incidents (audit log and restores,
//! split at the first `|`), the alert settings, the maintenance
//! steps, the stack's env files (owner settings read back and edited), and each line as
//! alert settings and a `config set` the owner typed: read or refused, never a panic;
//! what is read stays within its bounds, and no password key is ever read back.
#![no_main]

use deskmate_remote::maintain::parse_steps;
use deskmate_remote::watch::{
    MAX_EVENTS, MAX_INCIDENTS, MAX_SAMPLES, parse_checks, parse_events, parse_incidents,
    parse_samples, parse_settings,
};
use deskmate_stack::config;
use deskmate_stack::watch::AlertSettings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    assert!(parse_checks(text).len() <= 64);
    assert!(parse_events(text).len() <= MAX_EVENTS);
    for sample in parse_samples(text).iter().take(MAX_SAMPLES + 1) {
        assert!(sample.disk_pct.is_none_or(|p| p <= 100));
    }
    for (key, value) in parse_settings(text) {
        assert!(!key.contains("PASSWORD") && !value.contains('\n'));
    }
    assert!(parse_steps(text).len() <= 16);
    let (audit, recoveries) = text.split_once('|').unwrap_or((text, ""));
    assert!(parse_incidents(audit, recoveries).len() <= MAX_INCIDENTS);
    // An env file as the server has it: read back, and every owner setting it yields is one
    // a `set` would accept.
    assert!(config::parse_env(text).len() <= 256);
    for (key, value) in config::owner_settings(text) {
        assert!(config::check(&key, &value).is_ok());
        let edited = config::set_line(text, &key, &value);
        assert!(config::parse_env(&edited).iter().any(|(k, v)| *k == key && *v == value) || text.lines().count() >= 256);
    }
    for line in text.lines().take(16) {
        if let Some((key, value)) = line.split_once('=')
            && config::check(key, value).is_ok()
        {
            assert!(!value.contains(['\n', '\r', ' ']));
        }
        let settings = AlertSettings {
            email: line.to_string(),
            smtp_host: line.to_string(),
            smtp_port: 587,
            smtp_user: Some(line.to_string()),
            from: None,
        };
        if settings.check().is_ok() {
            assert!(!line.contains(['\n', '=', '$', '`', ' ', '"', '\'']));
        }
    }
});
