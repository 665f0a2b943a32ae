//! Any bytes as an owner's SVG sprite: refused with an `svg.*` code or passed, never a
//! panic; what passes parses to an `<svg>` root with no script element, no event handler,
//! no `javascript:` and no link outside the document in any element or attribute.
#![no_main]

use deskmate_rooms::svg::{check_svg, looks_like_svg};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_svg(data);
    match check_svg(data) {
        Ok(()) => {
            let text = std::str::from_utf8(data).expect("only UTF-8 passes");
            let doc = roxmltree::Document::parse(text).expect("only well-formed XML passes");
            assert_eq!(doc.root_element().tag_name().name(), "svg");
            for node in doc.descendants().filter(|n| n.is_element()) {
                assert_ne!(node.tag_name().name(), "script");
                for a in node.attributes() {
                    let value = a.value().to_ascii_lowercase();
                    assert!(!a.name().to_ascii_lowercase().starts_with("on"));
                    assert!(!value.contains("javascript:"));
                    if a.name() == "href" {
                        assert!(value.trim_start().starts_with('#'));
                    }
                }
            }
        }
        Err(refusal) => assert!(refusal.code.starts_with("svg.")),
    }
});
