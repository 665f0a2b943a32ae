//! `server install` on loopback, through the api, against the real engine and the test bed's
//! images (already built): one first install (timed once, printed; its images are already on
//! the engine, so it measures files, start-up and health, not the upload), then the second
//! run, which changes nothing (criterion; goal: under 3 s).
//!
//! `cargo bench --bench install` (after `cargo xtask server-images`).

use std::time::Instant;

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_api::Cancel;

fn install(c: &mut Criterion) {
    let bed = support::bed(false);
    let (servers, options) = (&bed.servers, &bed.options);
    let started = Instant::now();
    let first = servers
        .install("home", options, &mut |_| {}, &Cancel::new())
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
                .install("home", options, &mut |_| {}, &Cancel::new())
                .unwrap();
            assert!(!again.changed);
        })
    });
    group.finish();
}

criterion_group!(benches, install);
criterion_main!(benches);
