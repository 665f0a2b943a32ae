//! How the server's scripts say why they failed: one `error<TAB>code<TAB>message` line on
//! stderr (`deskmate-lib`'s `fail`), the code stable (`backup.busy`), the message plain words
//! for the owner. The app picks its error code and its advice by the code, never by the
//! words; the last such line counts. A failure without one keeps the caller's generic code,
//! with the script's last line as its message.
//!
//! Bounded: only the first [`MAX_LINES`] lines are read, lines longer than [`MAX_LINE`]
//! bytes are skipped, and a code is `[a-z_]+\.[a-z_]+` of at most [`MAX_CODE`] bytes.

/// Lines of stderr read; the rest is ignored.
pub const MAX_LINES: usize = 10_000;
/// A longer line is not one of ours.
pub const MAX_LINE: usize = 4096;
/// A code's length at most.
pub const MAX_CODE: usize = 64;

/// What a script said when it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// Stable, `[a-z_]+\.[a-z_]+`.
    pub code: String,
    /// Plain words, one line, never empty.
    pub message: String,
}

/// `area.name`: two non-empty runs of `a-z` and `_`, joined by one dot.
pub fn is_code(code: &str) -> bool {
    let part = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    code.len() <= MAX_CODE
        && code
            .split_once('.')
            .is_some_and(|(a, b)| part(a) && part(b))
}

/// The last `error<TAB>code<TAB>message` line of `stderr`, if it has one.
pub fn last_error(stderr: &str) -> Option<ScriptError> {
    stderr
        .lines()
        .take(MAX_LINES)
        .filter(|line| line.len() <= MAX_LINE)
        .filter_map(error_line)
        .last()
}

fn error_line(line: &str) -> Option<ScriptError> {
    let rest = line.strip_prefix("error\t")?;
    let (code, message) = rest.split_once('\t')?;
    let message: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message = message.trim();
    (is_code(code) && !message.is_empty()).then(|| ScriptError {
        code: code.to_string(),
        message: message.to_string(),
    })
}

/// The code to report for a failed script and its message: the script's own code when it is
/// one of `known` (the codes the caller has advice for), else `generic`; the script's words,
/// or, without an error line, its last line of stderr.
pub fn read(stderr: &str, known: &[&'static str], generic: &'static str) -> (&'static str, String) {
    match last_error(stderr) {
        Some(said) => {
            let code = known
                .iter()
                .copied()
                .find(|k| *k == said.code)
                .unwrap_or(generic);
            (code, said.message)
        }
        None => (generic, last_line(stderr)),
    }
}

/// The last non-empty line of `stderr`, trimmed and bounded.
pub fn last_line(stderr: &str) -> String {
    let line = stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(MAX_LINE).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_last_error_line_counts() {
        let stderr = "restic: warming up\nerror\tbackup.busy\tanother backup or restore of this stack is running\nnoise\nerror\tbackup.disk_full\tpg_dump failed (the server's disk is full: 0 KiB free)\ncleanup\n";
        let said = last_error(stderr).unwrap();
        assert_eq!(said.code, "backup.disk_full");
        assert_eq!(
            said.message,
            "pg_dump failed (the server's disk is full: 0 KiB free)"
        );
    }

    #[test]
    fn a_line_that_is_not_one_is_skipped() {
        for line in [
            "error\tBackup.busy\twords",
            "error\tbackup\twords",
            "error\tbackup.\twords",
            "error\t.busy\twords",
            "error\tbackup.busy.now\twords",
            "error\tbackup-busy\twords",
            "error\tbackup.busy\t   ",
            "error\tbackup.busy",
            "error backup.busy words",
            " error\tbackup.busy\twords",
            "errors\tbackup.busy\twords",
        ] {
            assert_eq!(last_error(line), None, "{line}");
        }
        let long = format!("error\tbackup.busy\t{}", "x".repeat(MAX_LINE));
        assert_eq!(last_error(&long), None);
        let code = format!("{}.x", "a".repeat(MAX_CODE));
        assert_eq!(last_error(&format!("error\t{code}\twords")), None);
    }

    #[test]
    fn a_message_keeps_its_tabs_as_spaces_and_loses_control_characters() {
        let said = last_error("error\tverify.busy\tone\ttwo\x1b[31m \r\n").unwrap();
        assert_eq!(said.message, "one two [31m");
    }

    #[test]
    fn the_code_is_the_script_s_when_the_caller_knows_it() {
        let known = ["backup.busy", "backup.no_restic"];
        assert_eq!(
            read(
                "error\tbackup.busy\tanother backup\n",
                &known,
                "backup.failed"
            ),
            ("backup.busy", "another backup".to_string())
        );
        // A code the caller has no advice for: its generic one, with the script's words.
        assert_eq!(
            read(
                "error\tbackup.odd\tsomething odd\n",
                &known,
                "backup.failed"
            ),
            ("backup.failed", "something odd".to_string())
        );
        // No error line: the generic code and the script's last words.
        assert_eq!(
            read(
                "bash: line 3: docker: command not found\n\n",
                &known,
                "backup.failed"
            ),
            (
                "backup.failed",
                "bash: line 3: docker: command not found".to_string()
            )
        );
        assert_eq!(
            read("", &known, "backup.failed"),
            ("backup.failed", String::new())
        );
    }

    #[test]
    fn only_the_first_lines_are_read() {
        let mut stderr = "noise\n".repeat(MAX_LINES);
        stderr.push_str("error\tbackup.busy\tlate\n");
        assert_eq!(last_error(&stderr), None);
    }

    proptest! {
        #[test]
        fn a_fail_line_among_any_other_lines_reads_back(
            code in "[a-z_]{1,20}\\.[a-z_]{1,20}",
            message in "[^\t\r\n]{0,200}[a-zA-Z][^\t\r\n]{0,200}",
            before in proptest::collection::vec("[^\n]{0,80}", 0..20),
            after in proptest::collection::vec("[^e\n][^\n]{0,80}", 0..20),
        ) {
            let mut lines = before.clone();
            lines.push(format!("error\t{code}\t{message}"));
            lines.extend(after);
            let said = last_error(&lines.join("\n")).unwrap();
            prop_assert_eq!(said.code, code);
            let cleaned: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            prop_assert_eq!(said.message, cleaned.trim());
        }

        #[test]
        fn any_text_gives_a_valid_code_and_a_bounded_message(text in "(?s).{0,3000}") {
            if let Some(said) = last_error(&text) {
                prop_assert!(is_code(&said.code));
                prop_assert!(!said.message.is_empty() && said.message.len() <= MAX_LINE);
                prop_assert!(!said.message.contains(['\t', '\n']));
            }
            let (code, message) = read(&text, &["backup.busy"], "backup.failed");
            prop_assert!(code == "backup.busy" || code == "backup.failed");
            prop_assert!(message.chars().count() <= MAX_LINE);
        }
    }
}
