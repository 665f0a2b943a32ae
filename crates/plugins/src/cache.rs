//! Compiled components on disk, so loading an installed plugin skips Cranelift.
//!
//! An entry is named `<sha256 of the wasm>-<engine hash>.cwasm`. The engine hash is
//! wasmtime's own compatibility hash, which covers the wasmtime version and every compile
//! setting, so an upgrade or a config change simply misses the cache. Entries are written
//! atomically. A stale or corrupt entry fails wasmtime's own header checks and is compiled
//! again and replaced.
//!
//! Trust: deserializing an entry runs its machine code, so the cache directory must be as
//! private as the app's data dir it lives in; the app never reads cache entries from
//! anywhere else.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::error::{PluginError, Result};

pub(crate) struct ComponentCache {
    dir: PathBuf,
    engine_hash: u64,
}

/// Whether a load found its component compiled already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheUse {
    Hit,
    Miss,
    Disabled,
}

impl ComponentCache {
    pub(crate) fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache {
            dir,
            engine_hash: hasher.finish(),
        }
    }

    fn entry(&self, sha256: &str) -> PathBuf {
        self.dir
            .join(format!("{sha256}-{:016x}.cwasm", self.engine_hash))
    }

    /// The component for `wasm`, from the cache when possible. `sha256` must already have
    /// been checked against `wasm`.
    pub(crate) fn load(
        &self,
        engine: &Engine,
        sha256: &str,
        wasm: &[u8],
    ) -> Result<(Component, CacheUse)> {
        let entry = self.entry(sha256);
        if entry.is_file() {
            // SAFETY: the entry was written by `store` below from a component this engine
            // compiled, in the app's private data dir (see the module docs), and wasmtime
            // checks its header and engine compatibility before using it.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &entry) } {
                return Ok((component, CacheUse::Hit));
            }
        }
        let component = compile(engine, wasm)?;
        // A cache that cannot be written only costs speed next time.
        let _ = self.store(&entry, &component);
        Ok((component, CacheUse::Miss))
    }

    fn store(&self, entry: &Path, component: &Component) -> Result<()> {
        let bytes = component
            .serialize()
            .map_err(|e| PluginError::BadComponent {
                message: format!("{e:#}"),
            })?;
        std::fs::create_dir_all(&self.dir).map_err(PluginError::io("create", &self.dir))?;
        let mut temp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(PluginError::io("write to", &self.dir))?;
        temp.write_all(&bytes)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(PluginError::io("write", entry))?;
        temp.persist(entry)
            .map_err(|e| PluginError::io("write", entry)(e.error))?;
        Ok(())
    }
}

pub(crate) fn compile(engine: &Engine, wasm: &[u8]) -> Result<Component> {
    Component::new(engine, wasm).map_err(|e| PluginError::BadComponent {
        message: format!("{e:#}"),
    })
}
