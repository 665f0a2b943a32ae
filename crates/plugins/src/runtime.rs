//! The host: one wasmtime engine shared by every plugin, and the calls into them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use deskmate_diagnostics::Diagnostic;
use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::api::{ApiVersion, Linkers, PluginInfo, Prepared};
use crate::cache::{CacheUse, ComponentCache, compile};
use crate::error::{PluginError, Result};
use crate::failure::Failure;
use crate::limits::Limits;
use crate::log::Log;
use crate::manifest::{Manifest, Target};
use crate::sandbox::Sandbox;

/// How often the engine's epoch advances. A call is stopped at most one tick after its
/// deadline.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Calls that can be in flight at once across all plugins (the pool's size). More than this
/// and the extra calls fail with a `plugin.trap` finding instead of waiting.
const CONCURRENT_CALLS: u32 = 32;

/// Runs plugins. Create one per app and share it: the engine, the linkers and the epoch
/// ticker thread are all meant to be shared.
pub struct Runtime {
    engine: Engine,
    linkers: Linkers,
    cache: Option<ComponentCache>,
    limits: Limits,
    /// Held for its `Drop`, which stops the thread.
    _ticker: Ticker,
}

/// A plugin compiled and linked, ready for calls. Cheap to call many times.
pub struct Plugin {
    pub manifest: Manifest,
    prepared: Prepared,
    /// Whether loading found the compiled component in the cache.
    pub cache: CacheUse,
}

/// One validation call's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    pub plugin: String,
    /// The plugin's findings, each tagged with its id as their source. A failed call is one
    /// finding with a `plugin.*` code, and `failure` says what happened.
    pub diagnostics: Vec<Diagnostic>,
    pub failure: Option<Failure>,
    pub log: Log,
    #[serde(rename = "elapsed_ms", serialize_with = "as_millis")]
    pub elapsed: Duration,
}

fn as_millis<S: serde::Serializer>(
    elapsed: &Duration,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(elapsed.as_secs_f64() * 1e3)
}

impl Runtime {
    /// `cache_dir` holds compiled components; `None` compiles on every load.
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> Result<Runtime> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        // Every call instantiates afresh, so instances come from a pool of pre-reserved
        // slots instead of fresh mappings: this is most of what makes a warm call cheap.
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(CONCURRENT_CALLS)
            .total_core_instances(CONCURRENT_CALLS * 16)
            .total_memories(CONCURRENT_CALLS * 4)
            .max_memories_per_component(crate::sandbox::MAX_MEMORIES)
            .total_tables(CONCURRENT_CALLS * 8)
            .max_memory_size(limits.memory_bytes);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(|e| PluginError::BadComponent {
            message: format!("the plugin engine could not start: {e:#}"),
        })?;
        let linkers = Linkers::new(&engine).map_err(|e| PluginError::BadComponent {
            message: format!("the plugin API could not be linked: {e:#}"),
        })?;
        Ok(Runtime {
            cache: cache_dir.map(|dir| ComponentCache::new(dir, &engine)),
            _ticker: Ticker::start(engine.clone()),
            engine,
            linkers,
            limits,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks `wasm` against `manifest` (hash, API version), compiles it or takes it from the
    /// cache, links it, and checks it exports what its API version requires.
    pub fn load(&self, manifest: &Manifest, wasm: &[u8]) -> Result<Plugin> {
        let version = ApiVersion::parse(&manifest.api_version)?;
        if wasm.len() as u64 > self.limits.max_wasm_bytes {
            return Err(PluginError::TooLarge {
                size: wasm.len() as u64,
                limit: self.limits.max_wasm_bytes,
            });
        }
        let actual = sha256_hex(wasm);
        if actual != manifest.sha256 {
            return Err(PluginError::HashMismatch {
                expected: manifest.sha256.clone(),
                actual,
            });
        }
        let (component, cache) = match &self.cache {
            Some(cache) => cache.load(&self.engine, &actual, wasm)?,
            None => (compile(&self.engine, wasm)?, CacheUse::Disabled),
        };
        let prepared = Prepared::new(version, &self.linkers, &component)?;
        prepared
            .check_exports(&mut self.store())
            .map_err(|failure| PluginError::BadComponent {
                message: failure.message,
            })?;
        Ok(Plugin {
            manifest: manifest.clone(),
            prepared,
            cache,
        })
    }

    /// Asks the plugin who it is.
    pub fn info(&self, plugin: &Plugin) -> Result<PluginInfo, Failure> {
        plugin.prepared.info(&mut self.store())
    }

    /// Runs the plugin on one document, in a fresh sandbox. Never panics and never outlives
    /// the deadline by more than one [`EPOCH_TICK`]; anything that goes wrong is in the
    /// outcome.
    pub fn validate(&self, plugin: &Plugin, target: Target, document: &str) -> Outcome {
        let started = Instant::now();
        let mut store = self.store();
        let result = if document.len() > self.limits.max_document_bytes {
            Err(Failure::bad_output(format!(
                "the document is {} bytes; plugins are given at most {}",
                document.len(),
                self.limits.max_document_bytes
            )))
        } else {
            plugin.prepared.validate(&mut store, target, document)
        };
        let id = &plugin.manifest.id;
        let (diagnostics, failure) = match result {
            Ok(found) => (found.into_iter().map(|d| d.from_source(id)).collect(), None),
            Err(failure) => (vec![failure.to_diagnostic(id)], Some(failure)),
        };
        Outcome {
            plugin: id.clone(),
            diagnostics,
            failure,
            log: store.data().log.finish(),
            elapsed: started.elapsed(),
        }
    }

    fn store(&self) -> wasmtime::Store<Sandbox> {
        let ticks = self
            .limits
            .deadline
            .as_nanos()
            .div_ceil(EPOCH_TICK.as_nanos())
            .max(1);
        Sandbox::store(&self.engine, &self.limits, ticks as u64)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The thread that advances the engine's epoch, stopped when the runtime is dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawning a thread at startup");
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
