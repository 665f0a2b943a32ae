//! `server install` on loopback, through the api, against the real engine and the test bed's
//! images (already built): one first install (timed once, printed; its images are already on
//! the engine, so it measures files, start-up and health, not the upload), then the second
//! run, which changes nothing (criterion; goal: under 3 s).
//!
//! `cargo bench --bench install` (after `cargo xtask server-images`).

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_api::servers::{InstallOptions, TlsChoice};
use deskmate_api::{Cancel, DataDir, HostKeyPolicy, NewServer, Servers, SignIn};
use deskmate_test_server::docker::{Project, release};
use deskmate_test_server::{TestServer, free_port};

fn install(c: &mut Criterion) {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let stack = server.stack_dir();
    let _project = Project::of(&stack);
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
                stack_dir: Some(stack),
                domain: None,
                backend_port: None,
            },
            HostKeyPolicy::TrustNew(server.host_fingerprint()),
        )
        .unwrap();
    let mut options = InstallOptions::new(release("good-1"));
    options.tls = TlsChoice::None;
    options.http_port = free_port();
    let started = Instant::now();
    let first = servers
        .install("home", &options, &mut |_| {}, &Cancel::new())
        .unwrap();
    assert!(first.changed);
    eprintln!(
        "first install (images present): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("install");
    group.sample_size(10);
    group.bench_function("second run, nothing to change", |b| {
        b.iter(|| {
            let again = servers
                .install("home", &options, &mut |_| {}, &Cancel::new())
                .unwrap();
            assert!(!again.changed);
        })
    });
    group.finish();
}

criterion_group!(benches, install);
criterion_main!(benches);
