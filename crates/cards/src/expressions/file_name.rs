//! Names that come from a card or a sprite and become file names: a card's name is the stem
//! of the DeskMate server's expression files, and a label names a picture in a zip or CHARX.
//! Both are written by whoever made the card, so both are checked before they name a file.

use crate::error::{CardError, Result};

/// Longer names than this are no file system's friend, and no character's real name.
pub const MAX_NAME_BYTES: usize = 200;

/// Accepts `name` as one plain file name (or stem): not empty, not `.` or `..`, no leading
/// dot (hidden files), no folder separators of any system, no drive colon, no NUL or control
/// characters, and at most [`MAX_NAME_BYTES`]. Nothing is rewritten: a name that fails is
/// refused, so two different names never quietly become the same file.
pub fn check_plain_name(name: &str) -> Result<()> {
    let reason = if name.trim().is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_NAME_BYTES {
        Some("it is longer than 200 bytes")
    } else if name == "." || name == ".." {
        Some("it names a folder")
    } else if name.contains(['/', '\\']) {
        Some("it contains a folder separator")
    } else if name.starts_with('.') {
        Some("it starts with a dot, which makes a hidden file")
    } else if name.contains(':') {
        Some("it contains a colon, which Windows reads as a drive or stream")
    } else if name.chars().any(char::is_control) {
        Some("it contains control characters")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(CardError::UnsafeName {
            name: name.escape_debug().to_string(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for name in [
            "aria_vale",
            "zoë",
            "nyx holloway",
            "joy",
            "a.b",
            "名前",
            "x..y",
        ] {
            assert!(check_plain_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        let long = "a".repeat(201);
        for name in [
            "",
            " ",
            ".",
            "..",
            "../../x",
            "..\\x",
            "/etc/passwd",
            "a/b",
            "C:evil",
            ".hidden",
            "nul\0byte",
            "line\nbreak",
            &long,
        ] {
            let err = check_plain_name(name).unwrap_err();
            assert_eq!(err.code(), "expression.unsafe_name", "{name:?}");
        }
    }
}
