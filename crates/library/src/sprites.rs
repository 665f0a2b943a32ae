//! Expression sprites: the pictures a persona shows for each feeling, kept byte for byte.
//!
//! A sprite is keyed by its file name within the persona, not by its label, because
//! SillyTavern allows several pictures per label (`joy.png`, `joy-2.png`).

use rusqlite::{Transaction, params};
use serde::Serialize;

use crate::Library;
use crate::error::Result;

/// A sprite to store, already checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq, ts_rs::TS)]
pub struct NewSprite {
    pub info: SpriteInfo,
    pub image: Vec<u8>,
}

/// What the library knows about a stored sprite, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SpriteInfo {
    pub file_name: String,
    pub label: String,
    /// `png`, `webp`, `gif` or `jpeg`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// True when some pixel is not fully opaque.
    pub alpha: bool,
    pub sha256: String,
    pub bytes: u64,
}

impl Library {
    /// Stores sprites for a persona in one transaction. With `replace`, the persona's
    /// current sprites go first; otherwise a sprite of the same file name is replaced and
    /// the others stay.
    pub fn put_sprites(
        &mut self,
        persona: i64,
        sprites: &[NewSprite],
        replace: bool,
    ) -> Result<()> {
        self.edit_each(&[persona], |tx, id| {
            if replace {
                tx.execute("DELETE FROM sprites WHERE persona = ?1", [id])?;
            }
            insert_sprites(tx, id, sprites)
        })
    }

    /// Removes one of the persona's sprites; false when it had none of that file name.
    pub fn remove_sprite(&mut self, persona: i64, file_name: &str) -> Result<bool> {
        let mut removed = false;
        self.edit_each(&[persona], |tx, id| {
            removed = tx.execute(
                "DELETE FROM sprites WHERE persona = ?1 AND file_name = ?2",
                params![id, file_name],
            )? > 0;
            Ok(())
        })?;
        Ok(removed)
    }

    /// The persona's sprites, by label, then shorter file names first (`joy.png`, `joy-2.png`).
    pub fn sprites(&self, persona: i64) -> Result<Vec<SpriteInfo>> {
        Ok(self
            .sprite_rows(persona, false)?
            .into_iter()
            .map(|s| s.info)
            .collect())
    }

    /// The persona's sprites with their bytes.
    pub fn sprite_images(&self, persona: i64) -> Result<Vec<NewSprite>> {
        self.sprite_rows(persona, true)
    }

    /// One sprite's format and bytes, for showing it; `None` when the persona has no sprite
    /// of that file name.
    pub fn sprite_image(&self, persona: i64, file_name: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.require(persona)?;
        let mut statement = self.conn.prepare_cached(
            "SELECT format, image FROM sprites WHERE persona = ?1 AND file_name = ?2",
        )?;
        let mut rows =
            statement.query_map(params![persona, file_name], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.next().transpose()?)
    }

    fn sprite_rows(&self, persona: i64, with_image: bool) -> Result<Vec<NewSprite>> {
        self.require(persona)?;
        let mut statement = self.conn.prepare_cached(
            "SELECT file_name, label, format, width, height, alpha, sha256, length(image),
                    CASE WHEN ?2 THEN image ELSE x'' END
             FROM sprites WHERE persona = ?1 ORDER BY label, length(file_name), file_name",
        )?;
        let rows = statement.query_map(params![persona, with_image], |r| {
            Ok(NewSprite {
                info: SpriteInfo {
                    file_name: r.get(0)?,
                    label: r.get(1)?,
                    format: r.get(2)?,
                    width: r.get(3)?,
                    height: r.get(4)?,
                    alpha: r.get(5)?,
                    sha256: r.get(6)?,
                    bytes: r.get::<_, i64>(7)? as u64,
                },
                image: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

pub(crate) fn insert_sprites(
    tx: &Transaction<'_>,
    persona: i64,
    sprites: &[NewSprite],
) -> Result<()> {
    let mut statement = tx.prepare_cached(
        "INSERT OR REPLACE INTO sprites
             (persona, file_name, label, format, width, height, alpha, sha256, image)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for sprite in sprites {
        let info = &sprite.info;
        statement.execute(params![
            persona,
            info.file_name,
            info.label,
            info.format,
            info.width,
            info.height,
            info.alpha,
            info.sha256,
            sprite.image
        ])?;
    }
    Ok(())
}
