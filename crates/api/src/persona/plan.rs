//! Turning what the owner picked (files, folders, zips) into the list of cards to import,
//! each with the sprites that travel with it.
//!
//! Two folder layouts carry sprites beside cards:
//! - **SillyTavern**: `characters/Aria.png` with its sprites in `characters/Aria/`. In a
//!   SillyTavern user folder (one with `characters/`) or its `data/` folder (user folders
//!   with `characters/`), only those are read, so chats, settings and lorebooks are not
//!   mistaken for cards.
//! - **DeskMate**: `aria.png` with `aria_happy.png`, `aria_sad.png`, … beside it, which is
//!   how the DeskMate server finds a persona's expressions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use deskmate_cards::archive::{self, Entry};
use deskmate_cards::expressions::export::deskmate_file_stem;
use deskmate_cards::expressions::labels::DESKMATE;
use deskmate_cards::{CardError, Limits};

use super::{FileResult, Outcome};
use crate::ApiError;
use crate::files::read_limited;

/// One card to import.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where it is, for the report (`cards.zip: aria.png` for a zip entry).
    pub label: String,
    pub file_name: String,
    source: Source,
    pub(super) sprites: SpriteSource,
}

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
pub(super) enum SpriteSource {
    None,
    /// A SillyTavern sprite folder.
    Folder(PathBuf),
    /// DeskMate expression files, with their labels.
    DeskMate(Vec<(&'static str, PathBuf)>),
}

/// The most files one import looks at, and how deep it goes into folders.
const MAX_FILES: usize = 100_000;
const MAX_DEPTH: usize = 8;
const CARD_EXTENSIONS: [&str; 3] = ["png", "json", "charx"];

impl Item {
    pub(super) fn bytes(&self, limits: &Limits) -> Result<Vec<u8>, ApiError> {
        match &self.source {
            Source::File(path) => read_limited(path, limits.max_file_bytes, |size, limit| {
                CardError::TooLarge { size, limit }.into()
            }),
            Source::Bytes(bytes) => Ok(bytes.clone()),
        }
    }
}

/// The cards in `paths`, in order, and the files passed over (with the reason).
pub(super) fn plan(paths: &[PathBuf]) -> Result<(Vec<Item>, Vec<FileResult>), ApiError> {
    let mut plan = Plan::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| ApiError::io("io.read_failed", path, &e))?;
        if meta.is_dir() {
            for root in card_roots(path)? {
                plan.folder(&root, 0)?;
            }
        } else if extension(path).as_deref() == Some("zip") {
            plan.zip(path)?;
        } else {
            let sprites = sprite_folder(path).map_or(SpriteSource::None, SpriteSource::Folder);
            plan.items.push(Item {
                label: path.display().to_string(),
                file_name: file_name(path),
                source: Source::File(path.clone()),
                sprites,
            });
        }
    }
    Ok((plan.items, plan.passed_over))
}

#[derive(Default)]
struct Plan {
    items: Vec<Item>,
    passed_over: Vec<FileResult>,
    seen: usize,
}

impl Plan {
    fn pass_over(&mut self, label: String, code: &str, reason: &str) {
        self.passed_over.push(FileResult {
            code: Some(code.into()),
            reason: Some(reason.into()),
            ..FileResult::new(label, Outcome::Skipped)
        });
    }

    fn count(&mut self, n: usize) -> Result<(), ApiError> {
        self.seen += n;
        if self.seen > MAX_FILES {
            return Err(ApiError::new(
                "persona.too_many_files",
                format!("the import looks at more than {MAX_FILES} files"),
                "pick the folder that holds the cards, not a whole disk",
            ));
        }
        Ok(())
    }

    fn zip(&mut self, path: &Path) -> Result<(), ApiError> {
        let limits = Limits::default();
        let bytes = read_limited(path, limits.max_zip_total_bytes, |size, limit| {
            CardError::TooLarge { size, limit }.into()
        })?;
        let entries = archive::read_entries(&bytes, &limits)?;
        self.count(entries.len())?;
        for Entry { name, bytes } in entries {
            let label = format!("{}: {name}", path.display());
            let base = name.rsplit('/').next().unwrap_or(&name).to_string();
            if name.starts_with("__MACOSX/") || base.starts_with('.') {
                continue;
            }
            if !is_card_file(Path::new(&base)) {
                self.pass_over(
                    label,
                    "persona.not_a_card_file",
                    "not a .png, .json or .charx file",
                );
                continue;
            }
            self.items.push(Item {
                label,
                file_name: base,
                source: Source::Bytes(bytes),
                sprites: SpriteSource::None,
            });
        }
        Ok(())
    }

    fn folder(&mut self, dir: &Path, depth: usize) -> Result<(), ApiError> {
        let mut files = Vec::new();
        let mut folders = Vec::new();
        let listing =
            std::fs::read_dir(dir).map_err(|e| ApiError::io("io.read_failed", dir, &e))?;
        for entry in listing {
            let entry = entry.map_err(|e| ApiError::io("io.read_failed", dir, &e))?;
            let path = entry.path();
            if file_name(&path).starts_with('.') {
                continue;
            }
            // Symbolic links are not followed, so a link cannot loop or lead out of the
            // folder the owner picked.
            let kind = entry
                .file_type()
                .map_err(|e| ApiError::io("io.read_failed", &path, &e))?;
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_file() {
                files.push(path);
            }
        }
        self.count(files.len() + folders.len())?;
        files.sort();
        folders.sort();

        let expressions = deskmate_expressions(&files);
        let mut sprite_folders = BTreeSet::new();
        for path in &files {
            if expressions.values().flatten().any(|(_, p)| p == path) {
                continue;
            }
            if !is_card_file(path) {
                self.pass_over(
                    path.display().to_string(),
                    "persona.not_a_card_file",
                    "not a .png, .json or .charx file",
                );
                continue;
            }
            let sprites = if let Some(found) = expressions.get(path) {
                SpriteSource::DeskMate(found.clone())
            } else if let Some(folder) = sprite_folder(path) {
                sprite_folders.insert(folder.clone());
                SpriteSource::Folder(folder)
            } else {
                SpriteSource::None
            };
            self.items.push(Item {
                label: path.display().to_string(),
                file_name: file_name(path),
                source: Source::File(path.clone()),
                sprites,
            });
        }
        for folder in folders {
            if sprite_folders.contains(&folder) {
                continue;
            }
            if depth + 1 >= MAX_DEPTH {
                self.pass_over(
                    folder.display().to_string(),
                    "persona.too_deep",
                    "folders this deep are not searched",
                );
                continue;
            }
            self.folder(&folder, depth + 1)?;
        }
        Ok(())
    }
}

/// For each PNG in a folder, the DeskMate expression files beside it: `<stem>_<label>.png`
/// where the stem is the PNG's own, or the DeskMate form of it (lowercase, `_` for spaces).
fn deskmate_expressions(files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<(&'static str, PathBuf)>> {
    let mut found: BTreeMap<PathBuf, Vec<(&'static str, PathBuf)>> = BTreeMap::new();
    let pngs: Vec<&PathBuf> = files
        .iter()
        .filter(|p| extension(p).as_deref() == Some("png"))
        .collect();
    // Sets, so a folder of thousands of pictures is looked up, not scanned per candidate.
    let present: BTreeSet<&PathBuf> = pngs.iter().copied().collect();
    let mut claimed: BTreeSet<PathBuf> = BTreeSet::new();
    for card in &pngs {
        let Some(stem) = card.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        for form in [stem.clone(), deskmate_file_stem(&stem)] {
            for label in DESKMATE {
                let candidate = card.with_file_name(format!("{form}_{label}.png"));
                if present.contains(&candidate) && claimed.insert(candidate.clone()) {
                    found
                        .entry((*card).clone())
                        .or_default()
                        .push((label, candidate));
                }
            }
        }
    }
    found
}

/// Where the cards of a picked folder are: its `characters/` folder for a SillyTavern user
/// folder, each user's `characters/` for SillyTavern's `data/` folder, else the folder.
fn card_roots(folder: &Path) -> Result<Vec<PathBuf>, ApiError> {
    let own = folder.join("characters");
    if own.is_dir() {
        return Ok(vec![own]);
    }
    let mut users = Vec::new();
    for entry in
        std::fs::read_dir(folder).map_err(|e| ApiError::io("io.read_failed", folder, &e))?
    {
        let entry = entry.map_err(|e| ApiError::io("io.read_failed", folder, &e))?;
        let characters = entry.path().join("characters");
        if entry.file_type().is_ok_and(|t| t.is_dir()) && characters.is_dir() {
            users.push(characters);
        }
    }
    users.sort();
    Ok(if users.is_empty() {
        vec![folder.to_path_buf()]
    } else {
        users
    })
}

/// SillyTavern keeps a card's sprites in a folder named after the card file.
fn sprite_folder(card: &Path) -> Option<PathBuf> {
    let folder = card.with_extension("");
    (folder != card && folder.is_dir()).then_some(folder)
}

/// The files of a flat sprite set: a folder's own files (not its subfolders), or a zip's
/// entries.
pub(super) fn flat_files(path: &Path, limits: &Limits) -> Result<Vec<Entry>, ApiError> {
    let too_large = |size, limit| CardError::TooLarge { size, limit }.into();
    if !path.is_dir() {
        let bytes = read_limited(path, limits.max_zip_total_bytes, too_large)?;
        return Ok(archive::read_entries(&bytes, limits)?);
    }
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| ApiError::io("io.read_failed", path, &e))? {
        let entry = entry.map_err(|e| ApiError::io("io.read_failed", path, &e))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            paths.push(entry.path());
        }
        if paths.len() > limits.max_zip_entries {
            return Err(CardError::CharxTooManyEntries {
                count: paths.len(),
                limit: limits.max_zip_entries,
            }
            .into());
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            Ok(Entry {
                name: file_name(&p),
                bytes: read_limited(&p, limits.max_file_bytes, too_large)?,
            })
        })
        .collect()
}

fn is_card_file(path: &Path) -> bool {
    extension(path).is_some_and(|e| CARD_EXTENSIONS.contains(&e.as_str()))
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
