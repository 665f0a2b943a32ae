//! DeskMate's `/api/health` through the stack's proxy, from the server's own loopback.

use std::time::{Duration, Instant};

use crate::cancel::Cancel;
use crate::error::Result;
use crate::ops::Remote;

use super::commands::check_cancel;
use super::spec::ProxyProbe;

/// `GET /api/health` through the proxy, from the server's own loopback.
/// Asks through the proxy until DeskMate answers, for up to 90 seconds: the proxy may still
/// be getting its certificate (an ACME order takes seconds, and one refused by the CA is
/// tried again 10 s later). The outer error is a cancel; the inner one the last answer.
pub(crate) fn wait_through_proxy(
    session: &dyn Remote,
    probe: &ProxyProbe,
    cancel: &Cancel,
) -> Result<std::result::Result<(), String>> {
    wait_through_proxy_within(session, probe, Duration::from_secs(90), cancel)
}

/// [`wait_through_proxy`] for up to `within`.
pub(crate) fn wait_through_proxy_within(
    session: &dyn Remote,
    probe: &ProxyProbe,
    within: Duration,
    cancel: &Cancel,
) -> Result<std::result::Result<(), String>> {
    let deadline = Instant::now() + within;
    let mut answer = through_proxy(session, probe);
    while answer.is_err() {
        check_cancel(cancel)?;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(Duration::from_secs(1).min(left));
        answer = through_proxy(session, probe);
    }
    Ok(answer)
}

pub fn through_proxy(session: &dyn Remote, probe: &ProxyProbe) -> std::result::Result<(), String> {
    let body =
        crate::backend::fetch_path(session, probe.port, "/api/health", &probe.host, probe.https)?;
    if body.status == "healthy" {
        Ok(())
    } else {
        Err(format!("the backend says it is {}", body.status))
    }
}
