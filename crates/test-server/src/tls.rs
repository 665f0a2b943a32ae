use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::{free_port, run};

/// `openssl s_server` on loopback with a self-signed certificate for `localhost` that
/// expires in `days` days. Tests trust it through [`TlsEndpoint::ca_file`].
pub struct TlsEndpoint {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl TlsEndpoint {
    pub fn start(days: u32) -> TlsEndpoint {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
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
                &days.to_string(),
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
                "-keyout",
                key.to_str().unwrap(),
                "-out",
                cert.to_str().unwrap(),
            ],
        );
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(port.to_string())
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl runs");
        crate::wait_for_port(port, "openssl s_server");
        TlsEndpoint { port, dir, child }
    }

    /// The certificate, to trust as a root.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }
}

impl Drop for TlsEndpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
