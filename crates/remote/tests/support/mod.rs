//! Connecting to the test sshd the way the app does.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use deskmate_remote::{
    Credentials, HostKeyPolicy, KnownHosts, Result, Secret, Session, Target, Timeouts,
};
use deskmate_test_server::{TestServer, test_password};

pub fn target(server: &TestServer) -> Target {
    Target {
        host: server.host().into(),
        port: server.port,
        user: server.user().into(),
    }
}

pub fn key(server: &TestServer) -> Credentials {
    Credentials::Key {
        path: server.client_key(),
        passphrase: None,
    }
}

pub fn password() -> Credentials {
    Credentials::Password(Secret::new(test_password()))
}

pub fn connect_with(
    server: &TestServer,
    credentials: &Credentials,
    known_hosts: &Path,
    policy: &HostKeyPolicy,
    timeouts: Timeouts,
) -> Result<Session> {
    let mut pins = KnownHosts::load(known_hosts)?;
    Session::connect(&target(server), credentials, &mut pins, policy, timeouts)
}

/// A session on a freshly trusted server, signed in with the client key.
pub fn session(server: &TestServer, dir: &Path) -> Session {
    connect_with(
        server,
        &key(server),
        &dir.join("known_hosts"),
        &HostKeyPolicy::TrustNew(server.host_fingerprint()),
        quick(),
    )
    .expect("the test sshd accepts the client key")
}

pub fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(10),
        auth: Duration::from_secs(10),
        io: Duration::from_secs(60),
        keepalive: Duration::from_secs(15),
    }
}
