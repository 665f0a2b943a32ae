//! The persona library's figures: a bulk import of 1,000 PNG cards of about 0.5 MB each
//! (thumbnails included), and listing and searching a library of 10,000 personas.

use std::io::Cursor;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use deskmate_api::{Continue, DataDir, PersonaQuery, Personas};
use deskmate_cards::png::{self, WriteOptions};
use deskmate_cards::{Card, Limits};
use deskmate_library::{Library, NewPersona};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

const CARDS: usize = 1000;

/// A 2:3 picture of noise, so it compresses about as badly as a real illustration:
/// about 0.5 MB as a PNG.
fn picture() -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let img = RgbImage::from_fn(340, 510, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        Rgb([a, b, c])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn card(i: usize) -> Card {
    Card::from_value(serde_json::json!({
        "spec": "chara_card_v2", "spec_version": "2.0",
        "data": {"name": format!("Persona {i}"), "description": "A bench persona.", "creator": "bench",
                 "tags": ["bench", format!("group{}", i % 10)], "first_mes": "Hello!"}
    }))
    .unwrap()
}

fn bulk_import(c: &mut Criterion) {
    let cards = tempfile::tempdir().unwrap();
    let picture = picture();
    let mut total = 0;
    for i in 0..CARDS {
        let (bytes, _) = png::write(
            &picture,
            &card(i),
            &Limits::default(),
            WriteOptions::default(),
        )
        .unwrap();
        total += bytes.len();
        std::fs::write(cards.path().join(format!("card{i:04}.png")), bytes).unwrap();
    }
    eprintln!(
        "{CARDS} cards, {:.2} MB each on average",
        total as f64 / CARDS as f64 / 1e6
    );
    let mut group = c.benchmark_group("persona_import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(90));
    group.bench_function("import_1000_png_cards_with_thumbnails", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |data| {
                let personas = Personas::open(&DataDir::new(data.path())).unwrap();
                let report = personas
                    .import(&[cards.path().to_path_buf()], &mut |_| Continue::Go)
                    .unwrap();
                assert_eq!(report.imported, CARDS);
                data
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn list_and_search(c: &mut Criterion) {
    let data = tempfile::tempdir().unwrap();
    let dir = DataDir::new(data.path());
    let mut library = Library::open(&dir.library()).unwrap();
    for i in 0..10_000u32 {
        library
            .add_persona(&NewPersona {
                card_name: format!("Persona {i}"),
                creator: format!("creator{}", i % 50),
                spec: "v2".into(),
                source_format: "json".into(),
                source_file: format!("p{i}.json"),
                source_sha256: format!("{i:064x}"),
                source: vec![0; 2048],
                card: format!(r#"{{"name":"Persona {i}"}}"#),
                tags: vec!["bench".into(), format!("group{}", i % 10)],
                avatar: None,
                thumbnail: Some(vec![0; 4096]),
                sprites: Vec::new(),
            })
            .unwrap();
    }
    drop(library);
    let personas = Personas::open(&dir).unwrap();
    c.bench_function("persona_list_10k", |b| {
        b.iter(|| {
            assert_eq!(
                personas.list(&PersonaQuery::default()).unwrap().len(),
                10_000
            )
        })
    });
    c.bench_function("persona_search_10k", |b| {
        let query = PersonaQuery {
            search: Some("ona 12".into()),
            ..PersonaQuery::default()
        };
        b.iter(|| assert_eq!(personas.list(&query).unwrap().len(), 111))
    });
    c.bench_function("persona_tag_filter_10k", |b| {
        let query = PersonaQuery {
            tag: Some("group3".into()),
            ..PersonaQuery::default()
        };
        b.iter(|| assert_eq!(personas.list(&query).unwrap().len(), 1000))
    });
}

criterion_group!(benches, list_and_search, bulk_import);
criterion_main!(benches);
