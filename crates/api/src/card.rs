//! Card actions: inspect, validate, convert, repair. Each reads the input once, works on
//! bytes through `deskmate-cards`, and writes at most one file, atomically.

use std::path::{Path, PathBuf};

use deskmate_cards::expressions::Sprite;
use deskmate_cards::expressions::export::charx_emotions;
use deskmate_cards::{
    self as cards, AvatarSize, Card, Container, Diagnostic, Format, Limits, Loaded, Spec, assets,
    charx, convert,
    png::{self, WriteOptions as PngWriteOptions},
};
use serde::Serialize;

use deskmate_plugins::Target;

use crate::documents::card_document;
use crate::files::{read_limited, write_atomic};
use crate::{ApiError, Plugins};

/// What `card inspect` shows: the validation summary plus the file's layout and the card.
#[derive(Debug, Clone, Serialize)]
pub struct CardReport {
    #[serde(flatten)]
    pub summary: ValidationReport,
    /// For PNG: every chunk, in file order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<ChunkInfo>>,
    /// For CHARX: every entry besides card.json.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryInfo>>,
    /// The card document exactly as read.
    pub card: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkInfo {
    pub index: usize,
    pub offset: usize,
    #[serde(rename = "type")]
    pub kind: String,
    pub length: usize,
    pub crc_ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// True for the chunk the card was read from.
    pub card: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryInfo {
    pub name: String,
    pub size: usize,
}

/// What `card validate` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    pub path: PathBuf,
    pub format: &'static str,
    pub spec: &'static str,
    pub name: Option<String>,
    pub valid: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// What `card convert` and `card repair` show.
#[derive(Debug, Clone, Serialize)]
pub struct WriteReport {
    pub input: PathBuf,
    pub output: PathBuf,
    pub format: &'static str,
    /// The spec of the card as written: for PNG, `v3` means V3 with a V2 backfill beside it.
    pub spec: &'static str,
    /// For repair: every change made, one per line.
    pub changes: Vec<Diagnostic>,
    pub diagnostics: Vec<Diagnostic>,
}

/// How to write a card.
#[derive(Debug, Clone, Default)]
pub struct CardWriteOptions {
    /// V3 (default) or V2. For `.json`, the spec of the document; for `.png`, V2 means a
    /// V2-only card (no `ccv3` chunk); `.charx` is always V3.
    pub spec: Option<Spec>,
    /// A picture (PNG, JPEG, WebP, GIF) to make the card's PNG or CHARX icon from.
    pub image: Option<PathBuf>,
    /// The size of a picture made from `image`; 400x600 by default.
    pub picture_size: Option<AvatarSize>,
    /// Expression sprites to carry as `emotion` assets when writing a CHARX.
    pub emotions: Vec<Sprite>,
}

/// A card file as read: where it came from, its bytes (for a PNG, the picture to keep), and
/// the card with what reading noticed.
pub(crate) struct Input<'a> {
    pub path: &'a Path,
    pub bytes: Vec<u8>,
    pub loaded: Loaded,
}

fn load<'a>(path: &'a Path, limits: &Limits) -> Result<Input<'a>, ApiError> {
    let bytes = read_limited(path, limits.max_file_bytes, |size, limit| {
        cards::CardError::TooLarge { size, limit }.into()
    })?;
    let loaded = cards::read(&bytes, limits)?;
    Ok(Input {
        path,
        bytes,
        loaded,
    })
}

/// `card inspect`: format, spec, name, layout and every finding.
pub fn inspect_card(path: &Path) -> Result<CardReport, ApiError> {
    let limits = Limits::default();
    let Input { bytes, loaded, .. } = load(path, &limits)?;
    let chunks = match &loaded.container {
        Container::Png(source) => Some(chunk_layout(&bytes, source, &limits)?),
        _ => None,
    };
    let entries = match &loaded.container {
        Container::Charx(entries) => Some(
            entries
                .iter()
                .map(|e| EntryInfo {
                    name: e.name.clone(),
                    size: e.bytes.len(),
                })
                .collect(),
        ),
        _ => None,
    };
    Ok(CardReport {
        summary: summarize(path, &loaded),
        chunks,
        entries,
        card: loaded.card.to_value(),
    })
}

fn chunk_layout(
    bytes: &[u8],
    source: &png::CardChunk,
    limits: &Limits,
) -> Result<Vec<ChunkInfo>, ApiError> {
    let layout = png::PngLayout::walk(bytes, limits)?;
    Ok(layout
        .chunks
        .iter()
        .map(|c| ChunkInfo {
            index: c.index,
            offset: c.offset,
            kind: c.kind_str().to_string(),
            length: c.data.len(),
            crc_ok: c.crc_ok(),
            keyword: png::text::keyword(c).map(|k| String::from_utf8_lossy(k).into_owned()),
            card: c.index == source.index,
        })
        .collect())
}

/// `card validate`: the built-in checks and every enabled persona plugin; valid when no
/// finding is an error.
pub fn validate_card(path: &Path, plugins: &Plugins) -> Result<ValidationReport, ApiError> {
    let input = load(path, &Limits::default())?;
    let mut report = summarize(path, &input.loaded);
    report
        .diagnostics
        .extend(plugins.check(Target::Persona, &card_document(&input.loaded.card)));
    report.valid = !deskmate_diagnostics::has_errors(&report.diagnostics);
    Ok(report)
}

/// What reading noticed plus what the checks find.
fn summarize(path: &Path, loaded: &Loaded) -> ValidationReport {
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(cards::validate(&loaded.card));
    ValidationReport {
        path: path.to_path_buf(),
        format: loaded.format.as_str(),
        spec: loaded.card.spec().as_str(),
        name: loaded.card.name().map(str::to_string),
        valid: !deskmate_diagnostics::has_errors(&diagnostics),
        diagnostics,
    }
}

/// `card convert`: the output format follows the output file's extension.
pub fn convert_card(
    input: &Path,
    output: &Path,
    options: &CardWriteOptions,
) -> Result<WriteReport, ApiError> {
    let input = load(input, &Limits::default())?;
    write_card(
        &input,
        &input.loaded.card,
        output,
        options,
        PngWriteOptions::default(),
    )
}

/// `card repair`: fills defaults, fixes loose types and checksums, and lists every change.
pub fn repair_card(
    input: &Path,
    output: &Path,
    options: &CardWriteOptions,
) -> Result<WriteReport, ApiError> {
    let input = load(input, &Limits::default())?;
    let (card, mut changes) = cards::repair(&input.loaded.card);
    // Repair mends a card; it does not upgrade it. A V2 card stays V2 unless asked otherwise.
    let keep_spec = if input.loaded.card.spec() == Spec::V2 {
        Spec::V2
    } else {
        Spec::V3
    };
    let is_json = Format::from_path(output) == Some(Format::Json);
    let options = &CardWriteOptions {
        spec: options.spec.or(is_json.then_some(keep_spec)),
        ..options.clone()
    };
    let mut report = write_card(
        &input,
        &card,
        output,
        options,
        PngWriteOptions {
            fix_crcs: true,
            ..PngWriteOptions::default()
        },
    )?;
    changes.append(&mut report.changes);
    report.changes = changes;
    // The written file has no bad checksum: PNG output rewrote them, other formats have none.
    report.diagnostics.retain(|d| d.code != "png.crc_mismatch");
    // What is left to say about the card is what validation says after repair.
    report.diagnostics.extend(cards::validate(&card));
    Ok(report)
}

/// Writes `card` to `output` in the format its extension names. The report's `changes` are the
/// checksums the PNG writer fixed, when asked to.
fn write_card(
    input: &Input,
    card: &Card,
    output: &Path,
    options: &CardWriteOptions,
    png_options: PngWriteOptions,
) -> Result<WriteReport, ApiError> {
    let format = output_format(output)?;
    let encoded = encode_card(input, card, format, options, png_options)?;
    write_atomic(output, &encoded.bytes)?;
    Ok(WriteReport {
        input: input.path.to_path_buf(),
        output: output.to_path_buf(),
        format: format.as_str(),
        spec: encoded.spec.as_str(),
        changes: encoded.changes,
        diagnostics: encoded.diagnostics,
    })
}

/// The card format an output file's extension names.
pub(crate) fn output_format(output: &Path) -> Result<Format, ApiError> {
    Format::from_path(output).ok_or_else(|| {
        ApiError::new(
            "usage.unknown_output_format",
            format!("{} does not end in .png, .json or .charx", output.display()),
            "name the output file card.png, card.json or card.charx",
        )
    })
}

/// A card file's bytes, made.
pub(crate) struct Encoded {
    pub bytes: Vec<u8>,
    pub spec: Spec,
    pub changes: Vec<Diagnostic>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Makes the bytes of `card` as a `format` file, keeping what `input`'s container holds
/// (the PNG's picture and chunks, the CHARX's assets).
pub(crate) fn encode_card(
    input: &Input,
    card: &Card,
    format: Format,
    options: &CardWriteOptions,
    png_options: PngWriteOptions,
) -> Result<Encoded, ApiError> {
    let limits = Limits::default();
    if options.spec == Some(Spec::V2) && format == Format::Charx {
        return Err(ApiError::new(
            "usage.charx_is_v3",
            "a .charx always holds a V3 card",
            "save it as V3, or as .json or .png for a V2 card",
        ));
    }
    let mut diagnostics = input.loaded.diagnostics.clone();
    let mut changes = Vec::new();
    let (bytes, spec) = match format {
        Format::Json => {
            let spec = options.spec.unwrap_or(Spec::V3);
            (cards::write_json(card, spec)?, spec)
        }
        Format::Png => {
            let (picture, card) = png_picture(input, card, options, &limits, &mut diagnostics)?;
            let v2_only = options.spec == Some(Spec::V2);
            let png_options = PngWriteOptions {
                v2_only,
                ..png_options
            };
            let (out, notes) = png::write(&picture, &card, &limits, png_options)?;
            let (fixed, notes): (Vec<_>, Vec<_>) = notes
                .into_iter()
                .partition(|d| d.code.starts_with("repair."));
            changes = fixed;
            diagnostics.extend(notes);
            (out, if v2_only { Spec::V2 } else { Spec::V3 })
        }
        Format::Charx => {
            let (mut card_v3, mut entries) = charx_contents(input, card, options, &limits)?;
            if !options.emotions.is_empty() {
                // The library's sprites replace the emotion assets the source file had.
                let old: std::collections::HashSet<String> = card_v3
                    .pointer("/data/assets")
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|a| {
                        a.get("type").and_then(serde_json::Value::as_str) == Some("emotion")
                    })
                    .filter_map(|a| a.get("uri")?.as_str().and_then(charx::embedded_path))
                    .map(str::to_string)
                    .collect();
                entries.retain(|e| !old.contains(&e.name));
                entries.extend(charx_emotions(&mut card_v3, &options.emotions));
            }
            (charx::write(&card_v3, &entries)?, Spec::V3)
        }
    };
    Ok(Encoded {
        bytes,
        spec,
        changes,
        diagnostics,
    })
}

fn picture_from_option(
    options: &CardWriteOptions,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(path) = &options.image else {
        return Ok(None);
    };
    let bytes = read_limited(path, limits.max_file_bytes, |size, limit| {
        cards::CardError::TooLarge { size, limit }.into()
    })?;
    Ok(Some(cards::card_picture(
        &bytes,
        options.picture_size.unwrap_or_default(),
        limits,
    )?))
}

/// The PNG to write the card into, and the card as it should read there.
fn png_picture(
    input: &Input,
    card: &Card,
    options: &CardWriteOptions,
    limits: &Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(Vec<u8>, Card), ApiError> {
    if let Some(picture) = picture_from_option(options, limits)? {
        return Ok((picture, card.clone()));
    }
    match &input.loaded.container {
        Container::Png(_) => Ok((input.bytes.clone(), card.clone())),
        Container::Charx(entries) => {
            let mut card_v3 = convert::to_v3(card);
            let icon = assets::main_icon_entry(&card_v3, entries).ok_or_else(no_picture)?;
            let picture = if Format::sniff(&icon.bytes) == Some(Format::Png) {
                png::strip(&icon.bytes, limits)?
            } else {
                cards::card_picture(
                    &icon.bytes,
                    options.picture_size.unwrap_or_default(),
                    limits,
                )?
            };
            assets::point_main_icon_at_png(&mut card_v3);
            let others = entries.len() - 1;
            if others > 0 {
                diagnostics.push(
                    Diagnostic::warning(
                        "card.assets_not_carried",
                        format!("a PNG holds one picture; the archive's {others} other files (expressions, sounds, …) are not in it"),
                    )
                    .hint("keep the .charx as well, or convert to .charx, to keep them"),
                );
            }
            Ok((picture, Card::from_value(card_v3)?))
        }
        Container::Json => Err(no_picture()),
    }
}

fn no_picture() -> ApiError {
    ApiError::new(
        "usage.no_picture",
        "a PNG card needs a picture, and this card has none",
        "give it a picture (PNG, JPEG, WebP or GIF); it is cropped to 2:3 and sized 400x600",
    )
    .with_action(crate::error::Action::GivePicture)
}

/// The V3 document and archive entries of a CHARX.
fn charx_contents(
    input: &Input,
    card: &Card,
    options: &CardWriteOptions,
    limits: &Limits,
) -> Result<(serde_json::Value, Vec<charx::Entry>), ApiError> {
    let mut card_v3 = convert::to_v3(card);
    let mut entries = match &input.loaded.container {
        Container::Charx(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let picture = match (
        picture_from_option(options, limits)?,
        &input.loaded.container,
    ) {
        (Some(picture), _) => Some(picture),
        (None, Container::Png(_)) => Some(png::strip(&input.bytes, limits)?),
        (None, _) => None,
    };
    if let Some(picture) = picture {
        entries.retain(|e| e.name != assets::MAIN_ICON_ENTRY);
        entries.insert(
            0,
            charx::Entry {
                name: assets::MAIN_ICON_ENTRY.into(),
                bytes: picture,
            },
        );
        assets::point_main_icon_at(&mut card_v3, assets::MAIN_ICON_ENTRY);
    }
    Ok((card_v3, entries))
}
