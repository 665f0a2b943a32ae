//! Telling "the command exited 0" apart from "the server never said".
//!
//! libssh2 reports an exit status of 0 when none arrived (a dropped connection, a killed
//! sshd), so it cannot be trusted alone. Every command therefore runs inside a small wrapper
//! (see [`crate::exec`]) that, as its last act, prints `\x1e<nonce> exit <code>\n` on
//! stderr. The nonce is random per command, so no output of the command can forge it. This
//! filter passes stderr through, holding back only what could be the start of that line, and
//! at the end says whether the line came and what it said.

/// The record separator that starts the line; not something programs print.
const MARK: u8 = 0x1e;
/// The held-back tail never needs to be longer than the whole line.
const MAX_LINE: usize = 64;

pub struct ExitMarker {
    prefix: Vec<u8>,
    held: Vec<u8>,
}

impl ExitMarker {
    pub fn new(nonce: &str) -> Self {
        let mut prefix = vec![MARK];
        prefix.extend_from_slice(nonce.as_bytes());
        prefix.extend_from_slice(b" exit ");
        ExitMarker {
            prefix,
            held: Vec::new(),
        }
    }

    /// Takes a chunk of stderr and returns what can be passed on now.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.held.extend_from_slice(chunk);
        // Everything before the last MARK in the final MAX_LINE bytes is the command's own.
        let window_start = self.held.len().saturating_sub(MAX_LINE);
        let keep_from = self.held[window_start..]
            .iter()
            .rposition(|&b| b == MARK)
            .map(|i| window_start + i)
            .filter(|&i| self.could_be_marker(&self.held[i..]))
            .unwrap_or(self.held.len());
        let rest = self.held.split_off(keep_from);
        std::mem::replace(&mut self.held, rest)
    }

    /// At the end of stderr: the exit code if the line came last, and whatever stderr was
    /// still held back.
    pub fn finish(self) -> (Option<i32>, Vec<u8>) {
        let held = self.held;
        let parsed = held
            .strip_prefix(self.prefix.as_slice())
            .and_then(|rest| rest.strip_suffix(b"\n"))
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<i32>().ok());
        match parsed {
            Some(code) => (Some(code), Vec::new()),
            None => (None, held),
        }
    }

    /// Whether `tail` (starting at a MARK) may still grow into the marker line.
    fn could_be_marker(&self, tail: &[u8]) -> bool {
        let n = tail.len().min(self.prefix.len());
        if tail[..n] != self.prefix[..n] {
            return false;
        }
        let after = &tail[n..];
        match after.iter().position(|&b| b == b'\n') {
            None => after.iter().all(u8::is_ascii_digit),
            Some(end) => end + 1 == after.len() && after[..end].iter().all(u8::is_ascii_digit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NONCE: &str = "3f9a";

    fn run(chunks: &[&[u8]]) -> (Option<i32>, Vec<u8>) {
        let mut marker = ExitMarker::new(NONCE);
        let mut passed = Vec::new();
        for chunk in chunks {
            passed.extend(marker.feed(chunk));
        }
        let (code, rest) = marker.finish();
        passed.extend(rest);
        (code, passed)
    }

    #[test]
    fn the_line_is_stripped_and_read() {
        assert_eq!(
            run(&[b"warn\n\x1e3f9a exit 3\n"]),
            (Some(3), b"warn\n".to_vec())
        );
    }

    #[test]
    fn a_missing_line_means_no_status() {
        assert_eq!(run(&[b"killed\n"]), (None, b"killed\n".to_vec()));
    }

    #[test]
    fn a_forged_line_with_another_nonce_is_just_output() {
        let (code, out) = run(&[b"\x1effff exit 0\n"]);
        assert_eq!(code, None);
        assert_eq!(out, b"\x1effff exit 0\n");
    }

    #[test]
    fn the_line_must_come_last() {
        let (code, out) = run(&[b"\x1e3f9a exit 0\nmore\n"]);
        assert_eq!(code, None);
        assert_eq!(out, b"\x1e3f9a exit 0\nmore\n");
    }

    proptest! {
        /// However stderr is cut into chunks, the output and the code are the same, and no
        /// byte of the command's own stderr is lost.
        #[test]
        fn chunking_does_not_matter(
            body in proptest::collection::vec(any::<u8>(), 0..400),
            code in 0..256i32,
            cuts in proptest::collection::vec(0usize..500, 0..8),
        ) {
            let mut all = body.clone();
            all.extend_from_slice(format!("\x1e{NONCE} exit {code}\n").as_bytes());
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (all.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for cut in cuts {
                chunks.push(&all[last..cut]);
                last = cut;
            }
            chunks.push(&all[last..]);
            let (found, out) = run(&chunks);
            prop_assert_eq!(found, Some(code));
            prop_assert_eq!(out, body);
        }
    }
}
