//! Backups on loopback, through the api, against the real engine: a stack of the test bed
//! with a generated database of about 250 MB (a table of random hex text, so it does not
//! compress away) and a Qdrant collection of 10,000 points. In the same run, criterion
//! times:
//!
//! - the bare dump: `pg_dump -Fc > /dev/null` in the PostgreSQL container plus the Qdrant
//!   snapshot's download, which is what any backup must at least do;
//! - our first backup into an empty repository (staged, checked, encrypted, deduplicated),
//!   without and with its trial restore;
//! - a second backup with a little changed (deduplication);
//! - a trial restore on its own;
//! - a full restore: the safety backup, the backup restored into new volumes beside the
//!   stack and checked, the switch, and the health check (what an owner waits for).
//!
//! `cargo bench --bench backup` (after `cargo xtask server-images`). It takes some minutes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_api::{Cancel, Environment};
use deskmate_test_server::docker::docker;

/// Rows of 512 random hex characters: about 250 MB on disk.
const ROWS: u32 = 400_000;
const POINTS: u32 = 10_000;

fn sh(script: &str) -> String {
    let out = Command::new("sh").args(["-c", script]).output().unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn backups(c: &mut Criterion) {
    let bed = support::bed(true);
    let (servers, stack, project) = (&bed.servers, &bed.stack, &bed.project);
    // The data: a big table, and 10,000 points written through the backend's Python.
    let postgres = project.containers("postgres").remove(0);
    let backend = project.containers("backend").remove(0);
    docker(&[
        "exec",
        &postgres,
        "psql",
        "-q",
        "-U",
        "deskmate",
        "-d",
        "deskmate",
        "-c",
        &format!(
            "CREATE TABLE bulk AS SELECT g AS id, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) AS text FROM generate_series(1, {ROWS}) g"
        ),
    ]);
    let size = docker(&[
        "exec",
        &postgres,
        "psql",
        "-At",
        "-U",
        "deskmate",
        "-d",
        "deskmate",
        "-c",
        "SELECT pg_database_size('deskmate')",
    ]);
    docker(&[
        "exec",
        &backend,
        "python3",
        "-c",
        &format!(
            r#"
import json, urllib.request
def call(method, path, body):
    request = urllib.request.Request("http://qdrant:6333" + path, data=json.dumps(body).encode(), method=method, headers={{"content-type": "application/json"}})
    urllib.request.urlopen(request, timeout=300).read()
call("PUT", "/collections/bench", {{"vectors": {{"size": 4, "distance": "Cosine"}}}})
for start in range(0, {POINTS}, 1000):
    call("PUT", "/collections/bench/points?wait=true", {{"points": [{{"id": i, "vector": [i % 7 + 1.0, 1.0, 0.5, i % 3 * 1.0], "payload": {{"text": "point %d" % i}}}} for i in range(start, start + 1000)]}})
"#
        ),
    ]);
    eprintln!(
        "database: {} MB; collection: {POINTS} points",
        size.trim().parse::<u64>().unwrap_or(0) >> 20
    );

    let mut group = c.benchmark_group("backup");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("bare: pg_dump -Fc > /dev/null + Qdrant snapshot download", |b| {
        b.iter(|| {
            sh(&format!(
                "docker exec {postgres} pg_dump -U deskmate -d deskmate -Fc > /dev/null && docker exec {backend} python3 -c \"$(cat {stack}/bin/deskmate-qdrant.py)\" snapshot bench > /dev/null 2>&1"
            ));
        })
    });
    let repository = Path::new(&stack).join("backups/restic");
    let history = Path::new(&stack).join("backups/history.tsv");
    let first = |b: &mut criterion::Bencher, verify: bool| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let _ = std::fs::remove_dir_all(&repository);
                let _ = std::fs::remove_file(&history);
                let started = std::time::Instant::now();
                servers
                    .backup_create(
                        "home",
                        Environment::Production,
                        verify,
                        &mut |_| {},
                        &Cancel::new(),
                    )
                    .unwrap();
                total += started.elapsed();
            }
            total
        })
    };
    group.bench_function("first backup, empty repository", |b| first(b, false));
    group.bench_function("first backup and its trial restore", |b| first(b, true));
    group.bench_function("second backup, a little changed", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for i in 0..iterations {
                docker(&[
                    "exec",
                    &postgres,
                    "psql",
                    "-q",
                    "-U",
                    "deskmate",
                    "-d",
                    "deskmate",
                    "-c",
                    &format!("UPDATE bulk SET text = md5('{i}') WHERE id <= 100"),
                ]);
                let started = std::time::Instant::now();
                servers
                    .backup_create(
                        "home",
                        Environment::Production,
                        false,
                        &mut |_| {},
                        &Cancel::new(),
                    )
                    .unwrap();
                total += started.elapsed();
            }
            total
        })
    });
    // (Run alone, with a filter, the benches above made no backup yet.)
    if servers
        .backup_list("home", Environment::Production)
        .unwrap()
        .is_empty()
    {
        servers
            .backup_create(
                "home",
                Environment::Production,
                false,
                &mut |_| {},
                &Cancel::new(),
            )
            .unwrap();
    }
    let latest = servers
        .backup_list("home", Environment::Production)
        .unwrap()
        .remove(0)
        .id;
    group.bench_function("trial restore", |b| {
        b.iter(|| {
            servers
                .backup_verify(
                    "home",
                    Environment::Production,
                    &latest,
                    &mut |_| {},
                    &Cancel::new(),
                )
                .unwrap();
        })
    });
    group.bench_function(
        "full restore (safety backup, restore beside, switch, health)",
        |b| {
            b.iter(|| {
                servers
                    .backup_restore(
                        "home",
                        Environment::Production,
                        &latest,
                        &deskmate_api::servers::RestoreOptions::default(),
                        &mut |_| {},
                        &Cancel::new(),
                    )
                    .unwrap();
            })
        },
    );
    group.finish();
    let added: Vec<String> = std::fs::read_to_string(Path::new(&stack).join("backups/history.tsv"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('\t').nth(4).unwrap_or("").to_string())
        .collect();
    eprintln!("bytes added per backup (first, then the second backups): {added:?}");
}

criterion_group!(benches, backups);
criterion_main!(benches);
