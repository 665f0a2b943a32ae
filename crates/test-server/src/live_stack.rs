//! A real DeskMate stack of the test bed, running in a [`TestServer`]'s stack folder, for
//! tests below the install (the health report, preflight): the files `deskmate-stack`
//! generates, brought up with `docker-compose` on this machine, as the install would.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use deskmate_stack::{Environment, ProxyKind, Secrets, Stack, Tls, release};

use crate::docker::{Project, docker};
use crate::{TestServer, run};

/// Removed (containers, networks, volumes) when dropped.
pub struct LiveStack {
    pub dir: String,
    pub http_port: u16,
    pub project: Project,
}

impl LiveStack {
    /// Release `name` (`good-1`…) in `server`'s stack folder, plain HTTP on `http_port`,
    /// waited on until every service is healthy.
    pub fn up(server: &TestServer, name: &str, http_port: u16) -> LiveStack {
        let dir = server.stack_dir();
        let release =
            release::parse(&std::fs::read(crate::docker::release(name)).unwrap()).unwrap();
        let stack = Stack {
            environment: Environment::Production,
            dir: dir.clone(),
            domain: None,
            email: None,
            tls: Tls::None,
            proxy: ProxyKind::Caddy,
            http_port,
            https_port: http_port.wrapping_add(1).max(1),
            ssh_port: server.port,
            release,
            secrets: Secrets {
                postgres_password: "TestBedPostgres0123456789".into(),
                secret_key: "TestBedSecretKey0123456789".into(),
                jwt_secret: "TestBedJwtSecret0123456789".into(),
            },
            compose_command: vec!["/usr/bin/docker-compose".into()],
            data_volumes: Default::default(),
            settings: Vec::new(),
        };
        let project = Project::of(&dir);
        for file in stack.files().unwrap() {
            if file.path.starts_with('/') {
                continue;
            }
            let path = Path::new(&dir).join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
        }
        std::fs::create_dir_all(Path::new(&dir).join("shared/data")).unwrap();
        let release_dir = Path::new(&dir).join(stack.release_dir());
        std::os::unix::fs::symlink(stack.release_dir(), Path::new(&dir).join("current")).unwrap();
        run("chown", &["-R", crate::TEST_USER, &dir]);
        run("chmod", &["700", &format!("{dir}/shared/env")]);
        let up = Command::new("docker-compose")
            .args(["up", "-d"])
            .current_dir(&release_dir)
            .output()
            .unwrap();
        let live = LiveStack {
            dir,
            http_port,
            project,
        };
        assert!(
            up.status.success(),
            "docker-compose up failed: {}",
            String::from_utf8_lossy(&up.stderr)
        );
        live.wait_healthy(Duration::from_secs(120));
        live
    }

    fn wait_healthy(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let statuses = docker(&[
                "ps",
                "--filter",
                &format!("label=com.docker.compose.project={}", self.project.name),
                "--format",
                "{{.Status}}",
            ]);
            let healthy = statuses.lines().filter(|l| l.contains("(healthy)")).count();
            if healthy == 5 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the test stack did not turn healthy:\n{statuses}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}
