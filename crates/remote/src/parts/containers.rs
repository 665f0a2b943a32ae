//! The project's containers as `docker ps` sees them (whatever compose there is).

use crate::error::Result;
use crate::ops::Remote;

use super::commands::run_script;
use super::spec::InstallSpec;

/// One container of the project, as `docker ps` sees it (works whatever compose there is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerState {
    pub id: String,
    pub service: String,
    pub state: String,
    /// healthy, unhealthy, starting, or empty without a health check.
    pub health: String,
    pub release: String,
}

pub fn containers(session: &dyn Remote, project: &str) -> Result<Vec<ContainerState>> {
    let label = format!("label=com.docker.compose.project={project}");
    let out = run_script(
        session,
        "listing the stack's containers",
        r#"docker ps -a --filter "$1" --format '{{.ID}}	{{.Label "com.docker.compose.service"}}	{{.State}}	{{.Status}}	{{.Label "org.deskmate.release"}}'"#,
        &[&label],
    )?;
    Ok(out
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let (id, service, state, status, release) = (
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next().unwrap_or(""),
            );
            let health = if status.contains("(healthy)") {
                "healthy"
            } else if status.contains("(unhealthy)") {
                "unhealthy"
            } else if status.contains("health: starting") {
                "starting"
            } else {
                ""
            };
            Some(ContainerState {
                id: id.to_string(),
                service: service.to_string(),
                state: state.to_string(),
                health: health.to_string(),
                release: release.to_string(),
            })
        })
        .collect())
}

pub(crate) fn all_healthy(spec: &InstallSpec, list: &[ContainerState]) -> bool {
    spec.services.iter().all(|service| {
        list.iter().any(|c| {
            c.service == *service
                && c.state == "running"
                && c.health == "healthy"
                && c.release == spec.version
        })
    })
}
