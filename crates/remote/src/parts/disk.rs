//! How much room the server has where an operation writes.

use crate::error::{RemoteError, Result};
use crate::ops::Remote;

use super::commands::run_script;

/// Free space where `dir` lives, in bytes.
pub(crate) fn free_space(remote: &dyn Remote, dir: &str) -> Result<u64> {
    let out = run_script(
        remote,
        "reading the free space",
        r#"df -Pk -- "$1" | tail -n 1"#,
        &[dir],
    )?;
    out.split_whitespace()
        .nth(3)
        .and_then(|k| k.parse::<u64>().ok())
        .map(|k| k * 1024)
        .ok_or_else(|| RemoteError::Protocol {
            reason: "df did not say how much space is free".into(),
        })
}
