//! `server maintain`: the stack's housekeeping (`bin/deskmate-maintain`, which the app puts
//! in place first), now or on the server's weekly timer. `--plan` shows each step with
//! today's sizes and changes nothing.

use deskmate_remote::Cancel;
use deskmate_remote::maintain::{self, MaintainStep, Maintained};
use deskmate_remote::ops::install::SpecFile;
use deskmate_remote::ops::schedule::{self, ScheduleSpec};
use deskmate_remote::ops::{Event, Runner, Scope};
use deskmate_stack::maintain as files;
use deskmate_stack::{Environment, project_name};
use serde::Serialize;

use super::opened::Opened;
use super::{Servers, holder, stopped_error};
use crate::error::ApiError;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct MaintainReport {
    pub server: String,
    pub environment: &'static str,
    pub planned_only: bool,
    pub steps: Vec<MaintainStep>,
    /// What the steps gave back, in bytes (what they would, for a plan).
    #[ts(type = "number")]
    pub freed_bytes: u64,
}

impl Servers {
    pub fn maintain(
        &self,
        name: &str,
        environment: Environment,
        plan_only: bool,
        on_event: &mut dyn FnMut(&Event),
        cancel: &Cancel,
    ) -> Result<MaintainReport, ApiError> {
        let Opened {
            session,
            dir,
            _claim,
            ..
        } = self.open_for(name, environment, Some("maintenance"))?;
        let script_files: Vec<SpecFile> = files::scripts()
            .into_iter()
            .map(|f| SpecFile {
                path: f.path,
                contents: f.contents.into_bytes(),
                secret: false,
            })
            .collect();
        let scope = Scope {
            dir,
            environment: environment.name().into(),
            subject: "-".into(),
        };
        let plan = maintain::plan(scope, plan_only, script_files);
        let mut done = Maintained::default();
        Runner::new(&session, cancel, holder(), on_event)
            .run(plan, &mut done)
            .map_err(|stopped| stopped_error(stopped, name, environment))?;
        Ok(MaintainReport {
            server: name.to_string(),
            environment: environment.name(),
            planned_only: plan_only,
            freed_bytes: done.freed_bytes(),
            steps: done.steps,
        })
    }

    /// The weekly timer (Mondays 04:45, after the night's backup); its name. Needs root or
    /// passwordless sudo, as every system timer does.
    pub fn maintain_schedule(
        &self,
        name: &str,
        environment: Environment,
        host_root: &str,
    ) -> Result<String, ApiError> {
        let Opened {
            server,
            session,
            dir,
            _claim,
        } = self.open_for(name, environment, Some("a maintenance schedule"))?;
        let project = project_name(&dir);
        let to_spec = |f: deskmate_stack::File| SpecFile {
            path: f.path,
            contents: f.contents.into_bytes(),
            secret: false,
        };
        let timer = files::timer_name(&project);
        let spec = ScheduleSpec {
            operation: "maintain-schedule",
            scope: Scope {
                dir: dir.clone(),
                environment: environment.name().into(),
                subject: "-".into(),
            },
            files: files::scripts().into_iter().map(to_spec).collect(),
            units: files::timer_units(&dir, &project, &server.user)
                .into_iter()
                .map(to_spec)
                .collect(),
            staging: format!("{dir}/state/host"),
            host_root: host_root.to_string(),
            timers: vec![timer.clone()],
            needs_root: (
                "maintain.schedule_needs_root",
                format!(
                    "{} may not act as root on {name}, and the maintenance timer is a system service",
                    server.user
                ),
                "add the server with a root account, or give this one passwordless sudo; until then, run maintenance by hand".into(),
            ),
        };
        Runner::new(&session, &Cancel::new(), holder(), &mut |_: &Event| {})
            .run(schedule::plan(&spec), &mut ())
            .map_err(|stopped| stopped_error(stopped, name, environment))?;
        Ok(timer)
    }
}
