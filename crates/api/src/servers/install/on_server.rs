//! What an earlier install left on the server, read back: its secrets, its env files, the
//! data volumes a restore switched to; and the steps an install runs on the server before
//! its plan.

use deskmate_remote::ops::Event;
use deskmate_remote::ops::{PlannedStep, StepReport};
use deskmate_remote::{Remote, Session, script};
use deskmate_stack::{DATA_VOLUMES, DataVolumes};

#[derive(Default)]
pub(super) struct ServerSecrets {
    pub(super) postgres_password: Option<String>,
    pub(super) secret_key: Option<String>,
    pub(super) jwt_secret: Option<String>,
}

/// The secrets in the server's env files, if an earlier install wrote them.
pub(super) fn read_server_secrets(
    session: &Session,
    dir: &str,
) -> deskmate_remote::Result<ServerSecrets> {
    let out = session.capture(
        &script(
            "cat \"$1/shared/env/postgres.env\" \"$1/shared/env/backend.env\" 2>/dev/null || true",
            &[dir],
        )?,
        64 * 1024,
    )?;
    let mut found = ServerSecrets::default();
    for line in out.stdout_text().lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        match key.trim() {
            "POSTGRES_PASSWORD" => found.postgres_password = value,
            "SECRET_KEY" => found.secret_key = value,
            "JWT_SECRET" => found.jwt_secret = value,
            _ => {}
        }
    }
    Ok(found)
}

/// One of the stack's env files as it is on the server (empty when there is none).
pub(in crate::servers) fn read_env(
    session: &Session,
    dir: &str,
    path: &str,
) -> deskmate_remote::Result<String> {
    let out = session.capture(
        &script("cat \"$1/$2\" 2>/dev/null || true", &[dir, path])?,
        64 * 1024,
    )?;
    Ok(out.stdout_text())
}

/// The data volumes a restore switched the stack to, if it did (else the stack's own).
pub(in crate::servers) fn read_data_volumes(
    session: &dyn Remote,
    dir: &str,
) -> deskmate_remote::Result<DataVolumes> {
    let out = session.capture(
        &script("cat \"$1/$2\" 2>/dev/null || true", &[dir, DATA_VOLUMES])?,
        4096,
    )?;
    Ok(DataVolumes::parse(&out.stdout_text()))
}

/// A step that runs before the install's plan, in a session of its own (putting Docker on
/// the server needs a new sign-in after it): told as it starts and ends, then handed to the
/// plan as already done, which audits it.
pub(super) fn before_plan(
    on_event: &mut dyn FnMut(&Event),
    step: &PlannedStep,
    run: impl FnOnce() -> deskmate_remote::Result<StepReport>,
) -> deskmate_remote::Result<StepReport> {
    on_event(&Event::Started {
        step: step.id,
        title: step.title.clone(),
    });
    let done = run()?;
    on_event(&Event::Finished {
        step: done.id,
        changed: done.changed,
        detail: done.detail.clone(),
    });
    Ok(done)
}
