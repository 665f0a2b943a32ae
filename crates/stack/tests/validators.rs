//! Every generated file goes through the real tool that will read it on a server:
//! `docker-compose config`, `caddy validate`, `nginx -t`, `shellcheck`, `systemd-analyze
//! verify`, `fail2ban-client --test` and `logrotate -d` (all installed by `cargo xtask
//! setup`).

mod common;

use std::path::Path;
use std::process::Command;

use common::{file, nginx_stack, stack, write};
use deskmate_stack::{Tls, host};

fn run(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (run `cargo xtask setup`)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{program} {args:?} refused it:\n{text}"
    );
    text
}

/// Any real certificate will do as a CA to trust, for validation.
fn test_root_pem() -> String {
    let pem = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt").unwrap();
    pem.split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap()
        .to_string()
}

fn all_tls_modes() -> Vec<(Tls, Option<&'static str>)> {
    vec![
        (
            Tls::Acme {
                ca: None,
                ca_root_pem: None,
            },
            Some("deskmate.example.org"),
        ),
        (
            Tls::Acme {
                ca: Some("https://127.0.0.1:14000/dir".into()),
                ca_root_pem: Some(test_root_pem()),
            },
            Some("deskmate.example.org"),
        ),
        (Tls::Internal, Some("deskmate.example.org")),
        (Tls::Internal, None),
        (Tls::None, None),
    ]
}

#[test]
fn compose_file_is_what_docker_compose_reads_and_keeps_secrets_out() {
    for (tls, domain) in all_tls_modes() {
        let dir = tempfile::tempdir().unwrap();
        let mut stack = stack(tls, domain);
        stack.dir = dir.path().to_string_lossy().into_owned();
        let files = stack.files().unwrap();
        write(&files, dir.path());
        let config = run(
            "docker-compose",
            &["config"],
            &dir.path().join("releases/1.0.0"),
        );
        // Compose resolved the project, the health gates and the limits as written.
        for expected in [
            "condition: service_healthy",
            "restart: unless-stopped",
            "internal: true",
            "max-size: 10m",
            "no-new-privileges:true",
        ] {
            assert!(
                config.contains(expected),
                "{expected} missing in:\n{config}"
            );
        }
        let compose = &file(&files, "releases/1.0.0/compose.yaml").contents;
        for secret in ["Pg0123", "Sk0123", "Jw0123"] {
            assert!(!compose.contains(secret), "a secret is in compose.yaml");
            assert!(
                !file(&files, "releases/1.0.0/.env")
                    .contents
                    .contains(secret)
            );
        }
        assert!(
            file(&files, "shared/env/backend.env")
                .contents
                .contains("Pg0123")
        );
        assert_eq!(file(&files, "shared/env/backend.env").mode, 0o600);
        assert_eq!(file(&files, "shared/env/postgres.env").mode, 0o600);
        // Only the proxy publishes; HTTPS only when it serves HTTPS.
        let published = config.matches("published").count();
        let expected = if stack.serves_https() { 2 } else { 1 };
        assert_eq!(published, expected, "{config}");
    }
}

#[test]
fn caddyfile_validates_in_every_tls_mode() {
    for (tls, domain) in all_tls_modes() {
        let dir = tempfile::tempdir().unwrap();
        let stack = stack(tls, domain);
        let files = stack.files().unwrap();
        write(&files, dir.path());
        // In the proxy container the release's proxy folder is /etc/caddy; here it is this.
        let proxy = dir.path().join("releases/1.0.0/proxy");
        let text = std::fs::read_to_string(proxy.join("Caddyfile")).unwrap();
        let here = proxy.join("Caddyfile.here");
        std::fs::write(
            &here,
            text.replace("/etc/caddy/", &format!("{}/", proxy.display())),
        )
        .unwrap();
        run(
            "caddy",
            &[
                "validate",
                "--config",
                &here.to_string_lossy(),
                "--adapter",
                "caddyfile",
            ],
            dir.path(),
        );
        let caddyfile = &file(&files, "releases/1.0.0/proxy/Caddyfile").contents;
        assert!(caddyfile.contains("handle_path /api/*"));
        assert_eq!(
            caddyfile.contains("Strict-Transport-Security"),
            stack.serves_https(),
            "HSTS only over HTTPS"
        );
    }
}

#[test]
fn nginx_config_passes_nginx_t_in_every_tls_mode() {
    for (tls, domain) in all_tls_modes() {
        let dir = tempfile::tempdir().unwrap();
        let stack = nginx_stack(tls, domain);
        let files = stack.files().unwrap();
        write(&files, dir.path());
        // In the container nginx writes under /tmp/nginx and reads certificates from the
        // /data volume; here both are folders of this test, as start.sh would fill them.
        let proxy = dir.path().join("releases/1.0.0/proxy");
        let tmp = dir.path().join("tmp-nginx");
        let data = dir.path().join("data");
        let here = |text: &str| {
            text.replace("/tmp/nginx", &tmp.to_string_lossy())
                .replace("/data/", &format!("{}/", data.display()))
        };
        std::fs::create_dir_all(tmp.join("enabled")).unwrap();
        std::fs::create_dir_all(data.join("tls")).unwrap();
        let conf = proxy.join("nginx.conf.here");
        std::fs::write(
            &conf,
            here(&std::fs::read_to_string(proxy.join("nginx.conf")).unwrap()),
        )
        .unwrap();
        if stack.serves_https() {
            // What start.sh does once it has a certificate: a stand-in one, and https.conf.
            let tls = data.join("tls");
            run(
                "openssl",
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=localhost",
                    "-keyout",
                    &tls.join("privkey.pem").to_string_lossy(),
                    "-out",
                    &tls.join("fullchain.pem").to_string_lossy(),
                ],
                dir.path(),
            );
            std::fs::write(
                tmp.join("enabled/https.conf"),
                here(&std::fs::read_to_string(proxy.join("https.conf")).unwrap()),
            )
            .unwrap();
        }
        let out = run(
            "/usr/sbin/nginx",
            &["-t", "-c", &conf.to_string_lossy()],
            dir.path(),
        );
        assert!(out.contains("test is successful"), "{out}");
        let nginx_conf = &file(&files, "releases/1.0.0/proxy/nginx.conf").contents;
        assert!(nginx_conf.contains("limit_req_zone $binary_remote_addr zone=api"));
        let routes = if stack.serves_https() {
            &file(&files, "releases/1.0.0/proxy/https.conf").contents
        } else {
            nginx_conf
        };
        assert!(routes.contains("limit_req zone=api"), "the API is limited");
        assert_eq!(
            routes.contains("Strict-Transport-Security"),
            stack.serves_https(),
            "HSTS only over HTTPS"
        );
        // start.sh passes shellcheck as POSIX sh.
        run(
            "shellcheck",
            &["--shell=sh", &proxy.join("start.sh").to_string_lossy()],
            dir.path(),
        );
    }
}

#[test]
fn an_nginx_stack_needs_a_release_with_an_nginx_image() {
    let mut stack = nginx_stack(Tls::None, None);
    stack.release.images.remove(&deskmate_stack::Role::Nginx);
    let error = stack.files().unwrap_err().to_string();
    assert!(error.contains("no nginx image"), "{error}");
}

#[test]
fn the_boot_unit_passes_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let files = stack(Tls::Internal, Some("deskmate.example.org"))
        .files()
        .unwrap();
    write(&files, dir.path());
    let unit = dir.path().join("host/etc/systemd/system/deskmate.service");
    assert!(unit.exists());
    run(
        "systemd-analyze",
        &["verify", "--man=no", &unit.to_string_lossy()],
        dir.path(),
    );
}

#[test]
fn the_backup_timers_pass_systemd_analyze_verify_and_the_scripts_shellcheck() {
    let dir = tempfile::tempdir().unwrap();
    let units = deskmate_stack::backup::timer_units("/opt/deskmate", "deskmate", "root", (3, 30));
    write(&units, dir.path());
    let system = dir.path().join("host/etc/systemd/system");
    let mut paths: Vec<String> = [
        "backup.service",
        "backup.timer",
        "backup-check.service",
        "backup-check.timer",
    ]
    .iter()
    .map(|n| {
        system
            .join(format!("deskmate-{n}"))
            .to_string_lossy()
            .into_owned()
    })
    .collect();
    let mut args = vec!["verify", "--man=no"];
    args.extend(paths.iter().map(String::as_str));
    run("systemd-analyze", &args, dir.path());
    let timer = std::fs::read_to_string(system.join("deskmate-backup.timer")).unwrap();
    assert!(timer.contains("OnCalendar=*-*-* 03:30:00") && timer.contains("RandomizedDelaySec="));
    // The timer's run takes the deploy lock and writes the audit (the app's runner does both
    // for the app's own runs, which must not pass the flag).
    let service = std::fs::read_to_string(system.join("deskmate-backup.service")).unwrap();
    assert!(
        service.contains(
            "\nExecStart=/bin/bash /opt/deskmate/bin/deskmate-backup /opt/deskmate --verify --timer\n"
        ),
        "{service}"
    );
    let check = std::fs::read_to_string(system.join("deskmate-backup-check.service")).unwrap();
    assert!(
        check.contains(
            "\nExecStart=/bin/bash /opt/deskmate/bin/deskmate-backup /opt/deskmate --check --timer\n"
        ),
        "{check}"
    );
    assert!(deskmate_stack::backup::check_time("24:00").is_err());
    assert!(deskmate_stack::backup::check_time("3:30").is_err());
    assert_eq!(deskmate_stack::backup::check_time("03:30"), Ok((3, 30)));

    let scripts = deskmate_stack::backup::scripts();
    write(&scripts, dir.path());
    paths.clear();
    for file in scripts
        .iter()
        .filter(|f| !f.path.ends_with(".py") && !f.path.ends_with(".sql"))
    {
        paths.push(dir.path().join(&file.path).to_string_lossy().into_owned());
    }
    let mut args = vec!["--shell=bash"];
    args.extend(paths.iter().map(String::as_str));
    run("shellcheck", &args, dir.path());
    // The Qdrant helper at least compiles with the Python the backend image has.
    let helper = dir.path().join(deskmate_stack::backup::QDRANT_HELPER);
    run(
        "/usr/bin/python3",
        &["-m", "py_compile", &helper.to_string_lossy()],
        dir.path(),
    );
}

#[test]
fn the_watchdog_and_maintenance_timers_pass_systemd_analyze_verify_and_their_scripts_shellcheck() {
    let dir = tempfile::tempdir().unwrap();
    let mut units = deskmate_stack::watch::timer_units("/opt/deskmate", "deskmate", "root");
    units.extend(deskmate_stack::maintain::timer_units(
        "/opt/deskmate",
        "deskmate",
        "root",
    ));
    write(&units, dir.path());
    let system = dir.path().join("host/etc/systemd/system");
    let paths: Vec<String> = [
        "watch.service",
        "watch.timer",
        "maintain.service",
        "maintain.timer",
    ]
    .iter()
    .map(|n| {
        system
            .join(format!("deskmate-{n}"))
            .to_string_lossy()
            .into_owned()
    })
    .collect();
    let mut args = vec!["verify", "--man=no"];
    args.extend(paths.iter().map(String::as_str));
    run("systemd-analyze", &args, dir.path());
    let service = std::fs::read_to_string(system.join("deskmate-maintain.service")).unwrap();
    assert!(
        service.contains(
            "\nExecStart=/bin/bash /opt/deskmate/bin/deskmate-maintain /opt/deskmate --timer\n"
        ),
        "{service}"
    );

    let mut scripts = deskmate_stack::watch::scripts();
    scripts.extend(deskmate_stack::maintain::scripts());
    write(&scripts, dir.path());
    // The watchdog, maintenance and the library both source.
    let paths: Vec<String> = [
        deskmate_stack::watch::WATCH_SCRIPT,
        deskmate_stack::maintain::MAINTAIN_SCRIPT,
        deskmate_stack::SCRIPT_LIB,
    ]
    .iter()
    .map(|p| dir.path().join(p).to_string_lossy().into_owned())
    .collect();
    let mut args = vec!["--shell=bash"];
    args.extend(paths.iter().map(String::as_str));
    run("shellcheck", &args, dir.path());
    let helper = dir.path().join(deskmate_stack::watch::MAIL_HELPER);
    run(
        "/usr/bin/python3",
        &["-m", "py_compile", &helper.to_string_lossy()],
        dir.path(),
    );
}

#[test]
fn the_sshd_jail_passes_fail2ban_client_test() {
    let dir = tempfile::tempdir().unwrap();
    let files = stack(Tls::None, None).files().unwrap();
    // fail2ban reads its whole configuration: a copy of the machine's, plus our jail.
    let config = dir.path().join("fail2ban");
    let copied = Command::new("cp")
        .args(["-r", "/etc/fail2ban"])
        .arg(&config)
        .status()
        .unwrap();
    assert!(copied.success());
    let jail = file(&files, host::FAIL2BAN_JAIL);
    std::fs::write(config.join("jail.d/deskmate-sshd.conf"), &jail.contents).unwrap();
    // The jail's log source must exist for the test to pass; on a server it does.
    std::fs::write(
        config.join("jail.d/zz-test-logpath.conf"),
        format!(
            "[sshd]\nbackend = auto\nlogpath = {}\n",
            dir.path().join("auth.log").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("auth.log"), "").unwrap();
    let out = run(
        "fail2ban-client",
        &["-c", &config.to_string_lossy(), "--test"],
        dir.path(),
    );
    assert!(out.contains("OK"), "{out}");
}

#[test]
fn logrotate_reads_the_stack_logs_rule() {
    let dir = tempfile::tempdir().unwrap();
    let files = stack(Tls::None, None).files().unwrap();
    let rule = file(&files, "/etc/logrotate.d/deskmate");
    let conf = dir.path().join("deskmate");
    std::fs::write(&conf, &rule.contents).unwrap();
    let state = dir.path().join("state");
    let out = run(
        "logrotate",
        &[
            "-d",
            "-s",
            &state.to_string_lossy(),
            &conf.to_string_lossy(),
        ],
        dir.path(),
    );
    assert!(out.contains("/opt/deskmate/logs/*.log"), "{out}");
}
