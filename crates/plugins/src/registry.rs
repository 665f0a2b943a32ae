//! The app's plugin folder: install, list, remove, enable and disable.
//!
//! Layout, one folder per plugin, named by its id:
//!
//! ```text
//! plugins/
//!   room-essentials/
//!     plugin.toml
//!     room_essentials.wasm
//!     disabled          <- present only while the owner has it turned off
//! ```
//!
//! Installing copies the manifest and wasm into a temporary folder beside the others and
//! renames it into place, so a plugin folder is always complete or absent. Folders whose
//! names start with `.` are the registry's own scratch space and are never listed.

use std::fs;
use std::path::{Path, PathBuf};

use deskmate_diagnostics::Diagnostic;
use serde::Serialize;

use crate::api::PluginInfo;
use crate::error::{PluginError, Result};
use crate::manifest::{MANIFEST_FILE, Manifest, Target};
use crate::runtime::{Plugin, Runtime};

const DISABLED_MARKER: &str = "disabled";

pub struct Registry {
    root: PathBuf,
}

/// A plugin in the folder.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    pub manifest: Manifest,
    pub dir: PathBuf,
    pub enabled: bool,
}

/// What `list` found: the plugins, and a finding for each folder that is not a usable one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Listing {
    pub plugins: Vec<Installed>,
    pub problems: Vec<Diagnostic>,
}

impl Registry {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Registry { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every installed plugin, by id.
    pub fn list(&self) -> Result<Listing> {
        let mut listing = Listing::default();
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(listing),
            Err(e) => return Err(PluginError::io("read", &self.root)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(PluginError::io("read", &self.root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            match self.read(&entry.path()) {
                Ok(installed) if installed.manifest.id == name => listing.plugins.push(installed),
                Ok(installed) => listing.problems.push(
                    Diagnostic::warning(
                        "plugin.manifest_mismatch",
                        format!(
                            "the folder `{name}` holds plugin `{}`",
                            installed.manifest.id
                        ),
                    )
                    .at(entry.path().display().to_string())
                    .hint("remove the folder and install the plugin again"),
                ),
                Err(e) => listing.problems.push(
                    Diagnostic::warning(e.code(), e.to_string())
                        .at(entry.path().display().to_string())
                        .hint("remove the folder and install the plugin again"),
                ),
            }
        }
        listing
            .plugins
            .sort_by(|a, b| a.manifest.id.cmp(&b.manifest.id));
        Ok(listing)
    }

    pub fn get(&self, id: &str) -> Result<Installed> {
        let dir = self.root.join(id);
        if !valid_folder_name(id) || !dir.join(MANIFEST_FILE).is_file() {
            return Err(PluginError::NotFound { id: id.to_string() });
        }
        self.read(&dir)
    }

    /// Installs from a folder holding `plugin.toml`, or from the manifest's own path.
    ///
    /// The plugin is loaded (hash, API version, exports) and asked for its info, which must
    /// agree with the manifest, before anything is copied. `replace` swaps out an installed
    /// plugin with the same id; without it that is refused. Returns what was installed and
    /// what the plugin says about itself.
    pub fn install(
        &self,
        runtime: &Runtime,
        source: &Path,
        replace: bool,
    ) -> Result<(Installed, PluginInfo)> {
        let manifest_path = if source.is_dir() {
            source.join(MANIFEST_FILE)
        } else {
            source.to_path_buf()
        };
        let manifest = read_manifest(&manifest_path)?;
        let wasm_path = manifest_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(&manifest.wasm);
        let wasm = read_wasm(&wasm_path, runtime.limits().max_wasm_bytes)?;
        let plugin = runtime.load(&manifest, &wasm)?;
        let info = check_info(runtime, &plugin)?;

        let target = self.root.join(&manifest.id);
        if target.exists() && !replace {
            let version = self
                .read(&target)
                .map(|i| i.manifest.version)
                .unwrap_or_else(|_| "unknown".into());
            return Err(PluginError::AlreadyInstalled {
                id: manifest.id,
                version,
            });
        }
        fs::create_dir_all(&self.root).map_err(PluginError::io("create", &self.root))?;
        let staging = tempfile::Builder::new()
            .prefix(".install-")
            .tempdir_in(&self.root)
            .map_err(PluginError::io("create a folder in", &self.root))?;
        write_synced(
            &staging.path().join(MANIFEST_FILE),
            manifest.to_toml().as_bytes(),
        )?;
        write_synced(&staging.path().join(&manifest.wasm), &wasm)?;
        if target.exists() {
            // Move the old one aside first, so a failure below leaves it restorable, and the
            // rename that installs the new one is a single step.
            let trash = tempfile::Builder::new()
                .prefix(".removed-")
                .tempdir_in(&self.root)
                .map_err(PluginError::io("create a folder in", &self.root))?;
            let old = trash.path().join("old");
            fs::rename(&target, &old).map_err(PluginError::io("move aside", &target))?;
            if let Err(e) = fs::rename(staging.path(), &target) {
                let _ = fs::rename(&old, &target);
                return Err(PluginError::io("install into", &target)(e));
            }
        } else {
            fs::rename(staging.path(), &target)
                .map_err(PluginError::io("install into", &target))?;
        }
        // The staging folder was renamed away; keep tempfile from deleting the new target's
        // old name (it no longer exists).
        let _ = staging.keep();
        Ok((self.read(&target)?, info))
    }

    /// Removes a plugin's folder.
    pub fn remove(&self, id: &str) -> Result<Installed> {
        let installed = self.get(id)?;
        // Rename first so the folder disappears from `list` in one step, then delete.
        let trash = tempfile::Builder::new()
            .prefix(".removed-")
            .tempdir_in(&self.root)
            .map_err(PluginError::io("create a folder in", &self.root))?;
        fs::rename(&installed.dir, trash.path().join(id))
            .map_err(PluginError::io("remove", &installed.dir))?;
        Ok(installed)
    }

    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<Installed> {
        let mut installed = self.get(id)?;
        let marker = installed.dir.join(DISABLED_MARKER);
        if enabled {
            match fs::remove_file(&marker) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(PluginError::io("enable", &installed.dir)(e)),
            }
        } else {
            write_synced(&marker, b"")?;
        }
        installed.enabled = enabled;
        Ok(installed)
    }

    /// Loads every enabled plugin that serves `target`. A plugin that no longer loads (its
    /// files changed on disk, say) is reported as a finding instead.
    pub fn load_enabled(
        &self,
        runtime: &Runtime,
        target: Target,
    ) -> Result<(Vec<Plugin>, Vec<Diagnostic>)> {
        let listing = self.list()?;
        let mut plugins = Vec::new();
        let mut problems = listing.problems;
        for installed in listing.plugins {
            if !installed.enabled || !installed.manifest.serves(target) {
                continue;
            }
            match self.load(runtime, &installed) {
                Ok(plugin) => plugins.push(plugin),
                Err(e) => problems.push(
                    Diagnostic::error(
                        e.code(),
                        format!("plugin `{}` was not run: {e}", installed.manifest.id),
                    )
                    .hint(format!(
                        "reinstall it, or turn the plugin `{}` off",
                        installed.manifest.id
                    ))
                    .from_source(&installed.manifest.id),
                ),
            }
        }
        Ok((plugins, problems))
    }

    /// Loads an installed plugin, checking its hash again.
    pub fn load(&self, runtime: &Runtime, installed: &Installed) -> Result<Plugin> {
        let wasm = read_wasm(
            &installed.dir.join(&installed.manifest.wasm),
            runtime.limits().max_wasm_bytes,
        )?;
        runtime.load(&installed.manifest, &wasm)
    }

    fn read(&self, dir: &Path) -> Result<Installed> {
        Ok(Installed {
            manifest: read_manifest(&dir.join(MANIFEST_FILE))?,
            dir: dir.to_path_buf(),
            enabled: !dir.join(DISABLED_MARKER).exists(),
        })
    }
}

fn check_info(runtime: &Runtime, plugin: &Plugin) -> Result<PluginInfo> {
    let info = runtime.info(plugin).map_err(PluginError::Misbehaved)?;
    let manifest = &plugin.manifest;
    let mismatch = |what: &str, theirs: &str, ours: &str| PluginError::InfoMismatch {
        message: format!("the plugin calls its {what} \"{theirs}\", its manifest \"{ours}\""),
    };
    if info.id != manifest.id {
        return Err(mismatch("id", &info.id, &manifest.id));
    }
    if info.version != manifest.version {
        return Err(mismatch("version", &info.version, &manifest.version));
    }
    let mut theirs = info.targets.clone();
    let mut ours = manifest.targets.clone();
    theirs.sort();
    theirs.dedup();
    ours.sort();
    if theirs != ours {
        return Err(mismatch(
            "targets",
            &Target::list(&theirs),
            &Target::list(&ours),
        ));
    }
    Ok(info)
}

fn read_manifest(path: &Path) -> Result<Manifest> {
    let bytes = read_bounded(path, crate::manifest::MAX_MANIFEST_BYTES as u64)?;
    let text = String::from_utf8(bytes).map_err(|_| PluginError::ManifestInvalid {
        path: path.to_path_buf(),
        message: "it is not UTF-8 text".into(),
    })?;
    Manifest::parse(&text, path)
}

fn read_wasm(path: &Path, limit: u64) -> Result<Vec<u8>> {
    read_bounded(path, limit)
}

/// Reads a file only if it is no bigger than `limit`, checking as it reads so a file that
/// grows meanwhile is still refused.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = fs::File::open(path).map_err(PluginError::io("open", path))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(PluginError::io("read", path))?;
    if bytes.len() as u64 > limit {
        let size = fs::metadata(path)
            .map(|m| m.len())
            .unwrap_or(bytes.len() as u64);
        return Err(PluginError::TooLarge { size, limit });
    }
    Ok(bytes)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = fs::File::create(path).map_err(PluginError::io("create", path))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(PluginError::io("write", path))
}

fn valid_folder_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}
