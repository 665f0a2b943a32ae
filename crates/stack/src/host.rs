//! The host's own files and firewall: the boot unit, the sshd jail, logrotate and UFW.

use crate::Stack;

/// The stack's host logs (the install's and later the watchdog's), rotated by logrotate.
pub const LOG_DIR: &str = "logs";
pub const FAIL2BAN_JAIL: &str = "/etc/fail2ban/jail.d/deskmate-sshd.conf";

/// `deskmate.service` (or `deskmate-staging.service`).
pub fn unit_name(stack: &Stack) -> String {
    format!("{}.service", stack.project())
}

pub fn unit_path(stack: &Stack) -> String {
    format!("/etc/systemd/system/{}", unit_name(stack))
}

/// Starts the stack at boot, after Docker. `up -d` is idempotent, so a boot with the stack
/// already running changes nothing. It runs in `current`, the serving release's folder,
/// where its compose file and `.env` are (the stack folder itself holds neither).
pub fn systemd_unit(stack: &Stack) -> String {
    let compose = stack.compose_command.join(" ");
    format!(
        "# DeskMate ({env}), written by DeskMate Studio.\n[Unit]\nDescription=DeskMate ({env}): the Docker Compose stack in {dir}\nDocumentation=https://github.com/YourBr0ther/deskmate\nRequires=docker.service\nAfter=docker.service network-online.target\nWants=network-online.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nWorkingDirectory={dir}/current\nExecStart={compose} up -d --remove-orphans\nExecStop={compose} stop\nTimeoutStartSec=600\nTimeoutStopSec=120\n\n[Install]\nWantedBy=multi-user.target\n",
        env = stack.environment.name(),
        dir = stack.dir,
    )
}

/// Bans an address after 5 failed SSH sign-ins in 10 minutes, for an hour. The app itself
/// reuses one connection, so it never trips this.
pub fn fail2ban_jail(stack: &Stack) -> String {
    format!(
        "# Written by DeskMate Studio.\n[sshd]\nenabled = true\nport = {}\nmaxretry = 5\nfindtime = 10m\nbantime = 1h\n",
        stack.ssh_port
    )
}

pub fn logrotate_path(stack: &Stack) -> String {
    format!("/etc/logrotate.d/{}", stack.project())
}

pub fn logrotate(stack: &Stack) -> String {
    format!(
        "# Written by DeskMate Studio. Container logs are bounded by Docker's own limits.\n{dir}/{LOG_DIR}/*.log {{\n\tweekly\n\trotate 8\n\tmaxsize 20M\n\tcompress\n\tdelaycompress\n\tmissingok\n\tnotifempty\n\tcopytruncate\n}}\n",
        dir = stack.dir
    )
}

/// The UFW commands, in order: deny incoming, allow SSH rate-limited, HTTP and HTTPS, then
/// enable. Each is idempotent in UFW itself. SSH is allowed before the firewall is turned
/// on, so the session that runs them is never cut off.
pub fn firewall(stack: &Stack) -> Vec<Vec<String>> {
    let mut commands = vec![
        vec!["default".into(), "deny".into(), "incoming".into()],
        vec!["default".into(), "allow".into(), "outgoing".into()],
        vec!["limit".into(), format!("{}/tcp", stack.ssh_port)],
        vec!["allow".into(), format!("{}/tcp", stack.http_port)],
    ];
    if stack.serves_https() {
        commands.push(vec!["allow".into(), format!("{}/tcp", stack.https_port)]);
    }
    commands.push(vec!["--force".into(), "enable".into()]);
    commands
}
