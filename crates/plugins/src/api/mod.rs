//! The versions of the `deskmate:validator` WIT package the host serves.
//!
//! Each published version has its own folder under `plugins/wit/` and its own module here,
//! generated from that folder by `bindgen!` (as Zed does for its extension API). A plugin's
//! manifest names its version; the host links it against that version's bindings, so
//! plugins written for 0.1 keep working when 0.2 arrives. Adding a version means: a new
//! WIT folder, a new module, a new [`ApiVersion`] variant, and a line in [`SUPPORTED`].

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use crate::error::{PluginError, Result};
use crate::failure::Failure;
use crate::manifest::Target;
use crate::sandbox::Sandbox;

pub(crate) mod v0_1;

/// API versions this host can run, oldest first.
pub const SUPPORTED: &[&str] = &[v0_1::VERSION];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiVersion {
    V0_1,
}

impl ApiVersion {
    pub(crate) fn parse(version: &str) -> Result<Self> {
        match version {
            v0_1::VERSION => Ok(ApiVersion::V0_1),
            _ => Err(PluginError::UnsupportedApi {
                found: version.to_string(),
                supported: SUPPORTED,
            }),
        }
    }
}

/// One linker per version, built once and shared by every plugin of that version.
pub(crate) struct Linkers {
    v0_1: Linker<Sandbox>,
}

impl Linkers {
    pub(crate) fn new(engine: &Engine) -> wasmtime::Result<Self> {
        Ok(Linkers {
            v0_1: v0_1::linker(engine)?,
        })
    }
}

/// A compiled plugin, ready to instantiate cheaply, behind the version it speaks.
pub(crate) enum Prepared {
    V0_1(v0_1::Prepared),
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub targets: Vec<Target>,
}

impl Prepared {
    pub(crate) fn new(
        version: ApiVersion,
        linkers: &Linkers,
        component: &Component,
    ) -> Result<Self> {
        let bad = |e: wasmtime::Error| PluginError::BadComponent {
            message: format!("{e:#}"),
        };
        match version {
            ApiVersion::V0_1 => Ok(Prepared::V0_1(
                v0_1::Prepared::new(&linkers.v0_1, component).map_err(bad)?,
            )),
        }
    }

    /// Instantiates once to check the exports' types, so a mismatch is refused at install
    /// rather than surfacing at every validation.
    pub(crate) fn check_exports(
        &self,
        store: &mut wasmtime::Store<Sandbox>,
    ) -> Result<(), Failure> {
        match self {
            Prepared::V0_1(p) => p.check_exports(store),
        }
    }

    pub(crate) fn info(&self, store: &mut wasmtime::Store<Sandbox>) -> Result<PluginInfo, Failure> {
        match self {
            Prepared::V0_1(p) => p.info(store),
        }
    }

    pub(crate) fn validate(
        &self,
        store: &mut wasmtime::Store<Sandbox>,
        target: Target,
        document: &str,
    ) -> Result<Vec<deskmate_diagnostics::Diagnostic>, Failure> {
        match self {
            Prepared::V0_1(p) => p.validate(store, target, document),
        }
    }
}
