//! The manifest parser on generated input: never a panic, and a round trip for every
//! manifest it accepts.

use std::path::Path;

use deskmate_plugins::{Manifest, Target};
use proptest::prelude::*;

fn parse(text: &str) -> Result<Manifest, deskmate_plugins::PluginError> {
    Manifest::parse(text, Path::new("plugin.toml"))
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9-]{0,70}",
        "[ -~]{0,40}",
        "\\PC{0,30}",
        Just(String::new()),
        Just("../x.wasm".to_string()),
    ]
}

prop_compose! {
    fn manifest()(
        id in field(), name in field(), version in prop_oneof!["[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", field()],
        api in prop_oneof![Just("0.1.0".to_string()), field()],
        targets in proptest::collection::vec(prop_oneof![Just(Target::Room), Just(Target::Persona)], 0..3),
        wasm in prop_oneof!["[a-z_]{1,20}\\.wasm", field()],
        sha in prop_oneof!["[0-9a-f]{64}", field()],
        description in field(), author in field(),
    ) -> Manifest {
        Manifest { id, name, version, api_version: api, targets, wasm, sha256: sha, description, author }
    }
}

proptest! {
    #[test]
    fn any_text_is_parsed_or_refused_without_panicking(text in "\\PC{0,400}") {
        let _ = parse(&text);
    }

    #[test]
    fn an_accepted_manifest_round_trips(manifest in manifest()) {
        if let Ok(parsed) = parse(&manifest.to_toml()) {
            prop_assert_eq!(&parsed, &manifest);
            prop_assert_eq!(parse(&parsed.to_toml()).unwrap(), parsed);
        }
    }

    #[test]
    fn valid_fields_are_accepted(
        id in "[a-z][a-z0-9]{0,20}(-[a-z0-9]{1,10}){0,2}",
        sha in "[0-9a-f]{64}",
        wasm in "[a-z_]{1,20}\\.wasm",
    ) {
        let manifest = Manifest {
            id, name: "A plugin".into(), version: "1.2.3".into(), api_version: "0.1.0".into(),
            targets: vec![Target::Room], wasm, sha256: sha, description: String::new(), author: "me".into(),
        };
        prop_assert_eq!(parse(&manifest.to_toml()).unwrap(), manifest);
    }
}
