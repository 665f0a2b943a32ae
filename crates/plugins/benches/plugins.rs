//! The plugin figures issue #4 asks for:
//! - a warm call (a fresh instance from `InstancePre`, then `validate`) of the
//!   room-essentials example on the `modern` template (target <= 100 µs median);
//! - loading an already-compiled plugin from the disk cache (target <= 10 ms);
//! - the same rule written natively, for the plugin/native ratio. Both sides parse the same
//!   JSON text, so the ratio is the cost of the sandbox, not of a different algorithm.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use deskmate_plugins::{CacheUse, Limits, Runtime, Target};
use serde::Deserialize;

fn plugin_calls(c: &mut Criterion) {
    let bytes = support::wasm("room_essentials");
    let manifest = support::manifest("room-essentials", &bytes, &[Target::Room]);
    let modern = support::template_json("modern");
    let runtime = support::runtime();
    let plugin = runtime.load(&manifest, &bytes).unwrap();
    assert!(
        runtime
            .validate(&plugin, Target::Room, &modern)
            .failure
            .is_none()
    );
    assert_eq!(native_room_essentials(&modern), 0);

    let mut group = c.benchmark_group("room-essentials on modern");
    group.bench_function("plugin warm call", |b| {
        b.iter(|| runtime.validate(&plugin, Target::Room, black_box(&modern)))
    });
    group.bench_function("native", |b| {
        b.iter(|| native_room_essentials(black_box(&modern)))
    });
    group.finish();

    let hostile = support::hostile(&runtime);
    c.bench_function("empty call (fixed cost)", |b| {
        b.iter(|| runtime.validate(&hostile, Target::Room, black_box("hello")))
    });

    let cache = tempfile::tempdir().unwrap();
    let cached = Runtime::new(Some(cache.path().into()), Limits::default()).unwrap();
    cached.load(&manifest, &bytes).unwrap();
    assert_eq!(cached.load(&manifest, &bytes).unwrap().cache, CacheUse::Hit);
    c.bench_function("load a cached plugin", |b| {
        b.iter(|| cached.load(&manifest, black_box(&bytes)).unwrap())
    });
}

#[derive(Deserialize)]
struct Room {
    #[serde(default)]
    objects: Vec<Object>,
}

#[derive(Deserialize)]
struct Object {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

/// The room-essentials rules in plain Rust, reading the document the same way the plugin
/// does: the number of findings.
fn native_room_essentials(document: &str) -> usize {
    let room: Room = serde_json::from_str(document).unwrap();
    let names = |o: &Object, words: &[&str]| {
        let id = o.id.to_lowercase().replace('_', " ");
        let name = o.name.to_lowercase();
        words.iter().any(|w| id.contains(w) || name.contains(w))
    };
    let needs: [&dyn Fn(&Object) -> bool; 4] = [
        &|o| {
            names(o, &["bed", "futon", "bunk", "cot", "hammock", "sleep pod"])
                && !names(o, &["bedside"])
        },
        &|o| o.kind == "door",
        &|o| o.kind == "lighting",
        &|o| {
            names(
                o,
                &[
                    "chair", "sofa", "couch", "stool", "bench", "armchair", "seat",
                ],
            )
        },
    ];
    needs
        .iter()
        .filter(|need| !room.objects.iter().any(need))
        .count()
}

criterion_group!(benches, plugin_calls);
criterion_main!(benches);
