//! Updates on loopback, through the api, against the real engine, proxy and sshd, with the
//! test bed's releases (images already on the engine, so the update's own steps are timed):
//!
//! - an update with no backup first (good-1 and good-2 in turn): from the button to the new
//!   release serving and watched for a moment (goal: under 30 s);
//! - the one-click update as an owner gets it: the verified backup first, then the same;
//! - the upload of a release archive (good-2's images) with the app's verified transfer,
//!   against OpenSSH's `scp` of the same file, in the same run.
//!
//! `cargo bench --bench release` (after `cargo xtask server-images`).

use std::process::Command;
use std::time::Duration;

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use deskmate_api::servers::DeployOptions;
use deskmate_api::{Cancel, HostKeyPolicy};
use deskmate_remote::Remote;
use deskmate_remote::{Credentials, KnownHosts, Session, Target, Timeouts, Visibility};
use deskmate_test_server::docker::{release, releases};

fn updates(c: &mut Criterion) {
    let bed = support::bed(true);
    let (server, servers) = (&bed.server, &bed.servers);
    let data = tempfile::tempdir().unwrap();
    let mut next = ["good-2", "good-1"].into_iter().cycle();
    let mut deploy = |no_backup: bool| {
        let deploy = DeployOptions {
            no_backup,
            watch: Duration::from_secs(3),
            ..DeployOptions::default()
        };
        servers
            .release_deploy(
                "home",
                &release(next.next().unwrap()),
                &deploy,
                &mut |_| {},
                &Cancel::new(),
            )
            .unwrap();
    };
    let mut group = c.benchmark_group("update");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("update, images on the server, no backup (3 s watch)", |b| {
        b.iter(|| deploy(true))
    });
    group.bench_function("one-click update: verified backup first (3 s watch)", |b| {
        b.iter(|| deploy(false))
    });
    group.finish();

    // The archive upload, against scp of the same file.
    let archive = releases().join("good-2-images.tar");
    let size = std::fs::metadata(&archive).unwrap().len();
    let pins = data.path().join("bench_known_hosts");
    let session = Session::connect(
        &Target {
            host: server.host().into(),
            port: server.port,
            user: server.user().into(),
        },
        &Credentials::Key {
            path: server.client_key(),
            passphrase: None,
        },
        &mut KnownHosts::load(&pins).unwrap(),
        &HostKeyPolicy::TrustNew(server.host_fingerprint()),
        Timeouts::default(),
    )
    .unwrap();
    let target = server.home().join("upload.tar");
    let target = target.to_str().unwrap().to_string();
    let mut group = c.benchmark_group("release_archive_upload");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Bytes(size));
    group.bench_function("openssh_scp", |b| {
        b.iter(|| {
            let status = Command::new("scp")
                .args(["-q", "-P", &server.port.to_string(), "-i"])
                .arg(server.client_key())
                .args([
                    "-o",
                    "StrictHostKeyChecking=no",
                    "-o",
                    "UserKnownHostsFile=/dev/null",
                ])
                .arg(&archive)
                .arg(format!("{}@127.0.0.1:{target}", server.user()))
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    group.bench_function("deskmate_upload_verified", |b| {
        b.iter(|| {
            session
                .upload(
                    &archive,
                    &target,
                    Visibility::Normal,
                    &mut |_| {},
                    &Cancel::new(),
                )
                .unwrap();
        })
    });
    group.finish();
    eprintln!("release archive: {} MiB", size >> 20);
}

criterion_group!(benches, updates);
criterion_main!(benches);
