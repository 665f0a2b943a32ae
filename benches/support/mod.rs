//! What the server benches share: a test sshd with the test bed's good-1 installed in its
//! own folder, through the api, removed when dropped.
#![allow(dead_code)] // each bench uses the parts it needs

use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_api::{Cancel, DataDir, HostKeyPolicy, NewServer, Servers, SignIn};
use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};

pub struct Bed {
    pub server: TestServer,
    pub servers: Servers,
    pub stack: String,
    pub project: Project,
    pub options: InstallOptions,
    _data: tempfile::TempDir,
}

/// `home`, saved with its client key, and (with `install`) good-1 on it, TLS off, on a free
/// port (`options.http_port`).
pub fn bed(install: bool) -> Bed {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let project = Project::of(&stack);
    let servers = Servers::open(&DataDir::new(data.path())).unwrap();
    servers
        .add(
            NewServer {
                name: "home".into(),
                host: "127.0.0.1".into(),
                port: server.port,
                user: server.user().into(),
                sign_in: SignIn::Key {
                    path: server.client_key(),
                    passphrase: None,
                },
                stack_dir: Some(stack.clone()),
                domain: None,
                backend_port: None,
            },
            HostKeyPolicy::TrustNew(server.host_fingerprint()),
        )
        .unwrap();
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = free_port();
    if install {
        servers
            .install("home", &options, &mut |_| {}, &Cancel::new())
            .unwrap();
    }
    Bed {
        server,
        servers,
        stack,
        project,
        options,
        _data: data,
    }
}
