//! Any bytes as a plugin.toml: parsing must never panic, and whatever parses must survive
//! being written and read back unchanged.
#![no_main]

use std::path::Path;

use deskmate_plugins::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(manifest) = Manifest::parse(text, Path::new("plugin.toml")) {
        let again = Manifest::parse(&manifest.to_toml(), Path::new("plugin.toml")).expect("a written manifest reads back");
        assert_eq!(again, manifest);
    }
});
