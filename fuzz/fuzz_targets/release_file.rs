//! Any bytes as a release file; whatever is accepted also makes a stack's files.
#![no_main]

use deskmate_stack::{Environment, ProxyKind, Secrets, Stack, Tls, release};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(release) = release::parse(data) else { return };
    let stack = Stack {
        environment: Environment::Production,
        dir: "/opt/deskmate".into(),
        domain: Some("deskmate.example.org".into()),
        email: None,
        tls: Tls::Internal,
        proxy: ProxyKind::Caddy,
        http_port: 80,
        https_port: 443,
        ssh_port: 22,
        release,
        secrets: Secrets {
            postgres_password: "a".repeat(32),
            secret_key: "b".repeat(32),
            jwt_secret: "c".repeat(32),
        },
        compose_command: vec!["/usr/bin/docker-compose".into()],
        data_volumes: Default::default(),
        settings: Vec::new(),
    };
    let files = stack.files().expect("a release parse accepts makes a stack");
    assert!(files.iter().all(|f| !f.path.contains("..")));
    // And behind nginx, when the release names an nginx image.
    let nginx = Stack {
        proxy: ProxyKind::Nginx,
        ..stack
    };
    if nginx.release.images.contains_key(&deskmate_stack::Role::Nginx) {
        let files = nginx.files().expect("an nginx image makes an nginx stack");
        assert!(files.iter().all(|f| !f.path.contains("..")));
    }
});
