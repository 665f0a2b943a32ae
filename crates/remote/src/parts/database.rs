//! The stack's PostgreSQL, changed in place: the database user's password (a rotation, and
//! the way back from one).

use crate::error::Result;
use crate::exec::{Exit, script};
use crate::ops::Remote;
use crate::secrets::Secret;

use super::commands::refuse;

/// `ALTER USER deskmate` in the project's running database. The statement goes on stdin, so
/// the password is never on a command line (`ps`); psql's complaint, which can quote the
/// statement back, is shown with every password in `redact` taken out.
pub(crate) fn set_password(
    remote: &dyn Remote,
    project: &str,
    password: &Secret,
    redact: &[&Secret],
) -> Result<()> {
    // The app makes these passwords of letters and digits (as the install does); anything
    // else would need quoting the one place it cannot be checked here, so it is refused.
    if password.expose().is_empty() || !password.expose().chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(refuse(
            "config.database_password_unusual",
            "The database password in postgres.env is not one the app made (letters and digits).",
            "Nothing was changed in the database. Install DeskMate again to put its own files back, then rotate.",
        ));
    }
    let statement = format!(
        "ALTER USER deskmate WITH PASSWORD '{}';\n",
        password.expose()
    );
    let out = remote.capture_with_input(
        &script(
            r#"c=$(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=postgres | head -n 1)
[ -n "$c" ] || { echo "the database is not running" >&2; exit 1; }
exec docker exec -i "$c" psql -X -q -v ON_ERROR_STOP=1 -U deskmate -d deskmate"#,
            &[project],
        )?,
        Some(&mut statement.as_bytes()),
        64 * 1024,
    )?;
    if out.exit.success() {
        return Ok(());
    }
    let mut said = out.stderr_tail();
    for secret in redact.iter().chain([&password]) {
        if !secret.expose().is_empty() {
            said = said.replace(secret.expose(), "***");
        }
    }
    let code = match out.exit {
        Exit::Code(c) => c,
        Exit::Signal(_) => -1,
    };
    Err(refuse(
        "config.database_refused",
        format!(
            "The database did not take the password (exit {code}): {}",
            said.trim()
        ),
        "Check that the database runs (server health).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::fake::{RecordingFake, Reply};

    #[test]
    fn the_password_goes_on_stdin_and_never_into_the_words_of_a_refusal() {
        let fake = RecordingFake::new();
        fake.on(
            "psql",
            Reply::fail(
                3,
                "ERROR: syntax error\nLINE 1: ALTER USER deskmate WITH PASSWORD 'Canary123'\n",
            ),
        );
        let new = Secret::new("Canary123");
        let err = set_password(&fake, "deskmate", &new, &[]).unwrap_err();
        assert_eq!(err.code(), "config.database_refused");
        assert!(!err.to_string().contains("Canary123"), "{err}");
        assert!(fake.commands().iter().all(|c| !c.contains("Canary123")));
    }

    #[test]
    fn a_password_the_app_did_not_make_is_refused_before_the_database_is_asked() {
        let fake = RecordingFake::new();
        let err = set_password(&fake, "deskmate", &Secret::new("a'b"), &[]).unwrap_err();
        assert_eq!(err.code(), "config.database_password_unusual");
        assert!(fake.commands().is_empty());
    }
}
