//! Watching a server on loopback, through the api, against the real engine, proxy and sshd
//! (good-1 installed by the bench):
//!
//! - `logs --follow`: from the command to its first lines on screen (the CLI asks for the
//!   last 50 lines of each container, then follows) (goal: under 1 s);
//! - one watchdog round as the app's Check now runs it (the script put in place, every
//!   check, the state read back).
//!
//! `cargo bench --bench watch` (after `cargo xtask server-images`).

use std::sync::mpsc;
use std::time::{Duration, Instant};

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_api::servers::{LogFilter, LogQuery};
use deskmate_api::{Cancel, Environment};

fn watching(c: &mut Criterion) {
    let bed = support::bed(true);
    let servers = &bed.servers;
    let filter = LogFilter {
        query: LogQuery {
            since: Some("1h".into()),
            tail: Some(50),
            follow: true,
            ..LogQuery::default()
        },
        ..LogFilter::default()
    };
    let mut group = c.benchmark_group("watch");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("logs --follow: first line on screen", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let cancel = Cancel::new();
                let (first, seen) = mpsc::channel();
                let started = Instant::now();
                std::thread::scope(|scope| {
                    let follow = scope.spawn(|| {
                        let mut told = false;
                        let _ = servers.logs_follow(
                            "home",
                            Environment::Production,
                            &filter,
                            &mut |_| {
                                if !told {
                                    told = true;
                                    let _ = first.send(started.elapsed());
                                }
                            },
                            &cancel,
                        );
                    });
                    total += seen
                        .recv_timeout(Duration::from_secs(30))
                        .expect("a first line");
                    cancel.cancel();
                    follow.join().unwrap();
                });
            }
            total
        })
    });
    group.bench_function("a watchdog round (Check now)", |b| {
        b.iter(|| {
            servers
                .watch_status("home", Environment::Production, true)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, watching);
criterion_main!(benches);
