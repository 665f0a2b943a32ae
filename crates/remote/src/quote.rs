//! Quoting for the remote shell.
//!
//! Every remote command is one string that the server's login shell parses, so every
//! argument that did not come from this program's own literals must be quoted. This
//! module is the only place that does it. The rule is POSIX: inside single quotes nothing
//! is special, and a single quote itself is written as `'\''` (close, escaped quote,
//! reopen). Any POSIX shell (`sh`, dash, bash, zsh in sh mode) reads it back as the exact
//! bytes. The tests check that against a real `sh`.
//!
//! A NUL byte cannot travel in a command line at all, so it is refused rather than
//! silently truncating the argument.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("an argument for a remote command contains a NUL byte, which no shell can pass on")]
    Nul,
}

impl QuoteError {
    pub fn code(&self) -> &'static str {
        "ssh.unquotable_argument"
    }
}

/// One argument, quoted for a POSIX shell. Words made only of characters no shell treats
/// specially are left as they are, so logs stay readable.
pub fn quote(arg: &str) -> Result<String, QuoteError> {
    if arg.contains('\0') {
        return Err(QuoteError::Nul);
    }
    if !arg.is_empty() && arg.bytes().all(is_plain) {
        return Ok(arg.to_string());
    }
    let mut quoted = String::with_capacity(arg.len() + 2);
    quoted.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    Ok(quoted)
}

/// `program` followed by each argument quoted, as one command line. `program` is quoted
/// too: it may come from a profile (a stack folder, say).
pub fn command_line<S: AsRef<str>>(program: &str, args: &[S]) -> Result<String, QuoteError> {
    let mut line = quote(program)?;
    for arg in args {
        line.push(' ');
        line.push_str(&quote(arg.as_ref())?);
    }
    Ok(line)
}

/// Bytes that mean nothing to a POSIX shell in any position of a word. (`=` and `~` are
/// left out: `~` expands at the start of a word, `=` in zsh's.)
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'-' | b'.' | b'/' | b',' | b':' | b'@' | b'+' | b'%'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_readable_and_the_rest_is_quoted() {
        assert_eq!(quote("/opt/deskmate").unwrap(), "/opt/deskmate");
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(quote("it's").unwrap(), "'it'\\''s'");
        assert_eq!(quote("$(reboot)").unwrap(), "'$(reboot)'");
        assert_eq!(quote("~root").unwrap(), "'~root'");
        assert_eq!(quote("a\0b"), Err(QuoteError::Nul));
        assert_eq!(
            command_line(
                "docker",
                &["compose", "--project-directory", "/opt/desk mate"]
            )
            .unwrap(),
            "docker compose --project-directory '/opt/desk mate'"
        );
    }
}
