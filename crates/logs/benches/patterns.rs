//! Grouping 100,000 log lines into error patterns (issue 20's goal: under 1 s), and parsing
//! them from the server's format first.

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_logs::{group_errors, parse_line};

fn lines() -> Vec<String> {
    (0..100_000)
        .map(|i| {
            let time = format!("2026-12-02T08:{:02}:{:02}.{:06}Z", (i / 60) % 60, i % 60, i);
            match i % 5 {
                0 => format!("backend\tout\t{time} {{\"level\":\"error\",\"message\":\"query {i} failed: relation \\\"t{}\\\" does not exist\",\"request_id\":\"{i:08x}\"}}", i % 97),
                1 => format!("postgres\terr\t{time} 2026-12-02 08:00:00 UTC [{}] ERROR:  deadlock detected on /var/lib/postgresql/data/base/{i}", i % 300),
                2 => format!("proxy\tout\t{time} {{\"level\":\"info\",\"logger\":\"http.log.access\",\"msg\":\"handled request\",\"request\":{{\"method\":\"GET\",\"uri\":\"/api/memories/{i}\"}},\"duration\":0.00{},\"status\":200}}", i % 9),
                3 => format!("qdrant\terr\t{time} ERROR snapshot {i:040x} of collection memories failed after {} ms", i % 1000),
                _ => format!("backend\tout\t{time} INFO handled {i} requests"),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let raw = lines();
    let parsed: Vec<_> = raw.iter().filter_map(|l| parse_line(l)).collect();
    assert_eq!(parsed.len(), raw.len());
    let (groups, _) = group_errors(&parsed);
    assert!(
        groups.len() <= 10,
        "{:?}",
        groups.iter().map(|g| &g.pattern).collect::<Vec<_>>()
    );
    let mut group = c.benchmark_group("logs");
    group.sample_size(10);
    group.bench_function("group_100k_parsed_lines", |b| {
        b.iter(|| group_errors(&parsed))
    });
    group.bench_function("parse_and_group_100k_lines", |b| {
        b.iter(|| {
            let parsed: Vec<_> = raw.iter().filter_map(|l| parse_line(l)).collect();
            group_errors(&parsed)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
