//! Host-key pinning and sign-in against a real OpenSSH server.

mod support;

use deskmate_remote::Remote;
use deskmate_remote::{
    Credentials, HostKeyPolicy, KnownHosts, RemoteError, Secret, Session, Target,
};
use deskmate_test_server::TestServer;
use support::{connect_with, key, password, quick};

#[test]
fn first_contact_needs_an_explicit_trust_and_is_then_pinned() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let pins = dir.path().join("known_hosts");

    let err = connect_with(
        &server,
        &key(&server),
        &pins,
        &HostKeyPolicy::PinnedOnly,
        quick(),
    )
    .err()
    .expect("an unknown host is refused");
    match &err {
        RemoteError::HostKeyUnknown {
            fingerprint,
            key_type,
            ..
        } => {
            assert_eq!(*fingerprint, server.host_fingerprint());
            assert_eq!(key_type, "ssh-ed25519");
        }
        other => panic!("expected host_key_unknown, got {other:?}"),
    }
    assert_eq!(err.code(), "ssh.host_key_unknown");
    assert!(!pins.exists(), "nothing is pinned without a trust");

    let wrong = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    let err = connect_with(
        &server,
        &key(&server),
        &pins,
        &HostKeyPolicy::TrustNew(wrong.into()),
        quick(),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "ssh.fingerprint_mismatch");
    assert!(!pins.exists());

    let session = connect_with(
        &server,
        &key(&server),
        &pins,
        &HostKeyPolicy::TrustNew(server.host_fingerprint()),
        quick(),
    )
    .unwrap();
    assert!(session.newly_pinned());
    drop(session);
    let text = std::fs::read_to_string(&pins).unwrap();
    assert!(
        text.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 AAAA", server.port)),
        "OpenSSH format: {text}"
    );
    let again = connect_with(
        &server,
        &key(&server),
        &pins,
        &HostKeyPolicy::PinnedOnly,
        quick(),
    )
    .unwrap();
    assert!(!again.newly_pinned());
}

#[test]
fn a_changed_host_key_is_refused_until_the_owner_replaces_the_pin() {
    let mut server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let pins = dir.path().join("known_hosts");
    let old = server.host_fingerprint();
    connect_with(
        &server,
        &key(&server),
        &pins,
        &HostKeyPolicy::TrustNew(old.clone()),
        quick(),
    )
    .unwrap();

    server.change_host_key();
    let new = server.host_fingerprint();
    assert_ne!(old, new);
    for policy in [
        HostKeyPolicy::PinnedOnly,
        HostKeyPolicy::TrustNew(new.clone()),
    ] {
        // With a password, as an owner signs in: the secret is what must not leak.
        let err = connect_with(&server, &password(), &pins, &policy, quick())
            .err()
            .unwrap();
        match &err {
            RemoteError::HostKeyChanged {
                expected, actual, ..
            } => {
                assert_eq!(*expected, old);
                assert_eq!(*actual, new);
            }
            other => panic!("expected host_key_changed, got {other:?}"),
        }
        assert_eq!(err.code(), "ssh.host_key_changed");
    }
    // The password was never offered to the changed server: sshd (at DEBUG3) logs every
    // user-auth request by method, and none came.
    let log = server.log();
    assert!(!log.contains("method password"), "{log}");
    assert!(!log.contains("Accepted password") && !log.contains("Failed password"));

    let session = connect_with(
        &server,
        &password(),
        &pins,
        &HostKeyPolicy::Replace(new),
        quick(),
    )
    .unwrap();
    assert!(session.newly_pinned());
    // The same log does show a password once the key is trusted, so the check above can fail.
    assert!(server.log().contains("Accepted password"));
    drop(session);
    connect_with(
        &server,
        &key(&server),
        &pins,
        &HostKeyPolicy::PinnedOnly,
        quick(),
    )
    .unwrap();
    let text = std::fs::read_to_string(&pins).unwrap();
    assert_eq!(text.lines().count(), 1, "the old pin is gone: {text}");
}

#[test]
fn wrong_keys_and_passwords_are_refused_and_the_right_password_works() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let pins = dir.path().join("known_hosts");
    let trust = HostKeyPolicy::TrustNew(server.host_fingerprint());

    let stranger = Credentials::Key {
        path: server.stranger_key(),
        passphrase: None,
    };
    let err = connect_with(&server, &stranger, &pins, &trust, quick())
        .err()
        .unwrap();
    assert_eq!(err.code(), "ssh.auth_failed", "{err}");

    let wrong = Credentials::Password(Secret::new("not-the-password"));
    let err = connect_with(&server, &wrong, &pins, &trust, quick())
        .err()
        .unwrap();
    assert_eq!(err.code(), "ssh.auth_failed", "{err}");

    let missing = Credentials::Key {
        path: dir.path().join("no-such-key"),
        passphrase: None,
    };
    let err = connect_with(&server, &missing, &pins, &trust, quick())
        .err()
        .unwrap();
    assert_eq!(err.code(), "ssh.key_unreadable", "{err}");

    let session = connect_with(&server, &password(), &pins, &trust, quick()).unwrap();
    let out = session.capture("whoami", 1024).unwrap();
    assert_eq!(out.stdout_text().trim(), "deskmate-test");
}

#[test]
fn a_closed_port_is_unreachable() {
    // Nothing listens on port 1; a port picked as "free" could be taken by a parallel test.
    let port = 1;
    let dir = tempfile::tempdir().unwrap();
    let mut pins = deskmate_remote::KnownHosts::load(&dir.path().join("kh")).unwrap();
    let target = deskmate_remote::Target {
        host: "127.0.0.1".into(),
        port,
        user: "x".into(),
    };
    let err = deskmate_remote::Session::connect(
        &target,
        &Credentials::Agent,
        &mut pins,
        &HostKeyPolicy::PinnedOnly,
        quick(),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), "ssh.unreachable", "{err}");
}

/// An account that signs in but has no shell (`nologin`) is refused right after sign-in,
/// with a plain reason, before any command is tried.
#[test]
fn an_account_without_a_shell_is_refused_after_sign_in() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut pins = KnownHosts::load(&dir.path().join("known_hosts")).unwrap();
    let target = Target {
        host: server.host().into(),
        port: server.port,
        user: deskmate_test_server::NO_SHELL_USER.into(),
    };
    let err = Session::connect(
        &target,
        &key(&server),
        &mut pins,
        &HostKeyPolicy::TrustNew(server.host_fingerprint()),
        quick(),
    )
    .err()
    .expect("no shell, no session");
    assert_eq!(err.code(), "ssh.no_shell", "{err}");
    assert!(err.to_string().contains("deskmate-nosh"), "{err}");
    assert!(
        server
            .log()
            .contains("Accepted publickey for deskmate-nosh")
    );
}
