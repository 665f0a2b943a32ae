//! Exporting personas: one card file in any format, or a zip of many, from the file each
//! was imported from (so every chunk and asset the library does not model is kept).

use std::path::{Path, PathBuf};

use deskmate_cards::archive::{self, Entry};
use deskmate_cards::{self as cards, Format, Limits};
use serde::Serialize;

use super::{Continue, Personas, Progress, stored_card};
use crate::ApiError;
use crate::card::{CardWriteOptions, Input, encode_card, output_format};
use crate::error::library_error;
use crate::files::write_atomic;

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub output: PathBuf,
    pub files: Vec<String>,
}

impl Personas {
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
    pub(super) fn persona_file(
        &self,
        id: i64,
        format: Option<Format>,
    ) -> Result<(String, Vec<u8>), ApiError> {
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
