//! The server's watchdog: `bin/deskmate-watch` (one round of checks, e-mail on a change of
//! state) and `bin/deskmate-mail.py` (the SMTP client it sends with), the timer that runs
//! it every five minutes, and its settings files. The script itself says what it checks
//! and when it writes; this module gives the app its files and the names it reads back.

use crate::{File, StackError, check_domain, check_email};

pub const WATCH_SCRIPT: &str = "bin/deskmate-watch";
pub const MAIL_HELPER: &str = "bin/deskmate-mail.py";
/// The owner's alert settings (no secrets), written only by the app's alert settings.
pub const WATCH_ENV: &str = "shared/watch.env";
/// What the install knows of the site (domain, HTTPS), rewritten by every install.
pub const SITE_ENV: &str = "shared/site.env";
/// The SMTP password, 0600, read by the mail helper only.
pub const SMTP_PASSWORD: &str = "shared/env/smtp.password";
/// `check<TAB>level<TAB>since (epoch)<TAB>message<TAB>fix`, one line per check, rewritten
/// each round.
pub const CURRENT: &str = "state/watch/current.tsv";
/// `time<TAB>check<TAB>from<TAB>to<TAB>message`, one line per change of level.
pub const EVENTS_LOG: &str = "logs/watch-events.tsv";
/// `time<TAB>overall<TAB>response ms<TAB>disk % used<TAB>memory % used`, one line a round.
pub const HEALTH_LOG: &str = "logs/health.tsv";

/// The script, its mail helper and the library it sources ([`crate::script_lib`]), with
/// their paths in the stack folder.
pub fn scripts() -> Vec<File> {
    let file = |path: &str, contents: &str| File {
        path: path.to_string(),
        contents: contents.to_string(),
        mode: 0o644,
        secret: false,
    };
    vec![
        file(WATCH_SCRIPT, include_str!("../scripts/deskmate-watch.sh")),
        file(MAIL_HELPER, include_str!("../scripts/deskmate-mail.py")),
        crate::script_lib(),
    ]
}

/// `<project>-watch.service` and `<project>-watch.timer`: a round two minutes after boot
/// and every five minutes after the last, as `user` (the account the app signs in with,
/// in the docker group), so the state files stay the app's to read and trim.
pub fn timer_units(dir: &str, project: &str, user: &str) -> Vec<File> {
    let unit = |name: &str, contents: String| File {
        path: format!("/etc/systemd/system/{project}-{name}"),
        contents,
        mode: 0o644,
        secret: false,
    };
    vec![
        unit(
            "watch.service",
            format!(
                "# Written by DeskMate Studio: one round of the watchdog's checks of {dir}.\n[Unit]\nDescription=DeskMate watchdog ({project})\nAfter=network-online.target docker.service\n\n[Service]\nType=oneshot\nUser={user}\nExecStart=/bin/bash {dir}/{WATCH_SCRIPT} {dir}\nNice=5\nTimeoutStartSec=120\n"
            ),
        ),
        unit(
            "watch.timer",
            format!(
                "# Written by DeskMate Studio.\n[Unit]\nDescription=DeskMate watchdog every five minutes ({project})\n\n[Timer]\nOnBootSec=2min\nOnUnitActiveSec=5min\nAccuracySec=30s\n\n[Install]\nWantedBy=timers.target\n"
            ),
        ),
    ]
}

/// The timer's name, for `systemctl enable --now`.
pub fn timer_name(project: &str) -> String {
    format!("{project}-watch.timer")
}

/// Where alert e-mails go and how they are sent. The password travels apart, as a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    pub email: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: Option<String>,
    /// The sender; `deskmate@<server's name>` when not given.
    pub from: Option<String>,
}

impl AlertSettings {
    /// Each value is checked against a narrow alphabet: they are written as `KEY=VALUE`
    /// lines, which the script reads with `sed` (never sources), but they also reach SMTP.
    pub fn check(&self) -> Result<(), StackError> {
        check_email(&self.email)?;
        if let Some(from) = &self.from {
            check_email(from)?;
        }
        check_domain(&self.smtp_host).map_err(|_| StackError::BadSetting {
            key: "smtp host".into(),
            reason: format!(
                "`{}` is not a host name like smtp.example.org or 127.0.0.1",
                self.smtp_host
                    .chars()
                    .take(80)
                    .collect::<String>()
                    .escape_debug()
            ),
        })?;
        if self.smtp_port == 0 {
            return Err(StackError::BadSetting {
                key: "smtp port".into(),
                reason: "the port must be 1 to 65535 (587 or 465 for most providers)".into(),
            });
        }
        if let Some(user) = &self.smtp_user {
            let ok = !user.is_empty()
                && user.len() <= 254
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+-@".contains(c));
            if !ok {
                return Err(StackError::BadSetting {
                    key: "smtp user".into(),
                    reason: "an SMTP user name has letters, digits and . _ + - @ only".into(),
                });
            }
        }
        Ok(())
    }
}

/// `shared/watch.env`: the alert settings, or none (no e-mail; the watchdog still records).
/// `server` is the server's name in the app, for the e-mails' subjects.
pub fn watch_env(server: &str, alerts: Option<&AlertSettings>) -> String {
    let server: String = server
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    let mut text = format!(
        "# Written by DeskMate Studio: where the watchdog's e-mails go. No secrets here.\nSERVER_NAME={server}\n"
    );
    if let Some(a) = alerts {
        text += &format!(
            "ALERT_EMAIL={}\nSMTP_HOST={}\nSMTP_PORT={}\nSMTP_USER={}\nSMTP_FROM={}\n",
            a.email,
            a.smtp_host,
            a.smtp_port,
            a.smtp_user.as_deref().unwrap_or(""),
            a.from.as_deref().unwrap_or("")
        );
    }
    text
}

/// `shared/site.env`: the domain the stack answers on (`localhost` for HTTPS with no
/// domain, as the proxy's own certificate names it) and its TLS mode (`acme`, `internal`
/// or `none`): only a public (ACME) certificate's days are watched, since the proxy's
/// internal one lives for hours and renews itself. The ports are the proxy's, which it
/// listens on inside its container too.
pub fn site_env(domain: Option<&str>, tls: &str, http_port: u16, https_port: u16) -> String {
    let https = tls != "none";
    format!(
        "# Written by DeskMate Studio's install: what the watchdog asks the proxy for.\nDOMAIN={}\nTLS={tls}\nHTTP_PORT={http_port}\nHTTPS_PORT={https_port}\n",
        domain.unwrap_or(if https { "localhost" } else { "" }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AlertSettings {
        AlertSettings {
            email: "owner@example.org".into(),
            smtp_host: "smtp.example.org".into(),
            smtp_port: 587,
            smtp_user: Some("owner@example.org".into()),
            from: None,
        }
    }

    #[test]
    fn settings_with_a_newline_or_a_dollar_are_refused() {
        assert!(settings().check().is_ok());
        for bad in ["owner@example.org\nSMTP_HOST=evil", "$(reboot)@example.org"] {
            let mut s = settings();
            s.email = bad.into();
            assert!(s.check().is_err(), "{bad:?}");
        }
        let mut s = settings();
        s.smtp_user = Some("me\nALERT_EMAIL=x@y.z".into());
        assert!(s.check().is_err());
        let mut s = settings();
        s.smtp_host = "smtp example".into();
        assert!(s.check().is_err());
    }

    #[test]
    fn the_env_file_holds_the_settings_and_no_password_key() {
        let text = watch_env("home\nX=1", Some(&settings()));
        assert!(text.contains("SERVER_NAME=homeX1\n"));
        assert!(text.contains("SMTP_PORT=587\n"));
        assert!(!text.to_lowercase().contains("password"));
        assert!(!watch_env("home", None).contains("ALERT_EMAIL"));
    }
}
