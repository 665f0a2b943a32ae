//! Importing personas.
//!
//! Import reads each card once, checks it, makes its thumbnail and reads its sprites on
//! worker threads, then stores each persona in one transaction of its own, in the order
//! given. A card that fails is reported with its reason and the rest go on; none is ever
//! half-stored.

use std::path::PathBuf;

use deskmate_cards::archive::Entry;
use deskmate_cards::expressions::export::{deskmate_file_stem, deskmate_label};
use deskmate_cards::expressions::{self, Skipped, Sprite, SpriteLimits};
use deskmate_cards::{self as cards, Format, Limits};
use deskmate_library::{Added, NewPersona, NewSprite, SpriteInfo};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::pixel_budget::PixelBudget;
use super::plan::{self, Item};
use super::{Continue, Personas, Progress};
use crate::ApiError;
use crate::error::library_error;
use crate::files::read_limited;

/// What became of one file of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Imported,
    /// Already in the library, not a card, or left for a cancel.
    Skipped,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// What one file of an import came to.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub file: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub sprites: usize,
    /// Sprite files that were left out, each with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sprite_problems: Vec<Skipped>,
}

impl FileResult {
    pub(crate) fn new(file: String, outcome: Outcome) -> FileResult {
        FileResult {
            file,
            outcome,
            id: None,
            name: None,
            code: None,
            reason: None,
            sprites: 0,
            sprite_problems: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// True when the owner stopped the import; the files after that point say so.
    pub cancelled: bool,
    pub imported: usize,
    pub skipped: usize,
    pub failed: usize,
    pub files: Vec<FileResult>,
}

/// The worker threads an import uses to read cards and make thumbnails.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
}

impl Personas {
    /// Imports card files, folders (SillyTavern data folders and DeskMate persona folders
    /// included) and zips of cards.
    pub fn import(
        &self,
        paths: &[PathBuf],
        on_progress: &mut dyn FnMut(Progress) -> Continue,
    ) -> Result<ImportReport, ApiError> {
        let (items, mut files) = plan::plan(paths)?;
        let total = items.len();
        let limits = Limits::default();
        let batch = workers() * 4;
        let mut done = 0;
        let mut cancelled = false;
        for chunk in items.chunks(batch) {
            let mut prepared = if cancelled {
                Vec::new()
            } else {
                prepare_all(chunk, &limits)
            }
            .into_iter();
            for item in chunk {
                match prepared.next() {
                    Some(ready) if !cancelled => {
                        files.push(self.store(item, ready));
                        done += 1;
                        cancelled |= on_progress(Progress { done, total }) == Continue::Stop;
                    }
                    // Each stored persona is its own transaction, so what came before stays;
                    // the rest is reported, not silently dropped.
                    _ => {
                        let mut result = FileResult::new(item.label.clone(), Outcome::Skipped);
                        result.code = Some("task.cancelled".into());
                        result.reason = Some("the import was cancelled before this file".into());
                        files.push(result);
                    }
                }
            }
        }
        let count = |outcome: Outcome| files.iter().filter(|f| f.outcome == outcome).count();
        Ok(ImportReport {
            cancelled,
            imported: count(Outcome::Imported),
            skipped: count(Outcome::Skipped),
            failed: count(Outcome::Failed),
            files,
        })
    }

    fn store(&self, item: &Item, prepared: Result<Prepared, ApiError>) -> FileResult {
        let mut result = FileResult::new(item.label.clone(), Outcome::Failed);
        let prepared = match prepared {
            Ok(p) => p,
            Err(err) => {
                result.code = Some(err.code.clone());
                result.reason = Some(format!("{} ({})", err.message, err.hint));
                return result;
            }
        };
        result.sprites = prepared.persona.sprites.len();
        result.sprite_problems = prepared.sprite_problems;
        match self.library.lock().add_persona(&prepared.persona) {
            Ok(Added::Imported { id, name }) => {
                result.outcome = Outcome::Imported;
                result.id = Some(id);
                result.name = Some(name);
            }
            Ok(Added::Duplicate { id, name }) => {
                result.outcome = Outcome::Skipped;
                result.id = Some(id);
                result.reason = Some(format!("already in the library as {name} (id {id})"));
                result.name = Some(name);
                result.code = Some("persona.duplicate".into());
            }
            Err(err) => {
                let err = library_error(err);
                result.code = Some(err.code);
                result.reason = Some(err.message);
            }
        }
        result
    }
}

/// A card read and checked, ready to store.
struct Prepared {
    persona: NewPersona,
    sprite_problems: Vec<Skipped>,
}

/// Prepares items on worker threads, keeping their order.
fn prepare_all(items: &[Item], limits: &Limits) -> Vec<Result<Prepared, ApiError>> {
    let pixels = PixelBudget::new(limits.max_image_pixels);
    in_parallel(items, |item| prepare(item, limits, &pixels))
}

/// `work` on every item, spread over the workers, one result per item in the items' order.
/// A panic while preparing one item (a bug, never expected) becomes that item's error alone,
/// so the results after it still pair with their own files.
fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> Result<R, ApiError> + Sync,
) -> Vec<Result<R, ApiError>> {
    let per_worker = items.len().div_ceil(workers()).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_worker)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|item| {
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(item)))
                                .unwrap_or_else(|_| Err(crashed()))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(items.chunks(per_worker))
            .flat_map(|(handle, part)| {
                // Each item is caught above, so a worker only fails as a whole if catching
                // itself failed; then every item it held is reported, still one each.
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(|_| Err(crashed())).collect())
            })
            .collect()
    })
}

fn crashed() -> ApiError {
    ApiError::new(
        "persona.import_crashed",
        "reading this card crashed DeskMate Studio's reader",
        "please report this file to the DeskMate Studio team; the other files were imported",
    )
}

fn prepare(item: &Item, limits: &Limits, pixels: &PixelBudget) -> Result<Prepared, ApiError> {
    let bytes = item.bytes(limits)?;
    let loaded = cards::read(&bytes, limits)?;
    // Any JSON object reads as a V1 card; one without a name is some other file (settings,
    // a lorebook), not a character.
    if loaded.card.name().is_none() {
        return Err(ApiError::new(
            "persona.not_a_card",
            "this file has no character name, so it is not a character card",
            "pick the card files (.png, .json or .charx) themselves",
        ));
    }
    let data = loaded.card.data();
    let text = |key: &str| {
        data.and_then(|d| d.get(key))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let tags: Vec<String> = data
        .and_then(|d| d.get("tags"))
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.chars().count() <= deskmate_library::MAX_TAG_CHARS)
        .filter(|t| !t.contains('\u{1f}'))
        .take(deskmate_library::MAX_TAGS)
        .map(str::to_string)
        .collect();
    let picture = cards::write::main_picture(&bytes, &loaded);
    // A CHARX's icon is stored again as the avatar; a PNG card is its own picture.
    let avatar = match loaded.format {
        Format::Charx => picture.map(<[u8]>::to_vec),
        _ => None,
    };
    // A picture that cannot be shrunk still leaves a usable card; the grid shows a
    // placeholder for it.
    let thumbnail = picture.and_then(|p| {
        let _held = pixels.hold(cards::picture_pixels(p, limits).ok()?);
        cards::thumbnail(p, limits).ok()
    });
    let card_name = loaded.card.name().unwrap_or("").trim().to_string();
    let (sprites, sprite_problems) = match &item.sprites {
        // No sprite folder beside the card: the pictures the card carries (a CHARX's emotion
        // assets, a RisuAI PNG's asset chunks) are its set.
        plan::SpriteSource::None => {
            let read =
                expressions::carried_sprites(&bytes, &loaded, limits, &SpriteLimits::default());
            (read.sprites, read.skipped)
        }
        plan::SpriteSource::Folder(folder) => {
            let files = plan::flat_files(folder, limits)?;
            let read = read_sprites(files, &deskmate_file_stem(&card_name), limits)?;
            (read.sprites, read.skipped)
        }
        plan::SpriteSource::DeskMate(paths) => {
            let mut sprites = Vec::new();
            let mut skipped = Vec::new();
            let sprite_limits = SpriteLimits::default();
            for (label, path) in paths {
                let name = plan::file_name(path);
                let bytes = read_limited(path, sprite_limits.max_bytes, |size, limit| {
                    cards::CardError::TooLarge { size, limit }.into()
                });
                let read = match bytes {
                    Ok(bytes) => read_labelled(name, Some(label), bytes, limits),
                    Err(err) => Err(Skipped {
                        file_name: name,
                        code: err.code,
                        reason: err.message,
                    }),
                };
                match read {
                    Ok(sprite) => sprites.push(sprite),
                    Err(problem) => skipped.push(problem),
                }
            }
            (sprites, skipped)
        }
    };
    let card_json = serde_json::to_string(&loaded.card.to_value()).map_err(|e| {
        ApiError::new(
            "card.cannot_write",
            e.to_string(),
            "please report this card",
        )
    })?;
    Ok(Prepared {
        persona: NewPersona {
            card_name,
            creator: text("creator"),
            spec: loaded.card.spec().as_str().to_string(),
            source_format: loaded.format.as_str().to_string(),
            source_file: item.file_name.clone(),
            source_sha256: sha256(&bytes),
            source: bytes,
            card: card_json,
            tags,
            avatar,
            thumbnail,
            sprites: sprites.iter().map(to_stored).collect(),
        },
        sprite_problems,
    })
}

/// Reads sprite files in SillyTavern's layout, or in the DeskMate server's when every
/// picture is named `<stem>_<label>.png`.
pub(super) fn read_sprites(
    files: Vec<Entry>,
    stem: &str,
    limits: &Limits,
) -> Result<expressions::SetRead, ApiError> {
    let sprite_limits = SpriteLimits::default();
    let deskmate = !files.is_empty()
        && files
            .iter()
            .all(|f| deskmate_label(stem, &f.name).is_some());
    if !deskmate {
        return Ok(expressions::set::read_files(files, limits, &sprite_limits)?);
    }
    let mut read = expressions::SetRead::default();
    for Entry { name, bytes } in files {
        let label = deskmate_label(stem, &name);
        match read_labelled(name, label, bytes, limits) {
            Ok(sprite) => read.sprites.push(sprite),
            Err(problem) => read.skipped.push(problem),
        }
    }
    Ok(read)
}

/// One sprite with a known label, or why it was left out.
fn read_labelled(
    name: String,
    label: Option<&str>,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<Sprite, Skipped> {
    Sprite::read(&name, label, bytes, limits, &SpriteLimits::default()).map_err(|err| Skipped {
        code: err.code().into(),
        reason: err.to_string(),
        file_name: name,
    })
}

pub(super) fn to_stored(sprite: &Sprite) -> NewSprite {
    NewSprite {
        info: SpriteInfo {
            file_name: sprite.file_name.clone(),
            label: sprite.label.clone(),
            format: sprite.format.name().into(),
            width: sprite.width,
            height: sprite.height,
            alpha: sprite.alpha,
            sha256: sha256(&sprite.bytes),
            bytes: sprite.bytes.len() as u64,
        },
        image: sprite.bytes.clone(),
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic on one item costs that item alone, and every other result stays with its own
    /// item, whichever worker held it.
    #[test]
    fn a_panicking_item_fails_alone_and_results_keep_their_items() {
        let items: Vec<u32> = (0..23).collect();
        let results = in_parallel(&items, |&n| {
            if n % 7 == 3 {
                panic!("deliberate, for item {n}");
            }
            Ok(n * 10)
        });
        assert_eq!(results.len(), items.len());
        for (n, result) in items.iter().zip(&results) {
            match result {
                Ok(value) => assert_eq!(*value, n * 10, "item {n}"),
                Err(err) => {
                    assert_eq!(n % 7, 3, "only the panicking items fail, not {n}");
                    assert_eq!(err.code, "persona.import_crashed");
                }
            }
        }
        assert_eq!(
            results.iter().filter(|r| r.is_err()).count(),
            3,
            "3, 10 and 17"
        );
    }
}
