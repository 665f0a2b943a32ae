//! Persona actions: the owner's library of characters and their expression sets.
//!
//! Import reads each card once, checks it, makes its thumbnail and reads its sprites on
//! worker threads, then stores each persona in one transaction of its own, in the order
//! given. A card that fails is reported with its reason and the rest go on; none is ever
//! half-stored.

use std::path::{Path, PathBuf};

use deskmate_cards::archive::{self, Entry};
use deskmate_cards::expressions::export::{
    deskmate_file_stem, deskmate_label, deskmate_layout, sillytavern_zip,
};
use deskmate_cards::expressions::{
    self, Coverage, LabelSet, Skipped, Sprite, SpriteFormat, SpriteLimits,
};
use deskmate_cards::{self as cards, Card, Diagnostic, Format, Limits, assets, charx};
use deskmate_library::{Added, NewPersona, NewSprite, Persona, PersonaSummary, Query, SpriteInfo};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::card::{CardWriteOptions, Input, encode_card, output_format};
use crate::error::library_error;
use crate::files::{join_inside, read_limited, write_atomic};
use crate::shared_library::SharedLibrary;
use crate::{ApiError, DataDir};
use pixel_budget::PixelBudget;

mod pixel_budget;
mod plan;

pub use plan::Item;

/// The persona library, opened.
pub struct Personas {
    library: SharedLibrary,
}

/// What one file of an import came to.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub file: String,
    /// `imported`, `skipped` (already in the library, or not a card) or `failed`.
    pub outcome: &'static str,
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
    pub(crate) fn new(file: String, outcome: &'static str) -> FileResult {
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

/// How far an import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// Whether a long task goes on, as its progress callback answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continue {
    Go,
    Stop,
}

/// A persona in full, for `persona show`.
#[derive(Debug, Clone, Serialize)]
pub struct PersonaDetail {
    #[serde(flatten)]
    pub persona: Persona,
    pub sprites: Vec<SpriteInfo>,
    pub coverage: [Coverage; 2],
    /// What the card checks find in the stored card; the app offers Repair when any is
    /// fixable.
    pub diagnostics: Vec<Diagnostic>,
    /// True when repairing the card would change something.
    pub repairable: bool,
}

/// What a repair of a stored card did.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// Each change, in the words `card repair` uses.
    pub changes: Vec<Diagnostic>,
    /// What is still found after the repair (what only the owner can fix).
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub output: PathBuf,
    pub files: Vec<String>,
}

/// Where an expression set goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A flat SillyTavern sprite zip.
    SillyTavern,
    /// A folder the DeskMate server reads: the card PNG and `<name>_<label>.png` files.
    DeskMate,
    /// A V3 CHARX with the sprites as `emotion` assets.
    Charx,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpressionReport {
    pub persona: i64,
    pub sprites: Vec<SpriteInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    pub diagnostics: Vec<Diagnostic>,
    pub coverage: [Coverage; 2],
    /// For an export: each file written, and for DeskMate, what it shows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deskmate: Vec<expressions::export::DeskmateChoice>,
}

/// The worker threads an import uses to read cards and make thumbnails.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
}

impl Personas {
    pub fn open(data: &DataDir) -> Result<Personas, ApiError> {
        Ok(Personas::on(SharedLibrary::open(data)?))
    }

    /// Personas in a library the rest of the app shares.
    pub fn on(library: SharedLibrary) -> Personas {
        Personas { library }
    }

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
                        let mut result = FileResult::new(item.label.clone(), "skipped");
                        result.code = Some("task.cancelled".into());
                        result.reason = Some("the import was cancelled before this file".into());
                        files.push(result);
                    }
                }
            }
        }
        let count = |outcome: &str| files.iter().filter(|f| f.outcome == outcome).count();
        Ok(ImportReport {
            cancelled,
            imported: count("imported"),
            skipped: count("skipped"),
            failed: count("failed"),
            files,
        })
    }

    fn store(&self, item: &Item, prepared: Result<Prepared, ApiError>) -> FileResult {
        let mut result = FileResult::new(item.label.clone(), "failed");
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
                result.outcome = "imported";
                result.id = Some(id);
                result.name = Some(name);
            }
            Ok(Added::Duplicate { id, name }) => {
                result.outcome = "skipped";
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

    pub fn list(&self, query: &Query) -> Result<Vec<PersonaSummary>, ApiError> {
        self.library.lock().personas(query).map_err(library_error)
    }

    pub fn show(&self, id: i64) -> Result<PersonaDetail, ApiError> {
        let persona = self.library.lock().persona(id).map_err(library_error)?;
        let sprites = self.library.lock().sprites(id).map_err(library_error)?;
        let coverage = coverage_of(&sprites);
        let card = stored_card(&persona)?;
        let (_, changes) = cards::repair(&card);
        Ok(PersonaDetail {
            diagnostics: cards::validate(&card),
            repairable: !changes.is_empty(),
            persona,
            sprites,
            coverage,
        })
    }

    /// Repairs the stored card as `card repair` does (defaults, loose types, timestamps) and
    /// saves it; returns each change and what is still found.
    pub fn repair(&self, id: i64) -> Result<RepairReport, ApiError> {
        let card = stored_card(&self.library.lock().persona(id).map_err(library_error)?)?;
        let (repaired, changes) = cards::repair(&card);
        let diagnostics = if changes.is_empty() {
            cards::validate(&card)
        } else {
            self.update_card(id, repaired.to_value())?
        };
        Ok(RepairReport {
            changes,
            diagnostics,
        })
    }

    /// The cached grid picture, if the persona has a picture.
    pub fn thumbnail(&self, id: i64) -> Result<Option<Vec<u8>>, ApiError> {
        self.library.lock().thumbnail(id).map_err(library_error)
    }

    /// Exports one persona to a `.png`, `.json` or `.charx` file, or any number to a
    /// `.zip`, each in `format` or the format it came in. Progress comes after each persona;
    /// a stop before the last leaves no file at all (`task.cancelled`).
    pub fn export(
        &self,
        ids: &[i64],
        out: &Path,
        format: Option<Format>,
        on_progress: &mut dyn FnMut(Progress) -> Continue,
    ) -> Result<ExportReport, ApiError> {
        let is_zip = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        if !is_zip {
            let [id] = ids else {
                return Err(ApiError::new(
                    "usage.export_many",
                    "several personas go into one .zip",
                    "name the output file personas.zip",
                ));
            };
            let format = output_format(out)?;
            let (_, bytes) = self.persona_file(*id, Some(format))?;
            write_atomic(out, &bytes)?;
            return Ok(ExportReport {
                output: out.into(),
                files: vec![out.display().to_string()],
            });
        }
        let mut entries: Vec<Entry> = Vec::new();
        for &id in ids {
            let (name, bytes) = self.persona_file(id, format)?;
            let name = unique_name(&entries, &name);
            entries.push(Entry { name, bytes });
            let progress = Progress {
                done: entries.len(),
                total: ids.len(),
            };
            if on_progress(progress) == Continue::Stop && entries.len() < ids.len() {
                return Err(ApiError::new(
                    "task.cancelled",
                    "the export was cancelled; no file was written",
                    "export again when you are ready",
                ));
            }
        }
        write_atomic(out, &archive::write_stored(&entries)?)?;
        Ok(ExportReport {
            output: out.into(),
            files: entries.into_iter().map(|e| e.name).collect(),
        })
    }

    /// A persona as a card file: its file name and bytes. The card is the library's; the
    /// picture, chunks and assets come from the file it was imported from.
    fn persona_file(&self, id: i64, format: Option<Format>) -> Result<(String, Vec<u8>), ApiError> {
        let persona = self.library.lock().persona(id).map_err(library_error)?;
        let source = self
            .library
            .lock()
            .persona_source(id)
            .map_err(library_error)?;
        let format = format
            .or_else(|| Format::from_path(Path::new(&source.file_name)))
            .unwrap_or(Format::Json);
        let limits = Limits::default();
        let loaded = cards::read(&source.bytes, &limits)?;
        let card = stored_card(&persona)?;
        let emotions = if format == Format::Charx {
            self.sprites_of(id)?
        } else {
            Vec::new()
        };
        let path = PathBuf::from(&source.file_name);
        let input = Input {
            path: &path,
            bytes: source.bytes,
            loaded,
        };
        let options = CardWriteOptions {
            emotions,
            ..CardWriteOptions::default()
        };
        let encoded = encode_card(&input, &card, format, &options, Default::default())?;
        let name = format!(
            "{}.{}",
            safe_file_stem(&persona.summary.name),
            format.as_str()
        );
        Ok((name, encoded.bytes))
    }

    /// Replaces a persona's card with an edited one (the app's detail editor sends the whole
    /// document). The edit must still be a card of the same spec with a name; unknown fields
    /// are kept as sent, so nothing the editor does not show is lost. Returns the findings.
    pub fn update_card(
        &self,
        id: i64,
        card: serde_json::Value,
    ) -> Result<Vec<Diagnostic>, ApiError> {
        let before = stored_card(&self.library.lock().persona(id).map_err(library_error)?)?;
        let card = Card::from_value(card)?;
        if card.spec() != before.spec() {
            return Err(ApiError::new(
                "card.spec_changed",
                format!(
                    "the edited card is {} but the stored one is {}",
                    card.spec().as_str(),
                    before.spec().as_str()
                ),
                "convert the card on export instead of changing its spec field",
            ));
        }
        let name = card.name().unwrap_or("").trim();
        if name.is_empty() {
            return Err(ApiError::new(
                "card.missing_name",
                "the card has no name",
                "give the character a name",
            ));
        }
        let json = card.to_value().to_string();
        let creator = card.text("creator").unwrap_or("").trim();
        self.library
            .lock()
            .set_card(id, &json, name, creator)
            .map_err(library_error)?;
        Ok(cards::validate(&card))
    }

    /// Moves personas to the trash.
    pub fn delete(&self, ids: &[i64]) -> Result<(), ApiError> {
        self.library.lock().trash(ids).map_err(library_error)
    }

    pub fn restore(&self, ids: &[i64]) -> Result<(), ApiError> {
        self.library.lock().restore(ids).map_err(library_error)
    }

    pub fn empty_trash(&self) -> Result<usize, ApiError> {
        self.library.lock().empty_trash().map_err(library_error)
    }

    pub fn tag(&self, ids: &[i64], add: &[String], remove: &[String]) -> Result<(), ApiError> {
        self.library
            .lock()
            .add_tags(ids, add)
            .map_err(library_error)?;
        self.library
            .lock()
            .remove_tags(ids, remove)
            .map_err(library_error)
    }

    pub fn rate(&self, ids: &[i64], stars: Option<u8>) -> Result<(), ApiError> {
        self.library
            .lock()
            .set_rating(ids, stars)
            .map_err(library_error)
    }

    pub fn note(&self, id: i64, text: &str) -> Result<(), ApiError> {
        self.library
            .lock()
            .set_notes(id, text)
            .map_err(library_error)
    }

    /// Adds sprites from a folder or zip (SillyTavern's flat layout, or the DeskMate
    /// server's `<name>_<label>.png`). With `replace`, the persona's old set goes first.
    pub fn import_expressions(
        &self,
        id: i64,
        from: &Path,
        replace: bool,
    ) -> Result<ExpressionReport, ApiError> {
        let persona = self.library.lock().persona(id).map_err(library_error)?;
        let limits = Limits::default();
        let files = plan::flat_files(from, &limits)?;
        let stem = deskmate_file_stem(&persona.summary.card_name);
        let read = read_sprites(files, &stem, &limits)?;
        let stored: Vec<NewSprite> = read.sprites.iter().map(to_stored).collect();
        self.library
            .lock()
            .put_sprites(id, &stored, replace)
            .map_err(library_error)?;
        let mut report = self.check_expressions(id)?;
        report.skipped = read.skipped;
        Ok(report)
    }

    /// One of the persona's sprites as stored: its format (`png`, `webp`, `gif`, `jpeg`) and
    /// bytes.
    pub fn sprite_image(&self, id: i64, file_name: &str) -> Result<(String, Vec<u8>), ApiError> {
        self.library
            .lock()
            .sprite_image(id, file_name)
            .map_err(library_error)?
            .ok_or_else(|| {
                ApiError::new(
                    "sprite.not_found",
                    format!("persona {id} has no expression picture named {file_name}"),
                    "open the persona again to see its current pictures",
                )
            })
    }

    /// What the persona's set covers, and what is wrong with it.
    pub fn check_expressions(&self, id: i64) -> Result<ExpressionReport, ApiError> {
        Ok(self.expression_report(id)?.0)
    }

    /// The report on the persona's set, and the set itself (read once).
    fn expression_report(&self, id: i64) -> Result<(ExpressionReport, Vec<Sprite>), ApiError> {
        let stored = self
            .library
            .lock()
            .sprite_images(id)
            .map_err(library_error)?;
        let infos: Vec<SpriteInfo> = stored.iter().map(|s| s.info.clone()).collect();
        let sprites: Vec<Sprite> = stored.into_iter().filter_map(from_stored).collect();
        let report = ExpressionReport {
            persona: id,
            coverage: coverage_of(&infos),
            sprites: infos,
            skipped: Vec::new(),
            diagnostics: expressions::check(&sprites),
            written: Vec::new(),
            deskmate: Vec::new(),
        };
        Ok((report, sprites))
    }

    /// Writes the persona's set in a layout. For DeskMate, `out` is the persona's folder on
    /// its way to the server: the card PNG and one PNG per DeskMate label.
    pub fn export_expressions(
        &self,
        id: i64,
        out: &Path,
        layout: Layout,
    ) -> Result<ExpressionReport, ApiError> {
        let (mut report, sprites) = self.expression_report(id)?;
        match layout {
            Layout::SillyTavern => {
                write_atomic(out, &sillytavern_zip(&sprites)?)?;
                report.written.push(out.display().to_string());
            }
            Layout::Charx => {
                let (_, bytes) = self.persona_file(id, Some(Format::Charx))?;
                write_atomic(out, &bytes)?;
                report.written.push(out.display().to_string());
            }
            Layout::DeskMate => {
                let persona = self.library.lock().persona(id).map_err(library_error)?;
                let export = deskmate_layout(
                    &persona.summary.card_name,
                    &sprites,
                    true,
                    &Limits::default(),
                )?;
                std::fs::create_dir_all(out)
                    .map_err(|e| ApiError::io("io.write_failed", out, &e))?;
                let (_, card) = self.persona_file(id, Some(Format::Png))?;
                let mut files = vec![Entry {
                    name: format!("{}.png", export.stem),
                    bytes: card,
                }];
                files.extend(export.files);
                // Every name is checked before the first write, so a refusal writes nothing.
                let paths = files
                    .iter()
                    .map(|file| join_inside(out, &file.name))
                    .collect::<Result<Vec<_>, _>>()?;
                for (file, path) in files.iter().zip(paths) {
                    write_atomic(&path, &file.bytes)?;
                    report.written.push(path.display().to_string());
                }
                report.deskmate = export.choices;
            }
        }
        Ok(report)
    }

    fn sprites_of(&self, id: i64) -> Result<Vec<Sprite>, ApiError> {
        Ok(self
            .library
            .lock()
            .sprite_images(id)
            .map_err(library_error)?
            .into_iter()
            .filter_map(from_stored)
            .collect())
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
    // The picture: a PNG card is its own; a CHARX carries its main icon inside.
    let avatar = match &loaded.container {
        cards::Container::Charx(entries) => {
            let card_v3 = cards::convert::to_v3(&loaded.card);
            assets::main_icon(&card_v3)
                .and_then(|(_, uri)| charx::resolve(entries, uri))
                .map(|e| e.bytes.clone())
        }
        _ => None,
    };
    let picture = match loaded.format {
        Format::Png => Some(bytes.as_slice()),
        _ => avatar.as_deref(),
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
fn read_sprites(
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

fn coverage_of(sprites: &[SpriteInfo]) -> [Coverage; 2] {
    let labels: Vec<&str> = sprites.iter().map(|s| s.label.as_str()).collect();
    [
        expressions::coverage(&labels, LabelSet::SillyTavern),
        expressions::coverage(&labels, LabelSet::DeskMate),
    ]
}

fn to_stored(sprite: &Sprite) -> NewSprite {
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

/// The library only stores sprites that passed [`Sprite::read`], so the format is known.
fn from_stored(stored: NewSprite) -> Option<Sprite> {
    Some(Sprite {
        format: SpriteFormat::from_name(&stored.info.format)?,
        file_name: stored.info.file_name,
        label: stored.info.label,
        width: stored.info.width,
        height: stored.info.height,
        alpha: stored.info.alpha,
        bytes: stored.image,
    })
}

fn stored_card(persona: &Persona) -> Result<Card, ApiError> {
    let value: serde_json::Value = serde_json::from_str(&persona.card).map_err(|e| {
        ApiError::new(
            "library.damaged",
            format!(
                "the stored card of persona {} cannot be read: {e}",
                persona.summary.id
            ),
            "import the card again",
        )
    })?;
    Ok(Card::from_value(value)?)
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file name made from a persona's name: no path separators or characters Windows
/// refuses, never empty.
fn safe_file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stem = stem.trim().trim_matches('.').to_string();
    if stem.is_empty() {
        "persona".into()
    } else {
        stem
    }
}

fn unique_name(entries: &[Entry], name: &str) -> String {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let mut candidate = name.to_string();
    let mut n = 2;
    while entries
        .iter()
        .any(|e| e.name.eq_ignore_ascii_case(&candidate))
    {
        candidate = format!("{stem} ({n}).{ext}");
        n += 1;
    }
    candidate
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
