//! Plugin actions, and the composition the editor relies on: built-in checks plus every
//! enabled plugin for the document's target, merged into one list tagged by source.
//!
//! [`Plugins`] is meant to live as long as the app (or one CLI command): it owns the plugin
//! runtime and keeps enabled plugins loaded, so validating while the owner drags objects
//! costs one sandboxed call per plugin, not a reload.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use deskmate_diagnostics::{Diagnostic, has_errors};
use deskmate_plugins::{
    Installed, Limits, Listing, Manifest, Outcome, Plugin, PluginError, PluginInfo, Registry,
    Runtime, SUPPORTED_API_VERSIONS, Target,
};
use serde::Serialize;

use crate::{ApiError, DataDir};

pub struct Plugins {
    runtime: Runtime,
    registry: Option<Registry>,
    /// Enabled plugins per target, loaded on first use and dropped on any change.
    loaded: Mutex<HashMap<Target, Arc<Loaded>>>,
}

struct Loaded {
    plugins: Vec<Plugin>,
    problems: Vec<Diagnostic>,
}

/// An example plugin that ships with the app.
#[derive(Debug, Serialize)]
pub struct Example {
    pub manifest: Manifest,
    pub installed: bool,
}

/// `plugin list`: what is installed, and the limits every plugin runs under.
#[derive(Debug, Serialize)]
pub struct PluginList {
    pub plugins: Vec<Installed>,
    pub problems: Vec<Diagnostic>,
    pub limits: LimitsReport,
    pub api_versions: &'static [&'static str],
}

#[derive(Debug, Serialize)]
pub struct LimitsReport {
    pub deadline_ms: u128,
    pub memory_mib: usize,
    pub max_diagnostics: usize,
    pub max_output_bytes: usize,
    pub max_log_bytes: usize,
}

/// `plugin install`: what was installed and what the plugin says about itself.
#[derive(Debug, Serialize)]
pub struct InstallReport {
    pub plugin: Installed,
    pub info: PluginInfo,
}

/// `plugin run`: one plugin on one file.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub file: PathBuf,
    pub target: Target,
    pub valid: bool,
    pub outcome: Outcome,
}

impl Plugins {
    /// The plugins installed in the app's data dir.
    pub fn open(data: &DataDir) -> Result<Self, ApiError> {
        Ok(Plugins {
            runtime: runtime(Some(data.plugin_cache()))?,
            registry: Some(Registry::new(data.plugins())),
            loaded: Mutex::default(),
        })
    }

    /// No plugins at all: built-in checks only.
    pub fn none() -> Result<Self, ApiError> {
        Ok(Plugins {
            runtime: runtime(None)?,
            registry: None,
            loaded: Mutex::default(),
        })
    }

    pub fn list(&self) -> Result<PluginList, ApiError> {
        let Listing { plugins, problems } = match &self.registry {
            Some(registry) => registry.list()?,
            None => Listing::default(),
        };
        let limits = self.runtime.limits();
        Ok(PluginList {
            plugins,
            problems,
            limits: LimitsReport {
                deadline_ms: limits.deadline.as_millis(),
                memory_mib: limits.memory_bytes >> 20,
                max_diagnostics: limits.max_diagnostics,
                max_output_bytes: limits.max_output_bytes,
                max_log_bytes: limits.max_log_bytes,
            },
            api_versions: SUPPORTED_API_VERSIONS,
        })
    }

    /// Installs from a plugin folder or its `plugin.toml`; `replace` upgrades one with the
    /// same id.
    pub fn install(&self, source: &Path, replace: bool) -> Result<InstallReport, ApiError> {
        let (plugin, info) = self.registry()?.install(&self.runtime, source, replace)?;
        self.forget_loaded();
        Ok(InstallReport { plugin, info })
    }

    /// The example plugins that ship beside the app (one folder each under `folder`), and
    /// whether each is installed. An empty list when this build carries none.
    pub fn examples(&self, folder: &Path) -> Result<Vec<Example>, ApiError> {
        let installed: Vec<String> = self
            .list()?
            .plugins
            .into_iter()
            .map(|p| p.manifest.id)
            .collect();
        let Ok(entries) = std::fs::read_dir(folder) else {
            return Ok(Vec::new());
        };
        let mut examples: Vec<Example> = entries
            .flatten()
            .filter_map(|entry| {
                let path = entry.path().join(deskmate_plugins::MANIFEST_FILE);
                let text = std::fs::read_to_string(&path).ok()?;
                let manifest = Manifest::parse(&text, &path).ok()?;
                Some(Example {
                    installed: installed.contains(&manifest.id),
                    manifest,
                })
            })
            .collect();
        examples.sort_by(|a, b| a.manifest.name.cmp(&b.manifest.name));
        Ok(examples)
    }

    /// Installs the example plugin `id` from `folder`, in one step for the owner.
    pub fn install_example(&self, folder: &Path, id: &str) -> Result<InstallReport, ApiError> {
        let plain = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let source = folder.join(id);
        if !plain || !source.join(deskmate_plugins::MANIFEST_FILE).is_file() {
            return Err(ApiError::new(
                "plugin.no_such_example",
                format!("there is no example plugin `{}`", id.escape_debug()),
                "pick one of the examples the Plugins page lists",
            ));
        }
        self.install(&source, false)
    }

    pub fn remove(&self, id: &str) -> Result<Installed, ApiError> {
        let removed = self.registry()?.remove(id)?;
        self.forget_loaded();
        Ok(removed)
    }

    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<Installed, ApiError> {
        let changed = self.registry()?.set_enabled(id, enabled)?;
        self.forget_loaded();
        Ok(changed)
    }

    /// Runs one plugin on one room or card file. `plugin` is an installed plugin's id, or
    /// the path of a plugin folder or manifest (to try a plugin before installing it). The
    /// file's kind picks the target.
    pub fn run(&self, plugin: &str, file: &Path) -> Result<RunReport, ApiError> {
        let loaded = self.load_one(plugin)?;
        let (target, document) = crate::documents::read_document(file)?;
        if !loaded.manifest.serves(target) {
            return Err(ApiError::new(
                "usage.wrong_target",
                format!(
                    "plugin `{}` validates {}, and {} is a {}",
                    loaded.manifest.id,
                    Target::list(&loaded.manifest.targets),
                    file.display(),
                    target.as_str()
                ),
                "pick a file of the kind the plugin validates",
            ));
        }
        let outcome = self.runtime.validate(&loaded, target, &document);
        Ok(RunReport {
            file: file.to_path_buf(),
            target,
            valid: !has_errors(&outcome.diagnostics),
            outcome,
        })
    }

    /// The findings of every enabled plugin for `target` on `document` (JSON text), tagged
    /// with their plugin's id. A plugin that cannot load or misbehaves adds one finding and
    /// never stops the others.
    pub fn validate(&self, target: Target, document: &str) -> Vec<Diagnostic> {
        let Some(registry) = &self.registry else {
            return Vec::new();
        };
        // Hold the lock only to find (or load) the plugins, not while they run, so two
        // validations at once (the editor and a command) do not wait on each other.
        let loaded = Arc::clone(
            self.loaded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(target)
                .or_insert_with(|| Arc::new(load_enabled(registry, &self.runtime, target))),
        );
        let mut found = loaded.problems.clone();
        for plugin in &loaded.plugins {
            found.extend(self.runtime.validate(plugin, target, document).diagnostics);
        }
        found
    }

    fn load_one(&self, plugin: &str) -> Result<Plugin, ApiError> {
        let as_path = Path::new(plugin);
        if as_path.exists() {
            let manifest_path = if as_path.is_dir() {
                as_path.join(deskmate_plugins::MANIFEST_FILE)
            } else {
                as_path.to_path_buf()
            };
            let text = crate::files::read_limited(
                &manifest_path,
                deskmate_plugins::MAX_MANIFEST_BYTES as u64,
                |size, limit| {
                    PluginError::ManifestInvalid {
                        path: manifest_path.clone(),
                        message: format!("it is {size} bytes; a manifest may be at most {limit}"),
                    }
                    .into()
                },
            )?;
            let manifest = Manifest::parse(&String::from_utf8_lossy(&text), &manifest_path)?;
            let wasm_path = manifest_path
                .parent()
                .unwrap_or(Path::new("."))
                .join(&manifest.wasm);
            let limit = self.runtime.limits().max_wasm_bytes;
            let wasm = crate::files::read_limited(&wasm_path, limit, |size, limit| {
                PluginError::TooLarge { size, limit }.into()
            })?;
            return Ok(self.runtime.load(&manifest, &wasm)?);
        }
        let registry = self.registry()?;
        Ok(registry.load(&self.runtime, &registry.get(plugin)?)?)
    }

    fn registry(&self) -> Result<&Registry, ApiError> {
        self.registry.as_ref().ok_or_else(|| {
            ApiError::new(
                "usage.no_plugin_dir",
                "plugins are not available here",
                "run DeskMate Studio with its data folder available",
            )
        })
    }

    fn forget_loaded(&self) {
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

fn load_enabled(registry: &Registry, runtime: &Runtime, target: Target) -> Loaded {
    match registry.load_enabled(runtime, target) {
        Ok((plugins, problems)) => Loaded { plugins, problems },
        Err(e) => Loaded {
            plugins: Vec::new(),
            problems: vec![Diagnostic::error(e.code(), e.to_string()).hint(plugin_hint(&e))],
        },
    }
}

fn runtime(cache: Option<PathBuf>) -> Result<Runtime, ApiError> {
    Ok(Runtime::new(cache, Limits::default())?)
}

impl From<PluginError> for ApiError {
    fn from(err: PluginError) -> Self {
        let hint = plugin_hint(&err);
        let code = match &err {
            PluginError::Io { .. } => "io.plugin",
            other => other.code(),
        };
        ApiError::new(code, err.to_string(), hint)
    }
}

fn plugin_hint(err: &PluginError) -> String {
    use PluginError::*;
    match err {
        Io { .. } => "check that the plugin's files exist and that you may read them".into(),
        ManifestInvalid { .. } => "fix plugin.toml as the message says; docs/plugins.md lists every field".into(),
        UnsupportedApi { supported, .. } => format!(
            "this version of DeskMate Studio runs plugins for API {}; get a matching build of the plugin or update DeskMate Studio",
            supported.join(", ")
        ),
        HashMismatch { .. } => "the wasm file is not the one the manifest describes: it may be damaged or tampered with. Get the plugin again from its author; if you built it yourself, update `sha256` in plugin.toml".into(),
        TooLarge { .. } => "a validator plugin is normally well under a few MiB; check that this is the right file".into(),
        BadComponent { .. } => "the file is not a DeskMate validator component; plugins are built for wasm32-wasip2 against plugins/wit (see docs/plugins.md)".into(),
        InfoMismatch { .. } => "the plugin and its plugin.toml disagree; ask its author for a fixed release".into(),
        Misbehaved(_) => "the plugin failed before it could be used; tell its author".into(),
        NotFound { .. } => "see the installed plugins for their ids".into(),
        AlreadyInstalled { .. } => "to upgrade it, install it again replacing the old one; or remove it first".into(),
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn an_example_is_named_by_id_only_and_a_folder_without_examples_lists_none() {
        let data = tempfile::tempdir().unwrap();
        let plugins = Plugins::open(&DataDir::new(data.path())).unwrap();
        let examples = tempfile::tempdir().unwrap();
        assert!(plugins.examples(examples.path()).unwrap().is_empty());
        for id in ["../elsewhere", "room-essentials", "", "a/b"] {
            let err = plugins.install_example(examples.path(), id).unwrap_err();
            assert_eq!(err.code, "plugin.no_such_example", "{id:?}");
        }
    }
}
