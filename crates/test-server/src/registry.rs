//! A real image registry on loopback: Debian's `docker-registry` (the CNCF Distribution
//! registry), for releases whose images are pulled instead of uploaded. The engine trusts
//! registries on 127.0.0.0/8 without TLS, as Docker does by default.

use std::process::{Child, Command, Stdio};

use crate::docker::docker;
use crate::free_port;

pub struct Registry {
    pub port: u16,
    _dir: tempfile::TempDir,
    child: Child,
    /// What was pushed here; a pull by a test tags it in the engine, untagged at the end.
    pushed: std::sync::Mutex<Vec<String>>,
}

impl Registry {
    pub fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("storage").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry runs (run `cargo xtask setup`)");
        crate::wait_for_port(port, "docker-registry");
        Registry {
            port,
            _dir: dir,
            child,
            pushed: Default::default(),
        }
    }

    /// Pushes the engine's image `tag` here as `name` and untags it in the engine again; the
    /// reference to pull it by (`127.0.0.1:PORT/name`).
    pub fn push(&self, tag: &str, name: &str) -> String {
        let reference = format!("127.0.0.1:{}/{name}", self.port);
        docker(&["tag", tag, &reference]);
        docker(&["push", "--quiet", &reference]);
        // Untagged here again, so a server on this engine must pull it to have it.
        docker(&["image", "rm", "--no-prune", &reference]);
        self.pushed.lock().unwrap().push(reference.clone());
        reference
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Untags only: the images themselves are the test bed's.
        for reference in self.pushed.lock().unwrap().iter() {
            let _ = Command::new("docker")
                .args(["image", "rm", "--no-prune", reference])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
