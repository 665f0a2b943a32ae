//! Card actions: inspect, validate, convert, repair. Each reads the input once, works on
//! bytes through `deskmate-cards`, and writes at most one file, atomically.

use std::path::{Path, PathBuf};

use deskmate_cards::expressions::Sprite;
use deskmate_cards::{
    self as cards, AvatarSize, Card, Container, Diagnostic, Format, Limits, Loaded, Spec,
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

/// One chunk of a PNG card, in file order.
pub use deskmate_cards::png::ChunkSummary as ChunkInfo;

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
        Container::Png(source) => Some(png::chunk_summary(&bytes, source, &limits)?),
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

/// `card validate`: the built-in checks and every enabled persona plugin; valid when no
/// finding is an error.
pub fn validate_card(path: &Path, plugins: &Plugins) -> Result<ValidationReport, ApiError> {
    let input = load(path, &Limits::default())?;
    let mut report = summarize(path, &input.loaded);
    report
        .diagnostics
        .extend(plugins.validate(Target::Persona, &card_document(&input.loaded.card)));
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

/// Makes the bytes of `card` as a `format` file, keeping what `input`'s container holds
/// (the PNG's picture and chunks, the CHARX's assets): the card crate's `write`, with the
/// picture file read here.
pub(crate) fn encode_card(
    input: &Input,
    card: &Card,
    format: Format,
    options: &CardWriteOptions,
    png_options: PngWriteOptions,
) -> Result<cards::write::Written, ApiError> {
    let limits = Limits::default();
    let picture = match &options.image {
        Some(path) => Some(read_limited(path, limits.max_file_bytes, |size, limit| {
            cards::CardError::TooLarge { size, limit }.into()
        })?),
        None => None,
    };
    let write_options = cards::write::WriteOptions {
        spec: options.spec,
        picture,
        picture_size: options.picture_size.unwrap_or_default(),
        emotions: options.emotions.clone(),
        png: png_options,
    };
    Ok(cards::write::write(
        &input.bytes,
        &input.loaded,
        card,
        format,
        &write_options,
        &limits,
    )?)
}
