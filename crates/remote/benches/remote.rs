//! Download throughput against OpenSSH's own client, and a full health report, over loopback
//! to a real sshd (needs root, like the tests: the sessions run as the test user).

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use deskmate_remote::Remote;
use deskmate_remote::pump::Stream;
use deskmate_remote::{
    Cancel, Credentials, HealthOptions, HostKeyPolicy, KnownHosts, Session, Target, Timeouts,
    Visibility, health,
};
use deskmate_test_server::live_stack::LiveStack;
use deskmate_test_server::{TestServer, TlsEndpoint};

const SIZE: u64 = 256 << 20;

fn connect(server: &TestServer, known_hosts: &std::path::Path) -> Session {
    let mut pins = KnownHosts::load(known_hosts).unwrap();
    Session::connect(
        &Target {
            host: server.host().into(),
            port: server.port,
            user: server.user().into(),
        },
        &Credentials::Key {
            path: server.client_key(),
            passphrase: None,
        },
        &mut pins,
        &HostKeyPolicy::TrustNew(server.host_fingerprint()),
        Timeouts::default(),
    )
    .unwrap()
}

fn download(c: &mut Criterion) {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let session = connect(&server, &dir.path().join("known_hosts"));
    let remote = server.home().join("big.bin");
    let remote = remote.to_str().unwrap().to_string();
    // Random bytes, so no layer can compress them away.
    let made = session
        .capture(&format!("head -c {SIZE} /dev/urandom > {remote}"), 1024)
        .unwrap();
    assert!(made.exit.success());
    let local = dir.path().join("big.bin");

    let mut group = c.benchmark_group("download_256mib");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(40))
        .throughput(Throughput::Bytes(SIZE));
    group.bench_function("openssh_ssh_cat_to_dev_null", |b| {
        b.iter(|| {
            let status = Command::new("ssh")
                .args(["-q", "-p", &server.port.to_string(), "-i"])
                .arg(server.client_key())
                .args([
                    "-o",
                    "StrictHostKeyChecking=no",
                    "-o",
                    "UserKnownHostsFile=/dev/null",
                    "-o",
                    "BatchMode=yes",
                ])
                .arg(format!("{}@127.0.0.1", server.user()))
                .arg(format!("cat {remote}"))
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    group.bench_function("deskmate_exec_cat_discarded", |b| {
        b.iter(|| {
            let mut n = 0u64;
            session
                .exec(
                    &format!("cat {remote}"),
                    None,
                    &mut |s, bytes| {
                        if s == Stream::Stdout {
                            n += bytes.len() as u64
                        }
                        Ok(())
                    },
                    &Cancel::new(),
                )
                .unwrap();
            assert_eq!(n, SIZE);
        })
    });
    group.bench_function("deskmate_download_verified_to_disk", |b| {
        b.iter(|| {
            let got = session
                .download(
                    &remote,
                    &local,
                    Visibility::Normal,
                    &mut |_| {},
                    &Cancel::new(),
                )
                .unwrap();
            assert_eq!(got.bytes, SIZE);
        })
    });
    group.finish();
}

fn health_report(c: &mut Criterion) {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let known_hosts = dir.path().join("known_hosts");
    // The test bed's real stack: the report reads its containers and the backend's health
    // through its proxy, as it would on a server.
    let stack = LiveStack::up(&server, "good-1", deskmate_test_server::free_port());
    let tls = TlsEndpoint::start(90);
    let options = HealthOptions {
        stack_dir: stack.dir.clone(),
        domain: Some(format!("localhost:{}", tls.port)),
        backend_port: 1,
        proxy: Some(deskmate_remote::health::ProxyProbe {
            port: stack.http_port,
            https: false,
            host: "localhost".into(),
        }),
        extra_root: Some(tls.ca_file()),
        tls_timeout: Duration::from_secs(5),
    };
    drop(connect(&server, &known_hosts));

    c.bench_function("health_report_full_with_connect", |b| {
        b.iter(|| {
            let session = connect(&server, &known_hosts);
            let report = health::run(&session, &options).unwrap();
            assert_eq!(report.services.len(), 5);
        })
    });
}

criterion_group!(benches, download, health_report);
criterion_main!(benches);
