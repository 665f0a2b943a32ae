//! The persona library: cards as they were imported, with the owner's tags, rating and notes.
//!
//! A persona keeps the file it came from (`persona_sources`), so exporting it again in its
//! own format loses nothing: a PNG keeps every chunk, a CHARX every asset. The card JSON sits
//! beside it as read. Deleting moves a persona to the trash; only emptying the trash removes
//! it, so a bulk delete can be undone.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Row, Transaction, params, params_from_iter};
use serde::Serialize;

use crate::error::{LibraryError, Result};
use crate::servers::now;
use crate::sprites::{NewSprite, insert_sprites};
use crate::{Library, Timestamps};

/// A card on its way into the library, with everything read from its file.
#[derive(Debug, Clone)]
pub struct NewPersona {
    /// The card's own `name`; the library's name is made unique from it.
    pub card_name: String,
    pub creator: String,
    /// `v1`, `v2` or `v3`.
    pub spec: String,
    /// `png`, `json` or `charx`.
    pub source_format: String,
    /// The file name it came from, for the owner's reference.
    pub source_file: String,
    /// SHA-256 of the file: two imports of the same bytes are one persona.
    pub source_sha256: String,
    pub source: Vec<u8>,
    /// The card document as JSON text.
    pub card: String,
    pub tags: Vec<String>,
    /// The picture, when it is not the source file itself (a CHARX icon).
    pub avatar: Option<Vec<u8>>,
    pub thumbnail: Option<Vec<u8>>,
    pub sprites: Vec<NewSprite>,
}

/// What adding a persona did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Added {
    Imported {
        id: i64,
        name: String,
    },
    /// The same file was already in the library (perhaps in the trash); nothing changed.
    Duplicate {
        id: i64,
        name: String,
    },
}

/// One row of the library grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PersonaSummary {
    pub id: i64,
    pub name: String,
    pub card_name: String,
    pub creator: String,
    pub spec: String,
    pub source_format: String,
    pub source_file: String,
    pub tags: Vec<String>,
    pub rating: Option<u8>,
    /// How many expression pictures the persona has (the detail lists them as `sprites`).
    pub sprite_count: u32,
    #[serde(flatten)]
    pub times: Timestamps,
    pub trashed_at: Option<i64>,
}

/// A persona in full: the summary, the owner's notes and the card document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Persona {
    #[serde(flatten)]
    pub summary: PersonaSummary,
    pub notes: String,
    pub source_sha256: String,
    /// The card document as JSON text.
    pub card: String,
}

/// The imported file, for exporting a persona in its own container.
#[derive(Debug, Clone)]
pub struct PersonaSource {
    pub format: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Name,
    Newest,
    Modified,
    /// Best rated first; unrated last.
    Rating,
}

/// Which personas to list. Empty means everything outside the trash.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Matches name, card name, creator and tags, anywhere, ignoring case.
    pub search: Option<String>,
    pub tag: Option<String>,
    pub creator: Option<String>,
    pub sort: Sort,
    /// List the trash instead of the library.
    pub trash: bool,
}

/// The most characters a tag, and the most tags a persona, may have.
pub const MAX_TAG_CHARS: usize = 64;
pub const MAX_TAGS: usize = 200;

const SUMMARY_COLUMNS: &str = "p.id, p.name, p.card_name, p.creator, p.spec, p.source_format,
    p.source_file, p.rating, p.created_at, p.modified_at, p.trashed_at";

impl Library {
    /// Adds a persona and everything with it in one transaction: a crash leaves either all
    /// of it or none. A file already in the library is reported, not added twice; a name
    /// already taken gets a number (`Aria (2)`), never overwriting anyone.
    pub fn add_persona(&mut self, new: &NewPersona) -> Result<Added> {
        // IMMEDIATE: it reads before it writes, and a deferred transaction that must turn a
        // read into a write while another process holds the write lock (another opener's
        // migration check, say) is refused at once rather than waiting its turn.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, name FROM personas WHERE source_sha256 = ?1",
                [&new.source_sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, name)) = existing {
            return Ok(Added::Duplicate { id, name });
        }
        let name = free_name(&tx, &new.card_name)?;
        let now = now();
        tx.execute(
            "INSERT INTO personas (name, card_name, creator, spec, source_format, source_file,
                                   source_sha256, created_at, modified_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                name,
                new.card_name,
                new.creator,
                new.spec,
                new.source_format,
                new.source_file,
                new.source_sha256,
                now
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO persona_cards (persona, card) VALUES (?1, ?2)",
            params![id, new.card],
        )?;
        tx.execute(
            "INSERT INTO persona_sources (persona, bytes) VALUES (?1, ?2)",
            params![id, new.source],
        )?;
        tx.execute(
            "INSERT INTO persona_pictures (persona, avatar, thumbnail) VALUES (?1, ?2, ?3)",
            params![id, new.avatar, new.thumbnail],
        )?;
        insert_tags(&tx, id, &new.tags)?;
        insert_sprites(&tx, id, &new.sprites)?;
        tx.commit()?;
        Ok(Added::Imported { id, name })
    }

    /// The personas the query selects, sorted.
    pub fn personas(&self, query: &Query) -> Result<Vec<PersonaSummary>> {
        let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM personas p WHERE ");
        sql.push_str(if query.trash {
            "p.trashed_at IS NOT NULL"
        } else {
            "p.trashed_at IS NULL"
        });
        let mut args: Vec<String> = Vec::new();
        if let Some(search) = query.search.as_deref().filter(|s| !s.trim().is_empty()) {
            args.push(format!("%{}%", escape_like(search.trim())));
            sql.push_str(
                " AND (p.name LIKE ?1 ESCAPE '\\' OR p.card_name LIKE ?1 ESCAPE '\\'
                   OR p.creator LIKE ?1 ESCAPE '\\'
                   OR EXISTS (SELECT 1 FROM persona_tags t WHERE t.persona = p.id
                              AND t.tag LIKE ?1 ESCAPE '\\'))",
            );
        }
        if let Some(tag) = &query.tag {
            args.push(tag.trim().to_string());
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM persona_tags t WHERE t.persona = p.id AND t.tag = ?{})",
                args.len()
            ));
        }
        if let Some(creator) = &query.creator {
            args.push(creator.trim().to_string());
            sql.push_str(&format!(" AND p.creator = ?{} COLLATE NOCASE", args.len()));
        }
        sql.push_str(match query.sort {
            Sort::Name => " ORDER BY p.name COLLATE NOCASE, p.id",
            Sort::Newest => " ORDER BY p.created_at DESC, p.id DESC",
            Sort::Modified => " ORDER BY p.modified_at DESC, p.id DESC",
            Sort::Rating => " ORDER BY p.rating IS NULL, p.rating DESC, p.name COLLATE NOCASE",
        });
        let mut statement = self.conn.prepare_cached(&sql)?;
        let rows = statement.query_map(params_from_iter(args.iter()), summary)?;
        let mut list: Vec<PersonaSummary> = rows.collect::<rusqlite::Result<_>>()?;
        self.fill_tags_and_sprite_counts(&mut list)?;
        Ok(list)
    }

    /// Tags and sprite counts for many personas in two passes over their tables, which is
    /// several times faster for a whole library than a lookup per persona.
    fn fill_tags_and_sprite_counts(&self, list: &mut [PersonaSummary]) -> Result<()> {
        if list.is_empty() {
            return Ok(());
        }
        let index: HashMap<i64, usize> = list.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut tags = self
            .conn
            .prepare_cached("SELECT persona, tag FROM persona_tags")?;
        let mut rows = tags.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(&i) = index.get(&row.get::<_, i64>(0)?) {
                list[i].tags.push(row.get(1)?);
            }
        }
        let mut counts = self
            .conn
            .prepare_cached("SELECT persona, count(*) FROM sprites GROUP BY persona")?;
        let mut rows = counts.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(&i) = index.get(&row.get::<_, i64>(0)?) {
                list[i].sprite_count = row.get(1)?;
            }
        }
        for persona in list {
            persona.tags.sort_by_key(|t| t.to_lowercase());
        }
        Ok(())
    }

    /// One persona in full, trashed or not.
    pub fn persona(&self, id: i64) -> Result<Persona> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, p.notes, p.source_sha256, c.card
             FROM personas p JOIN persona_cards c ON c.persona = p.id WHERE p.id = ?1"
        );
        let mut persona = self
            .conn
            .query_row(&sql, [id], |row| {
                Ok(Persona {
                    summary: summary(row)?,
                    notes: row.get(11)?,
                    source_sha256: row.get(12)?,
                    card: row.get(13)?,
                })
            })
            .optional()?
            .ok_or(LibraryError::PersonaNotFound { id })?;
        self.fill_tags_and_sprite_counts(std::slice::from_mut(&mut persona.summary))?;
        Ok(persona)
    }

    pub fn persona_source(&self, id: i64) -> Result<PersonaSource> {
        self.conn
            .query_row(
                "SELECT p.source_format, p.source_file, s.bytes
                 FROM personas p JOIN persona_sources s ON s.persona = p.id WHERE p.id = ?1",
                [id],
                |r| {
                    Ok(PersonaSource {
                        format: r.get(0)?,
                        file_name: r.get(1)?,
                        bytes: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or(LibraryError::PersonaNotFound { id })
    }

    /// The cached thumbnail for the library grid, if the persona has a picture.
    pub fn thumbnail(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.require(id)?;
        Ok(self
            .conn
            .query_row(
                "SELECT thumbnail FROM persona_pictures WHERE persona = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Adds tags to each persona (tags already there stay once).
    pub fn add_tags(&mut self, ids: &[i64], tags: &[String]) -> Result<()> {
        self.edit_each(ids, |tx, id| insert_tags(tx, id, tags))
    }

    pub fn remove_tags(&mut self, ids: &[i64], tags: &[String]) -> Result<()> {
        self.edit_each(ids, |tx, id| {
            for tag in tags {
                tx.execute(
                    "DELETE FROM persona_tags WHERE persona = ?1 AND tag = ?2",
                    params![id, tag.trim()],
                )?;
            }
            Ok(())
        })
    }

    /// Sets the owner's rating, 1 to 5 stars, or clears it.
    pub fn set_rating(&mut self, ids: &[i64], rating: Option<u8>) -> Result<()> {
        if let Some(stars) = rating
            && !(1..=5).contains(&stars)
        {
            return Err(LibraryError::InvalidRating { stars });
        }
        self.edit_each(ids, |tx, id| {
            tx.execute(
                "UPDATE personas SET rating = ?2 WHERE id = ?1",
                params![id, rating],
            )?;
            Ok(())
        })
    }

    pub fn set_notes(&mut self, id: i64, notes: &str) -> Result<()> {
        self.edit_each(&[id], |tx, id| {
            tx.execute(
                "UPDATE personas SET notes = ?2 WHERE id = ?1",
                params![id, notes],
            )?;
            Ok(())
        })
    }

    /// Replaces a persona's card document (the owner edited it). The library name stays the
    /// owner's; the card's own name and creator follow the card.
    pub fn set_card(&mut self, id: i64, card: &str, card_name: &str, creator: &str) -> Result<()> {
        self.edit_each(&[id], |tx, id| {
            tx.execute(
                "UPDATE persona_cards SET card = ?2 WHERE persona = ?1",
                params![id, card],
            )?;
            tx.execute(
                "UPDATE personas SET card_name = ?2, creator = ?3 WHERE id = ?1",
                params![id, card_name, creator],
            )?;
            Ok(())
        })
    }

    /// Moves personas to the trash; [`Library::restore`] brings them back.
    pub fn trash(&mut self, ids: &[i64]) -> Result<()> {
        let now = now();
        self.edit_each(ids, |tx, id| {
            tx.execute(
                "UPDATE personas SET trashed_at = ?2 WHERE id = ?1 AND trashed_at IS NULL",
                params![id, now],
            )?;
            Ok(())
        })
    }

    pub fn restore(&mut self, ids: &[i64]) -> Result<()> {
        self.edit_each(ids, |tx, id| {
            tx.execute("UPDATE personas SET trashed_at = NULL WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Deletes everything in the trash for good; returns how many personas went.
    pub fn empty_trash(&mut self) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let gone = tx.execute("DELETE FROM personas WHERE trashed_at IS NOT NULL", [])?;
        tx.commit()?;
        Ok(gone)
    }

    pub(crate) fn require(&self, id: i64) -> Result<()> {
        let found: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM personas WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if found {
            Ok(())
        } else {
            Err(LibraryError::PersonaNotFound { id })
        }
    }

    /// Runs `edit` for every id in one transaction, after checking they all exist, and
    /// marks each persona modified.
    pub(crate) fn edit_each(
        &mut self,
        ids: &[i64],
        mut edit: impl FnMut(&Transaction<'_>, i64) -> Result<()>,
    ) -> Result<()> {
        for &id in ids {
            self.require(id)?;
        }
        let now = now();
        let tx = self.conn.transaction()?;
        for &id in ids {
            edit(&tx, id)?;
            tx.execute(
                "UPDATE personas SET modified_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn summary(row: &Row<'_>) -> rusqlite::Result<PersonaSummary> {
    Ok(PersonaSummary {
        id: row.get(0)?,
        name: row.get(1)?,
        card_name: row.get(2)?,
        creator: row.get(3)?,
        spec: row.get(4)?,
        source_format: row.get(5)?,
        source_file: row.get(6)?,
        tags: Vec::new(),
        rating: row.get(7)?,
        sprite_count: 0,
        times: Timestamps {
            created_at: row.get(8)?,
            modified_at: row.get(9)?,
        },
        trashed_at: row.get(10)?,
    })
}

/// The card's name, or the first `NAME (N)` no other persona has (ignoring case).
fn free_name(tx: &Transaction<'_>, card_name: &str) -> Result<String> {
    let base: String = card_name.trim().chars().take(200).collect();
    let base = if base.is_empty() {
        "Unnamed".to_string()
    } else {
        base
    };
    let taken = |name: &str| -> Result<bool> {
        Ok(tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM personas WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?)
    };
    if !taken(&base)? {
        return Ok(base);
    }
    let mut n = 2u64;
    loop {
        let candidate = format!("{base} ({n})");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

fn insert_tags(tx: &Transaction<'_>, id: i64, tags: &[String]) -> Result<()> {
    for tag in tags {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS || tag.contains('\u{1f}') {
            return Err(LibraryError::InvalidTag { tag: tag.into() });
        }
        tx.execute(
            "INSERT OR IGNORE INTO persona_tags (persona, tag) VALUES (?1, ?2)",
            params![id, tag],
        )?;
    }
    let count: i64 = tx.query_row(
        "SELECT count(*) FROM persona_tags WHERE persona = ?1",
        [id],
        |r| r.get(0),
    )?;
    if count as usize > MAX_TAGS {
        return Err(LibraryError::TooManyTags { limit: MAX_TAGS });
    }
    Ok(())
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
