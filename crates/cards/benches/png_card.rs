//! The two PNG figures issue #2 asks for:
//! - reading the card out of 0.3–4 MB PNGs (walk chunks, check CRCs, never inflate IDAT),
//!   reported as throughput over the whole file (target >= 1 GB/s);
//! - writing a card into a 4 MB PNG (target <= 5 ms).
//!
//! Fixtures are made here: random pixels compress badly, so a WxH RGBA picture gives an IDAT
//! of about 4·W·H bytes, the size of real high-resolution card art.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use deskmate_cards::png::{self, WriteOptions};
use deskmate_cards::{Card, Limits};

fn noisy_png(target_bytes: usize) -> Vec<u8> {
    let side = ((target_bytes / 4) as f64).sqrt() as u32;
    let mut state = 0x2545_f491_u32;
    let img = image::RgbaImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgba(state.to_le_bytes())
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn card() -> Card {
    let text = include_str!("../../../templates/personas/aster-vale.json");
    Card::from_value(serde_json::from_str(text).unwrap()).unwrap()
}

fn benches(c: &mut Criterion) {
    let limits = Limits::default();
    let card = card();
    let mut read = c.benchmark_group("read_card_from_png");
    for megabytes in [0.3, 1.0, 4.0] {
        let picture = noisy_png((megabytes * 1_000_000.0) as usize);
        let (file, _) = png::write(&picture, &card, &limits, WriteOptions::default()).unwrap();
        read.throughput(Throughput::Bytes(file.len() as u64));
        read.bench_function(format!("{megabytes}MB ({} bytes)", file.len()), |b| {
            b.iter(|| png::read(black_box(&file), &limits).unwrap())
        });
    }
    read.finish();

    let picture = noisy_png(4_000_000);
    let mut write = c.benchmark_group("write_card_into_png");
    write.bench_function(format!("4MB ({} bytes)", picture.len()), |b| {
        b.iter(|| png::write(black_box(&picture), &card, &limits, WriteOptions::default()).unwrap())
    });
    write.finish();
}

criterion_group!(png_card, benches);
criterion_main!(png_card);
