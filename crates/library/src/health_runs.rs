//! Health history: every `server health` run, so the app can chart a server over time.

use rusqlite::params;
use serde::Serialize;

use crate::Library;
use crate::error::Result;

/// Runs kept per server; older ones are dropped as new ones arrive (a run every 5 minutes
/// for three days).
pub const MAX_RUNS_PER_SERVER: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthRun {
    pub checked_at: i64,
    /// pass, warn or fail.
    pub overall: String,
    pub elapsed_ms: i64,
    /// The full report, as JSON.
    pub report: String,
}

impl Library {
    /// Saves a run and trims the server's history, in one transaction.
    pub fn record_health(&mut self, server: &str, run: &HealthRun) -> Result<()> {
        self.server(server)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO health_runs (server, checked_at, overall, elapsed_ms, report)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                server,
                run.checked_at,
                run.overall,
                run.elapsed_ms,
                run.report
            ],
        )?;
        tx.execute(
            "DELETE FROM health_runs WHERE server = ?1 AND id NOT IN
               (SELECT id FROM health_runs WHERE server = ?1 ORDER BY id DESC LIMIT ?2)",
            params![server, MAX_RUNS_PER_SERVER],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` runs, newest first.
    pub fn health_history(&self, server: &str, limit: u32) -> Result<Vec<HealthRun>> {
        self.server(server)?;
        let mut statement = self.conn.prepare(
            "SELECT checked_at, overall, elapsed_ms, report FROM health_runs
             WHERE server = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![server, limit], |row| {
            Ok(HealthRun {
                checked_at: row.get(0)?,
                overall: row.get(1)?,
                elapsed_ms: row.get(2)?,
                report: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
