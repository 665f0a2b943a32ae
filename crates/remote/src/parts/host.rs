//! The host around the stack, as root (or passwordless sudo): the boot unit, fail2ban's jail,
//! logrotate, system timers and the firewall.

use serde::Serialize;

use crate::cancel::Cancel;
use crate::error::Result;
use crate::ops::Remote;
use crate::transfer::Visibility;

use super::commands::run_script;
use super::spec::InstallSpec;
use super::stack_files::SpecFile;

/// The boot unit, jail, logrotate and firewall, when this account is root or may sudo
/// without a password. `systemctl` and `ufw` are the server's own.
pub(crate) fn host(session: &dyn Remote, spec: &InstallSpec) -> Result<(bool, String)> {
    let staging = format!("{}/releases/{}/host", spec.dir, spec.version);
    let Some((prefix, changed)) =
        install_system_files(session, &staging, &spec.host_root, &spec.host_files)?
    else {
        return Ok((
            false,
            "skipped: this account is not root and may not use sudo, so DeskMate will not start by itself after a reboot, the watchdog runs only when the app asks, and the firewall is unchanged. Run the install as root (or with sudo rights) to add them.".into(),
        ));
    };
    let mut steps = vec![
        format!("{prefix}systemctl daemon-reload"),
        format!("{prefix}systemctl enable \"$1\""),
    ];
    let mut args = vec![spec.unit.as_str()];
    for (i, timer) in spec.timers.iter().enumerate() {
        steps.push(format!("{prefix}systemctl enable --now \"${}\"", i + 2));
        args.push(timer);
    }
    for rule in &spec.firewall {
        let quoted: Vec<String> = rule
            .iter()
            .map(|a| crate::quote::quote(a))
            .collect::<std::result::Result<_, _>>()?;
        steps.push(format!("{prefix}ufw {}", quoted.join(" ")));
    }
    let body = format!("set -e\n{}\n", steps.join(" > /dev/null\n"));
    run_script(
        session,
        "enabling the boot unit and the firewall",
        &body,
        &args,
    )?;
    let watchdog = if spec.timers.is_empty() {
        ""
    } else {
        "; the watchdog runs every five minutes"
    };
    Ok((
        changed,
        format!(
            "{} enabled{watchdog}; firewall on (SSH rate-limited, HTTP, HTTPS)",
            spec.unit
        ),
    ))
}

/// What the server's firewall (ufw, which the install turns on) says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Firewall {
    On,
    Off,
    /// The server has no `ufw`.
    Missing,
    /// This account may not ask (not root, no sudo without a password).
    Unknown,
}

/// Asks `ufw status`, as root when this account may be root; reads nothing else.
pub fn firewall(session: &dyn Remote) -> Result<Firewall> {
    let out = run_script(
        session,
        "reading the firewall",
        "if ! command -v ufw >/dev/null 2>&1; then echo missing; \
         elif [ \"$(id -u)\" = 0 ]; then ufw status; \
         elif sudo -n true 2>/dev/null; then sudo -n ufw status; \
         else echo unknown; fi",
        &[],
    )?;
    let first = out.lines().next().unwrap_or("").trim();
    Ok(match first {
        "missing" => Firewall::Missing,
        "unknown" => Firewall::Unknown,
        "Status: active" => Firewall::On,
        _ => Firewall::Off,
    })
}

/// How this account runs commands as root: `""` as root, `"sudo -n "` with passwordless
/// sudo, None otherwise.
pub fn root_prefix(session: &dyn Remote) -> Result<Option<&'static str>> {
    let who = run_script(
        session,
        "checking for root",
        "if [ \"$(id -u)\" = 0 ]; then echo root; elif sudo -n true 2>/dev/null; then echo sudo; else echo none; fi",
        &[],
    )?;
    Ok(match who.trim() {
        "root" => Some(""),
        "sudo" => Some("sudo -n "),
        _ => None,
    })
}

/// Puts system files (absolute paths, under `host_root` in tests) in place as root: each is
/// staged in `staging` first and installed only when it differs. None when this account
/// cannot act as root; else the root prefix and whether any file changed.
pub fn install_system_files(
    session: &dyn Remote,
    staging: &str,
    host_root: &str,
    files: &[SpecFile],
) -> Result<Option<(&'static str, bool)>> {
    let Some(prefix) = root_prefix(session)? else {
        return Ok(None);
    };
    let mut changed = false;
    for file in files {
        let staged = format!("{staging}{}", file.path);
        if let Some(parent) = staged.rsplit_once('/').map(|(d, _)| d) {
            run_script(session, "making a folder", "mkdir -p -- \"$1\"", &[parent])?;
        }
        session.write_file(&file.contents, &staged, Visibility::Normal, &Cancel::new())?;
        let out = run_script(
            session,
            "installing a system file",
            &format!(
                "cmp -s \"$1\" \"$2\" && echo same || {{ {prefix}install -D -m 0644 \"$1\" \"$2\" && echo installed; }}"
            ),
            &[&staged, &format!("{host_root}{}", file.path)],
        )?;
        changed |= out.trim() == "installed";
    }
    Ok(Some((prefix, changed)))
}

/// System timers put in place (see [`install_system_files`]), then enabled and started.
/// False when this account cannot act as root.
pub fn install_timers(
    session: &dyn Remote,
    staging: &str,
    host_root: &str,
    units: &[SpecFile],
    timers: &[&str],
) -> Result<bool> {
    let Some((prefix, _)) = install_system_files(session, staging, host_root, units)? else {
        return Ok(false);
    };
    run_script(
        session,
        "enabling the timers",
        &format!("{prefix}systemctl daemon-reload && {prefix}systemctl enable --now \"$@\""),
        timers,
    )?;
    Ok(true)
}
