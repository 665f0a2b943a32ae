//! Interop with SillyTavern's PNG chunk libraries (png-chunks-extract, png-chunk-text,
//! png-chunks-encode, from npm, run in Node): what we write they read, checksums included,
//! and what they write we read the same way they do.
//!
//! Needs `node` and `tests/interop/node_modules`; `cargo xtask test` installs both.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::*;

fn node(script: &str, args: &[&Path]) -> String {
    let dir = repo().join("tests/interop");
    assert!(
        dir.join("node_modules/png-chunks-extract").exists(),
        "run `cargo xtask setup` (npm ci in tests/interop) first"
    );
    let output = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("node is installed by `cargo xtask setup`");
    assert!(
        output.status.success(),
        "node {script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// What SillyTavern's reader sees in a PNG.
fn sillytavern_read(png: &Path) -> Value {
    serde_json::from_str(&node("read-card.js", &[png])).unwrap()
}

/// What we read from a file.
fn ours(path: &Path) -> Value {
    let run = deskmate(&[&"card", &"inspect", &path, &"--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["card"].clone()
}

#[test]
fn sillytavern_reads_what_we_write() {
    let dir = tempfile::tempdir().unwrap();
    let avatar = dir.path().join("avatar.jpg");
    picture(&avatar, 300, 300, image::ImageFormat::Jpeg);
    for sample_name in ["aster-vale.json", "bram-copperkettle.json"] {
        let out = dir.path().join(format!("{sample_name}.png"));
        let run = deskmate(&[
            &"card",
            &"convert",
            &sample(sample_name),
            &out,
            &"--image",
            &avatar,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let seen = sillytavern_read(&out);
        assert_eq!(seen["used"], "ccv3");
        assert_eq!(
            seen["card"],
            ours(&out),
            "{sample_name}: SillyTavern and we read the same card"
        );
        assert_eq!(seen["chara"]["spec"], "chara_card_v2");
        assert_eq!(seen["chara"]["data"]["name"], seen["card"]["data"]["name"]);
    }
}

#[test]
fn we_read_what_sillytavern_writes() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.png");
    picture(&plain, 64, 96, image::ImageFormat::Png);
    let written = dir.path().join("st.png");
    node(
        "write-card.js",
        &[&plain, &sample("bram-copperkettle.json"), &written],
    );
    let seen = sillytavern_read(&written);
    assert_eq!(ours(&written), seen["card"]);
    assert_eq!(
        idat(&fs::read(&plain).unwrap()),
        idat(&fs::read(&written).unwrap())
    );
}

#[test]
fn repaired_checksums_let_sillytavern_open_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = fs::read(sample("nyx-holloway.png")).unwrap();
    let layout =
        deskmate_cards::png::PngLayout::walk(&bytes, &deskmate_cards::Limits::default()).unwrap();
    let idat = layout.chunks.iter().find(|c| c.is(b"IDAT")).unwrap();
    let crc_at = idat.offset + 8 + idat.data.len();
    bytes[crc_at] ^= 0xff;
    let damaged = dir.path().join("damaged.png");
    fs::write(&damaged, &bytes).unwrap();

    let st = Command::new("node")
        .arg(repo().join("tests/interop/read-card.js"))
        .arg(&damaged)
        .output()
        .unwrap();
    assert!(
        !st.status.success(),
        "png-chunks-extract refuses a bad checksum"
    );

    let inspect = deskmate(&[&"card", &"inspect", &damaged, &"--json"]).json();
    assert!(
        inspect["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "png.crc_mismatch")
    );
    let repaired = dir.path().join("repaired.png");
    let run = deskmate(&[&"card", &"repair", &damaged, &repaired, &"--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.json()["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "repair.crc_fixed")
    );
    assert_eq!(
        sillytavern_read(&repaired)["card"]["data"]["name"],
        "Nyx Holloway"
    );
}

#[test]
fn a_v2_only_png_has_one_plain_chara_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let avatar = dir.path().join("avatar.gif");
    picture(&avatar, 90, 60, image::ImageFormat::Gif);
    let out = dir.path().join("v2.png");
    let run = deskmate(&[
        &"card",
        &"convert",
        &sample("aster-vale.json"),
        &out,
        &"--spec",
        &"v2",
        &"--image",
        &avatar,
        &"--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["spec"], "v2");
    let seen = sillytavern_read(&out);
    assert_eq!(seen["used"], "chara");
    assert_eq!(
        seen["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| *c == "tEXt")
            .count(),
        1
    );
    assert_eq!(seen["card"]["spec"], "chara_card_v2");
    assert_eq!(
        seen["card"]["data"]["creator_notes"],
        "Original sample character shipped with DeskMate Studio. Gentle slice-of-life; works well for cozy rooms."
    );
    assert_eq!(seen["card"], ours(&out));
}
