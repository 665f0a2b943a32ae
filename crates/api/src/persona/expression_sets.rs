//! A persona's expression set: imported from a folder or zip, checked, served picture by
//! picture, and written in the SillyTavern, DeskMate or CHARX layout.

use std::path::Path;

use deskmate_cards::archive::Entry;
use deskmate_cards::expressions::export::{deskmate_file_stem, deskmate_layout, sillytavern_zip};
use deskmate_cards::expressions::{self, Coverage, Skipped, Sprite, SpriteLimits};
use deskmate_cards::{Diagnostic, Format, Limits};
use deskmate_library::{NewSprite, SpriteInfo};
use serde::Serialize;

use super::import::{read_sprites, to_stored};
use super::{Personas, coverage_of, from_stored, plan};
use crate::ApiError;
use crate::error::library_error;
use crate::files::{join_inside, read_limited, write_atomic};

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

impl Personas {
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
        let mut report = self.validate_expressions(id)?;
        report.skipped = read.skipped;
        Ok(report)
    }

    /// Adds one picture (or replaces the persona's picture of that file name), labelled by
    /// its file name as in a sprite folder.
    pub fn add_sprite(&self, id: i64, file: &Path) -> Result<ExpressionReport, ApiError> {
        let sprite_limits = SpriteLimits::default();
        let bytes = read_limited(file, sprite_limits.max_bytes, |size, limit| {
            deskmate_cards::CardError::TooLarge { size, limit }.into()
        })?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sprite = Sprite::read(&name, None, bytes, &Limits::default(), &sprite_limits)?;
        self.library
            .lock()
            .put_sprites(id, &[to_stored(&sprite)], false)
            .map_err(library_error)?;
        self.validate_expressions(id)
    }

    /// Removes one picture from the persona's set.
    pub fn remove_sprite(&self, id: i64, file_name: &str) -> Result<ExpressionReport, ApiError> {
        let removed = self
            .library
            .lock()
            .remove_sprite(id, file_name)
            .map_err(library_error)?;
        if !removed {
            return Err(ApiError::new(
                "sprite.not_found",
                format!("persona {id} has no expression picture named {file_name}"),
                "open the persona again to see its current pictures",
            ));
        }
        self.validate_expressions(id)
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
    pub fn validate_expressions(&self, id: i64) -> Result<ExpressionReport, ApiError> {
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

    pub(super) fn sprites_of(&self, id: i64) -> Result<Vec<Sprite>, ApiError> {
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
