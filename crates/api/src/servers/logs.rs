//! `server logs`: the stack's container logs over SSH, parsed (`deskmate-logs`), filtered
//! here by level and text, with the errors grouped into patterns, the proxy's request
//! figures and the space the logs take.

use deskmate_logs::{
    ErrorGroup, Level, LogLine, RouteStats, group_errors, parse_line, request_stats,
};
use deskmate_remote::Cancel;
use deskmate_remote::logs::{self, LogQuery};
use deskmate_stack::Environment;
use serde::Serialize;

use super::install::stack_dir;
use super::{Servers, remote_error};
use crate::error::ApiError;

/// At most this many lines are kept for one report (the newest, when there are more).
pub const MAX_REPORT_LINES: usize = 200_000;

/// Which lines the owner wants, beyond what `docker logs` selects.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub query: LogQuery,
    /// This level and above.
    pub level: Option<Level>,
    /// Lines whose message holds this text (any case).
    pub grep: Option<String>,
}

impl LogFilter {
    fn keeps(&self, line: &LogLine) -> bool {
        self.level.is_none_or(|l| line.level >= l)
            && self
                .grep
                .as_ref()
                .is_none_or(|g| line.message.to_lowercase().contains(&g.to_lowercase()))
    }
}

/// The lines of a period, and what they add up to.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct LogReport {
    pub lines: Vec<LogLine>,
    /// Lines left out beyond [`MAX_REPORT_LINES`] (the oldest).
    #[ts(type = "number")]
    pub cut: u64,
    pub errors: Vec<ErrorGroup>,
    pub requests: Vec<RouteStats>,
    /// `(service, bytes)` of each service's log on the server.
    #[ts(type = "Array<[string, number]>")]
    pub space: Vec<(String, u64)>,
}

impl Servers {
    /// Each line, as it comes (with `follow`, until cancelled), that the filter keeps.
    pub fn logs_follow(
        &self,
        name: &str,
        environment: Environment,
        filter: &LogFilter,
        on_line: &mut dyn FnMut(LogLine),
        cancel: &Cancel,
    ) -> Result<(), ApiError> {
        let (server, session) = self.open_session(name)?;
        let project = deskmate_stack::project_name(&stack_dir(&server.stack_dir, environment));
        logs::stream(
            &session,
            &project,
            &filter.query,
            &mut |raw| {
                if let Some(line) = parse_line(raw).filter(|l| filter.keeps(l)) {
                    on_line(line);
                }
            },
            cancel,
        )
        .map_err(|e| remote_error(e, name))
    }

    /// The lines of a period, in time order, with the error patterns, the request figures
    /// over `minutes` and the space the logs take.
    pub fn logs_report(
        &self,
        name: &str,
        environment: Environment,
        filter: &LogFilter,
        minutes: f64,
        cancel: &Cancel,
    ) -> Result<LogReport, ApiError> {
        let query = LogFilter {
            query: LogQuery {
                follow: false,
                ..filter.query.clone()
            },
            // Request figures need every access line, whatever the filter shows.
            level: None,
            grep: None,
        };
        let mut all: Vec<LogLine> = Vec::new();
        let mut cut = 0u64;
        self.logs_follow(
            name,
            environment,
            &query,
            &mut |line| {
                if all.len() >= 2 * MAX_REPORT_LINES {
                    let drop = all.len() - MAX_REPORT_LINES;
                    all.drain(..drop);
                    cut += drop as u64;
                }
                all.push(line);
            },
            cancel,
        )?;
        all.sort_by(|a, b| a.time.cmp(&b.time));
        if all.len() > MAX_REPORT_LINES {
            let drop = all.len() - MAX_REPORT_LINES;
            all.drain(..drop);
            cut += drop as u64;
        }
        let requests = request_stats(&all, minutes);
        let lines: Vec<LogLine> = all.into_iter().filter(|l| filter.keeps(l)).collect();
        let (errors, _) = group_errors(&lines);
        let (server, session) = self.open_session(name)?;
        let project = deskmate_stack::project_name(&stack_dir(&server.stack_dir, environment));
        let space = logs::space(&session, &project).map_err(|e| remote_error(e, name))?;
        Ok(LogReport {
            lines,
            cut,
            errors,
            requests,
            space,
        })
    }
}
