//! The release installed on each server, per environment: what `server install` put there.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::Library;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Install {
    pub environment: String,
    pub version: String,
    /// Where the release came from, in words.
    pub source: String,
    /// Unix seconds.
    pub installed_at: i64,
    /// The proxy's port on the server, whether it speaks HTTPS, and the name it answers to.
    pub proxy_port: u16,
    pub proxy_https: bool,
    pub proxy_host: String,
}

impl Library {
    /// Records (or replaces) what runs in `install.environment` on `server`.
    pub fn record_install(&mut self, server: &str, install: &Install) -> Result<()> {
        self.server(server)?;
        self.conn.execute(
            "INSERT INTO installs (server, environment, version, source, installed_at,
                                   proxy_port, proxy_https, proxy_host)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (server, environment) DO UPDATE SET
               version = excluded.version, source = excluded.source,
               installed_at = excluded.installed_at, proxy_port = excluded.proxy_port,
               proxy_https = excluded.proxy_https, proxy_host = excluded.proxy_host",
            params![
                server,
                install.environment,
                install.version,
                install.source,
                install.installed_at,
                install.proxy_port,
                install.proxy_https,
                install.proxy_host
            ],
        )?;
        Ok(())
    }

    /// What runs in `environment` on `server`, if an install recorded it.
    pub fn install(&self, server: &str, environment: &str) -> Result<Option<Install>> {
        self.server(server)?;
        Ok(self
            .conn
            .query_row(
                "SELECT environment, version, source, installed_at, proxy_port, proxy_https,
                        proxy_host FROM installs
                 WHERE server = ?1 AND environment = ?2",
                params![server, environment],
                |row| {
                    Ok(Install {
                        environment: row.get(0)?,
                        version: row.get(1)?,
                        source: row.get(2)?,
                        installed_at: row.get(3)?,
                        proxy_port: row.get(4)?,
                        proxy_https: row.get(5)?,
                        proxy_host: row.get(6)?,
                    })
                },
            )
            .optional()?)
    }
}
