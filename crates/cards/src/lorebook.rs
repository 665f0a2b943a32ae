//! Lorebook decorators: the `@@name value` lines V3 allows at the top of an entry's content.
//!
//! V2 apps do not know decorators and would put them in the prompt, so the V3 spec asks that a
//! V2 backfill removes them. We split them off exactly, so the V3 content can be rebuilt
//! byte for byte: `block + rest == content`.

/// Splits `content` into its leading decorator block (every line starting with `@@`, each with
/// its line break) and the rest.
pub fn split_decorators(content: &str) -> (&str, &str) {
    let mut end = 0;
    while content[end..].starts_with("@@") {
        end = match content[end..].find('\n') {
            Some(nl) => end + nl + 1,
            None => content.len(),
        };
    }
    content.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_only_the_leading_block() {
        let content = "@@depth 5\n@@@instruct_depth 5\nBody @@not a decorator\n@@late";
        let (block, rest) = split_decorators(content);
        assert_eq!(block, "@@depth 5\n@@@instruct_depth 5\n");
        assert_eq!(rest, "Body @@not a decorator\n@@late");
        assert_eq!(split_decorators("@@activate"), ("@@activate", ""));
        assert_eq!(split_decorators("plain"), ("", "plain"));
        assert_eq!(split_decorators("@@a\r\n@@b\r\nx"), ("@@a\r\n@@b\r\n", "x"));
    }
}
