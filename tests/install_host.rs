//! The install's host step, as root: the boot unit, the sshd jail and logrotate are written
//! (into a folder of the test's own, never the test machine's `/etc`), and `systemctl` and
//! `ufw` are asked to enable the unit and the firewall. Both are the test sshd's recording
//! stand-ins, so the machine's own init system and firewall are never touched; the unit as
//! written passes `systemd-analyze verify`.

mod support;

use std::path::Path;

use deskmate_api::Cancel;
use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};

#[test]
fn as_root_the_install_enables_the_boot_unit_and_the_firewall() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let host_root = server.home().join("host-root");
    let servers = support::api_servers(data.path(), &server, "root", &stack);
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = free_port();
    options.host_root = host_root.to_string_lossy().into_owned();

    let report = servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    let host = report.steps.iter().find(|s| s.id == "host").unwrap();
    assert!(host.changed, "{host:?}");
    let unit_name = format!("{}.service", project.name);
    let unit = host_root.join("etc/systemd/system").join(&unit_name);
    for file in [
        unit.clone(),
        host_root.join("etc/fail2ban/jail.d/deskmate-sshd.conf"),
        host_root.join("etc/logrotate.d").join(&project.name),
    ] {
        assert!(file.is_file(), "{} was not installed", file.display());
    }
    let unit_text = std::fs::read_to_string(&unit).unwrap();
    assert!(
        unit_text.contains(&format!("WorkingDirectory={stack}/current")),
        "{unit_text}"
    );
    support::systemd_verify(&[&unit]);
    // Its command, run as the unit runs it at boot: where it runs, the stack comes up (here,
    // already up, it changes nothing).
    let field = |key: &str| {
        unit_text
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("{key} in {unit_text}"))
            .to_string()
    };
    let boot = std::process::Command::new("sh")
        .arg("-c")
        .arg(field("ExecStart="))
        .current_dir(field("WorkingDirectory="))
        .output()
        .unwrap();
    assert!(
        boot.status.success(),
        "{}",
        String::from_utf8_lossy(&boot.stderr)
    );

    assert_eq!(
        server.recorded("systemctl"),
        vec![
            "systemctl daemon-reload".to_string(),
            format!("systemctl enable {unit_name}"),
            format!("systemctl enable --now {}-watch.timer", project.name),
        ]
    );
    // The watchdog's timer and service, as systemd reads them.
    let watch = host_root
        .join("etc/systemd/system")
        .join(format!("{}-watch.service", project.name));
    support::systemd_verify(&[&watch, &watch.with_extension("timer")]);
    assert!(Path::new(&stack).join("bin/deskmate-watch").is_file());
    let ssh = format!("ufw limit {}/tcp", server.port);
    let http = format!("ufw allow {}/tcp", options.http_port);
    assert_eq!(
        server.recorded("ufw"),
        vec![
            "ufw default deny incoming",
            "ufw default allow outgoing",
            ssh.as_str(),
            http.as_str(),
            "ufw --force enable",
        ],
        "SSH is allowed before the firewall goes on"
    );

    // Again: the files are the same, so nothing changed.
    let again = servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert!(!again.changed, "{:?}", again.steps);
    assert!(Path::new(&stack).join("current").exists());
}
