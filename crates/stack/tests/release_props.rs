//! The release file reader on arbitrary input: it never panics, it reads back exactly what a
//! valid release says, and whatever it accepts is safe to use as names and paths.

mod common;

use deskmate_stack::release::{self, Release};
use proptest::prelude::*;

fn image_name() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._/-]{0,30}(:[a-z0-9._-]{1,12})?"
}

fn hex64() -> impl Strategy<Value = String> {
    "[0-9a-f]{64}"
}

fn valid_release() -> impl Strategy<Value = Release> {
    let no_two_dots = |s: &String| !s.contains("..");
    (
        "[A-Za-z0-9][A-Za-z0-9._+-]{0,20}".prop_filter("no ..", no_two_dots),
        proptest::collection::vec((image_name(), hex64()), 5),
        proptest::collection::vec(
            (
                "[A-Za-z0-9][A-Za-z0-9._-]{0,20}".prop_filter("no ..", no_two_dots),
                hex64(),
                0u64..1 << 40,
            ),
            0..4,
        ),
    )
        .prop_map(|(version, images, archives)| {
            let mut json = serde_json::json!({ "version": version, "source": "a test", "images": {}, "archives": [] });
            for (role, (image, id)) in ["postgres", "qdrant", "backend", "frontend", "proxy"].iter().zip(images) {
                json["images"][role] = serde_json::json!({ "image": image, "id": format!("sha256:{id}") });
            }
            for (file, sha256, size) in archives {
                json["archives"].as_array_mut().unwrap().push(serde_json::json!({
                    "file": file, "sha256": sha256, "size": size, "images": ["backend"],
                }));
            }
            release::parse(json.to_string().as_bytes()).expect("a valid release")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_are_read_or_refused_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = release::parse(&bytes);
    }

    #[test]
    fn any_json_shaped_like_a_release_is_read_or_refused(
        version in ".{0,70}",
        image in ".{0,40}",
        file in ".{0,40}",
    ) {
        let mut json: serde_json::Value = serde_json::from_str(&common::release_json("1.0.0")).unwrap();
        json["version"] = version.clone().into();
        json["images"]["backend"]["image"] = image.into();
        json["archives"] = serde_json::json!([{ "file": file, "sha256": "0".repeat(64), "size": 1, "images": ["backend"] }]);
        if let Ok(read) = release::parse(json.to_string().as_bytes()) {
            // What is accepted is one plain path component and one plain file name.
            prop_assert!(!read.version.contains('/') && !read.version.contains(".."));
            prop_assert!(!read.archives[0].file.contains('/') && !read.archives[0].file.starts_with('.'));
            prop_assert!(!read.archives[0].file.contains(".."));
            prop_assert!(read.version.chars().all(|c| c.is_ascii_graphic()));
        }
    }

    #[test]
    fn a_valid_release_reads_back_exactly(original in valid_release()) {
        let text = serde_json::to_string(&original).unwrap();
        prop_assert_eq!(release::parse(text.as_bytes()).unwrap(), original);
    }
}

/// Found by the `release_file` fuzz target: a version with `..` inside it.
#[test]
fn a_version_or_archive_with_two_dots_is_refused() {
    for version in ["102..-broken", "1..2", "a.."] {
        assert!(release::check_version(version).is_err(), "{version}");
    }
    let mut json: serde_json::Value = serde_json::from_str(&common::release_json("1.0.0")).unwrap();
    json["archives"] = serde_json::json!([{ "file": "a..tar", "sha256": "0".repeat(64), "size": 1, "images": ["backend"] }]);
    assert!(release::parse(json.to_string().as_bytes()).is_err());
}

#[test]
fn oversized_and_incomplete_releases_are_refused_with_their_codes() {
    let big = vec![b' '; release::MAX_RELEASE_BYTES + 1];
    assert_eq!(
        release::parse(&big).unwrap_err().code(),
        "release.too_large"
    );
    let mut json: serde_json::Value = serde_json::from_str(&common::release_json("1.0.0")).unwrap();
    json["images"].as_object_mut().unwrap().remove("qdrant");
    let err = release::parse(json.to_string().as_bytes()).unwrap_err();
    assert_eq!(err.code(), "release.invalid");
    assert!(err.to_string().contains("no `qdrant` image"), "{err}");
}

proptest::proptest! {
    /// `shared/data-volumes` comes from the server: whatever it says, only names Docker
    /// takes come out, and a well-formed file reads back exactly.
    #[test]
    fn data_volumes_read_only_docker_names(
        text in "\\PC{0,200}",
        postgres in "[a-z0-9][a-z0-9_.-]{0,40}",
        qdrant in "[a-z0-9][a-z0-9_.-]{0,40}",
    ) {
        let read = deskmate_stack::DataVolumes::parse(&text);
        for name in [&read.postgres, &read.qdrant].into_iter().flatten() {
            proptest::prop_assert!(deskmate_stack::is_volume_name(name));
        }
        let back = deskmate_stack::DataVolumes::parse(&deskmate_stack::DataVolumes::render(&postgres, &qdrant));
        proptest::prop_assert_eq!(back.postgres.as_deref(), Some(postgres.as_str()));
        proptest::prop_assert_eq!(back.qdrant.as_deref(), Some(qdrant.as_str()));
    }
}
