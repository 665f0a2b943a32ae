//! What one release of the stack is, as the operations that put it on a server need it:
//! its files, images, services and how its proxy is reached.

use std::path::PathBuf;
use std::time::Duration;

use super::stack_files::SpecFile;

/// An image the release needs, and the id it must have.
#[derive(Debug, Clone)]
pub struct WantedImage {
    pub tag: String,
    pub id: String,
}

/// A `docker save` archive on this computer that holds some of the images.
#[derive(Debug, Clone)]
pub struct LocalArchive {
    pub path: PathBuf,
    pub sha256: String,
    pub tags: Vec<String>,
}

/// How to reach the backend through the proxy from the server itself.
#[derive(Debug, Clone)]
pub struct ProxyProbe {
    pub port: u16,
    pub https: bool,
    /// The Host header and TLS name.
    pub host: String,
}

/// Everything one install needs.
#[derive(Clone)]
pub struct InstallSpec {
    pub dir: String,
    pub version: String,
    /// The compose project name (containers are labelled with it).
    pub project: String,
    pub environment: String,
    /// The stack's files, relative to the stack folder (`releases/<version>/…`, `shared/…`).
    pub files: Vec<SpecFile>,
    /// The boot unit, jail and logrotate rule (absolute paths; need root).
    pub host_files: Vec<SpecFile>,
    /// Where the host's files go: empty for the server's own `/`. Tests point it at a
    /// folder of their own, so the test machine's `/etc` is never written.
    pub host_root: String,
    pub unit: String,
    /// Timers the host step enables and starts (the watchdog's).
    pub timers: Vec<String>,
    pub firewall: Vec<Vec<String>>,
    pub images: Vec<WantedImage>,
    pub archives: Vec<LocalArchive>,
    pub services: Vec<String>,
    pub proxy: ProxyProbe,
    pub health_timeout: Duration,
}
