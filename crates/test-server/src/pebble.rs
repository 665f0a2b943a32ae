//! Let's Encrypt's test ACME server, `pebble` (Debian's package), on this machine: real ACME
//! for the proxy's automatic HTTPS, offline. Challenges are taken as passed
//! (`PEBBLE_VA_ALWAYS_VALID`), since no public name points here.
//!
//! Its own HTTPS uses a certificate made here for `localhost` and `host.docker.internal`
//! (how the proxy container reaches the host), signed by a throwaway CA that the install is
//! told to trust ([`Pebble::tls_ca_file`]).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::{free_port, run};

pub struct Pebble {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Pebble {
    pub fn start() -> Pebble {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
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
                "2",
                "-subj",
                "/CN=DeskMate test ACME TLS CA",
                "-keyout",
                &p("ca.key"),
                "-out",
                &p("ca.pem"),
            ],
        );
        run(
            "openssl",
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &p("key.pem"),
                "-out",
                &p("server.csr"),
            ],
        );
        std::fs::write(
            dir.path().join("san.ext"),
            "subjectAltName=DNS:localhost,DNS:host.docker.internal,IP:127.0.0.1\n",
        )
        .unwrap();
        run(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                &p("server.csr"),
                "-CA",
                &p("ca.pem"),
                "-CAkey",
                &p("ca.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &p("san.ext"),
                "-out",
                &p("cert.pem"),
            ],
        );
        let port = free_port();
        let management = free_port();
        std::fs::write(
            dir.path().join("config.json"),
            format!(
                r#"{{"pebble": {{"listenAddress": "0.0.0.0:{port}", "managementListenAddress": "127.0.0.1:{management}", "certificate": "{}", "privateKey": "{}", "httpPort": {}, "tlsPort": {}, "ocspResponderURL": "", "externalAccountBindingRequired": false}}}}"#,
                p("cert.pem"),
                p("key.pem"),
                free_port(),
                free_port()
            ),
        )
        .unwrap();
        let child = Command::new("pebble")
            .arg("-config")
            .arg(dir.path().join("config.json"))
            .env("PEBBLE_VA_ALWAYS_VALID", "1")
            .env("PEBBLE_VA_NOSLEEP", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble runs (run `cargo xtask setup`)");
        crate::wait_for_port(port, "pebble");
        Pebble { port, dir, child }
    }

    /// The ACME directory as the proxy container reaches it.
    pub fn directory_for_containers(&self) -> String {
        format!("https://host.docker.internal:{}/dir", self.port)
    }

    /// The CA that signed pebble's own HTTPS certificate.
    pub fn tls_ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
