//! Persona actions: the owner's library of characters and their expression sets.
//!
//! This module holds the library itself (list, show, repair, edit, trash, tags, ratings,
//! notes); the three longer jobs have a module each: [`import`] (cards, folders, zips and
//! SillyTavern data folders in), [`export`] (cards and zips of cards out) and
//! [`expression_sets`] (sprite sets in and out, in every layout).

use deskmate_cards::expressions::{self, Coverage, LabelSet, Sprite, SpriteFormat};
use deskmate_cards::{self as cards, Card, Diagnostic};
use deskmate_library::{NewSprite, Persona, PersonaSummary, Query, SpriteInfo};
use serde::Serialize;

use crate::error::library_error;
use crate::shared_library::SharedLibrary;
use crate::{ApiError, DataDir};

mod export;
mod expression_sets;
pub(crate) mod import;
mod pixel_budget;
mod plan;

pub use export::ExportReport;
pub use expression_sets::{ExpressionReport, Layout};
pub use import::{FileResult, ImportReport, Outcome};
pub use plan::Item;

/// The persona library, opened.
pub struct Personas {
    library: SharedLibrary,
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
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
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

impl Personas {
    pub fn open(data: &DataDir) -> Result<Personas, ApiError> {
        Ok(Personas::on(SharedLibrary::open(data)?))
    }

    /// Personas in a library the rest of the app shares.
    pub fn on(library: SharedLibrary) -> Personas {
        Personas { library }
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

    /// Adds and removes tags. The tags are a field of the card too (`data.tags`), shown among
    /// its fields: the card is given the library's tags, so what is exported, shared or
    /// published carries them.
    pub fn tag(&self, ids: &[i64], add: &[String], remove: &[String]) -> Result<(), ApiError> {
        let mut library = self.library.lock();
        library.add_tags(ids, add).map_err(library_error)?;
        library.remove_tags(ids, remove).map_err(library_error)?;
        for &id in ids {
            let persona = library.persona(id).map_err(library_error)?;
            let mut card = stored_card(&persona)?.to_value();
            // A V1 card has no place for tags; V2 and V3 keep them in `data`.
            let Some(data) = card.get_mut("data").and_then(|d| d.as_object_mut()) else {
                continue;
            };
            let tags = serde_json::Value::from(persona.summary.tags.clone());
            if data.get("tags") == Some(&tags) {
                continue;
            }
            data.insert("tags".into(), tags);
            let summary = &persona.summary;
            library
                .set_card(id, &card.to_string(), &summary.card_name, &summary.creator)
                .map_err(library_error)?;
        }
        Ok(())
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
}

fn coverage_of(sprites: &[SpriteInfo]) -> [Coverage; 2] {
    let labels: Vec<&str> = sprites.iter().map(|s| s.label.as_str()).collect();
    [
        expressions::coverage(&labels, LabelSet::SillyTavern),
        expressions::coverage(&labels, LabelSet::DeskMate),
    ]
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
