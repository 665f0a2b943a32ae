//! The app and the CLI can pin host keys and store secrets at the same moment. Each change
//! is made under the file's lock on a fresh read, so none is lost.

use deskmate_remote::{HostKey, KnownHosts, Secret, SecretStore};

/// An ed25519 host key blob of the wire format (type string, then 32 key bytes).
fn ed25519_blob(seed: u8) -> Vec<u8> {
    let mut blob = Vec::new();
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend_from_slice(&[seed; 32]);
    blob
}

#[test]
fn pins_made_at_once_from_stale_copies_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    // Every writer loads before any pins, as two processes that opened earlier would.
    let copies: Vec<KnownHosts> = (0..16).map(|_| KnownHosts::load(&path).unwrap()).collect();
    std::thread::scope(|scope| {
        for (n, mut copy) in copies.into_iter().enumerate() {
            scope.spawn(move || {
                let key = HostKey::new(&ed25519_blob(n as u8));
                copy.pin(&format!("host-{n}.example"), 22, &key).unwrap();
            });
        }
    });
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 16, "{text}");
    let known = KnownHosts::load(&path).unwrap();
    for n in 0..16u8 {
        assert_eq!(
            known.pinned_types(&format!("host-{n}.example"), 22),
            ["ssh-ed25519"],
            "host-{n}"
        );
    }
}

#[test]
fn secrets_stored_at_once_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.json");
    std::thread::scope(|scope| {
        for n in 0..16 {
            let store = SecretStore::File(path.clone());
            scope.spawn(move || {
                store
                    .set(&format!("server-{n}"), &Secret::new(format!("pw-{n}")))
                    .unwrap();
            });
        }
    });
    let store = SecretStore::File(path.clone());
    for n in 0..16 {
        let secret = store.get(&format!("server-{n}")).unwrap();
        assert_eq!(
            secret.map(|s| s.expose().to_string()),
            Some(format!("pw-{n}"))
        );
    }
}
