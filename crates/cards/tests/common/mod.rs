//! Fixtures for the card tests, all made here: real PNG pictures from the `image` encoder,
//! text chunks of every kind, and original sample characters.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use base64::Engine;
use deskmate_cards::Limits;
use deskmate_cards::png::{PngLayout, chunks::SIGNATURE, chunks::push_chunk};
use serde_json::{Value, json};

/// A real, decodable PNG (RGBA gradient) with ancillary chunks of our own around IDAT.
pub fn picture(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 7) as u8, (y * 3) as u8, (x ^ y) as u8, 255])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    let extra = vec![
        (*b"gAMA", 45455u32.to_be_bytes().to_vec()),
        (*b"tIME", vec![7, 234, 11, 23, 9, 30, 0]),
        (*b"prVt", b"private ancillary data \x00\x01\x02".to_vec()),
        text(b"tEXt", "Comment", "made for DeskMate tests"),
    ];
    insert(
        &out.into_inner(),
        &extra,
        &[(*b"prVa", b"after image data".to_vec())],
    )
}

/// The chunks of `png` as (type, data) pairs.
pub fn chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    PngLayout::walk(png, &Limits::default())
        .unwrap()
        .chunks
        .iter()
        .map(|c| (c.kind, c.data.to_vec()))
        .collect()
}

/// Rebuilds `png` with `before` inserted before the first IDAT and `after` before IEND.
pub fn insert(png: &[u8], before: &[([u8; 4], Vec<u8>)], after: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    let mut placed = false;
    for (kind, data) in chunks(png) {
        if &kind == b"IDAT" && !placed {
            placed = true;
            for (k, d) in before {
                push_chunk(&mut out, k, d).unwrap();
            }
        }
        if &kind == b"IEND" {
            for (k, d) in after {
                push_chunk(&mut out, k, d).unwrap();
            }
        }
        push_chunk(&mut out, &kind, &data).unwrap();
    }
    out
}

/// A text chunk of the given type holding `body` under `keyword`.
pub fn text(kind: &[u8; 4], keyword: &str, body: &str) -> ([u8; 4], Vec<u8>) {
    let mut data = keyword.as_bytes().to_vec();
    data.push(0);
    match kind {
        b"tEXt" => data.extend_from_slice(body.as_bytes()),
        b"zTXt" => {
            data.push(0);
            data.extend(zlib(body.as_bytes()));
        }
        b"iTXt" => {
            data.extend_from_slice(&[1, 0]);
            data.extend_from_slice(b"en\0\0");
            data.extend(zlib(body.as_bytes()));
        }
        _ => panic!("not a text chunk"),
    }
    (*kind, data)
}

pub fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn b64(value: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(value).unwrap())
}

/// An original V3 character.
pub fn v3_card(name: &str) -> Value {
    json!({
        "spec": "chara_card_v3", "spec_version": "3.0",
        "data": {
            "name": name, "description": "A lighthouse keeper who collects sea glass.", "personality": "calm",
            "scenario": "A foggy evening.", "first_mes": "The lamp needs oil. Help me?", "mes_example": "",
            "creator_notes": "test fixture", "system_prompt": "", "post_history_instructions": "",
            "alternate_greetings": ["Ahoy."], "tags": ["sea"], "creator": "tests", "character_version": "1",
            "extensions": {"x_app": {"nested": [1, {"deep": "kept"}]}},
            "group_only_greetings": [], "nickname": "Keeper",
            "character_book": {"extensions": {}, "entries": [
                {"keys": ["lamp"], "content": "@@depth 1\nThe lamp is old.", "extensions": {}, "enabled": true,
                 "insertion_order": 0, "use_regex": false}]}
        }
    })
}

/// An original V2 character in SillyTavern's hybrid shape (root copy + data).
pub fn v2_hybrid(name: &str) -> Value {
    json!({
        "name": name, "description": "A baker who only works at night.", "personality": "", "scenario": "",
        "first_mes": "Bread's not ready.", "mes_example": "", "creatorcomment": "", "avatar": "none",
        "talkativeness": "0.5", "fav": false, "tags": [], "create_date": "2026-1-1 @10h 00m 00s 000ms",
        "spec": "chara_card_v2", "spec_version": "2.0",
        "data": {
            "name": name, "description": "A baker who only works at night.", "personality": "", "scenario": "",
            "first_mes": "Bread's not ready.", "mes_example": "", "creator_notes": "", "system_prompt": "",
            "post_history_instructions": "", "tags": [], "creator": "", "character_version": "",
            "alternate_greetings": [], "extensions": {"talkativeness": "0.5", "fav": false, "world": ""}
        }
    })
}
