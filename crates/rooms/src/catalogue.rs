//! The object catalogue: every kind of thing the editor's palette offers, in categories, each
//! with a default size, solidity, interactivity, states and a drawing.
//!
//! The data is `templates/objects/catalogue.json`; the drawings are the SVG files beside it
//! (project-authored, top-down, drawn to the item's footprint at 20x30 pixels a cell). A
//! drawing names colours as `var(--primary)`, `var(--secondary)`, `var(--accent)` or any
//! palette role, so one drawing serves every theme; see [`crate::art`] for how a drawing is
//! chosen for an object and painted.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::model::{Functional, Kind, RoomObject};

/// A group of items in the palette ("Seating", "Lighting"…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub label: String,
}

/// One kind of object the palette offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct CatalogueItem {
    /// The drawing's name and the object's `art` (`floor_lamp`).
    pub id: String,
    pub label: String,
    /// A [`Category`] id.
    pub category: String,
    pub kind: Kind,
    /// Default footprint in cells, `[width, height]`.
    pub size: [i32; 2],
    pub solid: bool,
    pub interactive: bool,
    pub movable: bool,
    /// The palette role the drawing's `primary` colour takes (`fabric` for a sofa).
    pub color: String,
    /// The role of its `secondary` colour (legs, frames).
    pub secondary: String,
    /// States and their values; the first value is the default, and the one the plain
    /// drawing shows.
    #[serde(default)]
    pub states: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub functional: Functional,
    /// Words the palette search matches besides the label.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// What the companion is told about a new object of this kind.
    pub description: String,
}

/// The catalogue: categories in palette order, and their items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub categories: Vec<Category>,
    pub items: Vec<CatalogueItem>,
}

/// The drawing used for an object the catalogue has no drawing for.
pub const FALLBACK_DRAWING: &str = "box";

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../../templates/objects/catalogue.json"))
        .expect("the built-in catalogue parses (a test checks it)")
});

/// Every drawing by name (`floor_lamp`, `floor_lamp.off`, `bed~cozy`), sorted.
static DRAWINGS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/drawings.rs"));

/// The built-in catalogue.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// A built-in drawing by name.
pub fn drawing(name: &str) -> Option<&'static str> {
    DRAWINGS
        .binary_search_by(|(n, _)| (*n).cmp(name))
        .ok()
        .map(|i| DRAWINGS[i].1)
}

/// All built-in drawings, sorted by name.
pub fn drawings() -> &'static [(&'static str, &'static str)] {
    DRAWINGS
}

impl Catalogue {
    pub fn item(&self, id: &str) -> Option<&CatalogueItem> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Items whose label, id, category or keywords contain every word of `query`
    /// (case-insensitive), in catalogue order. An empty query matches everything.
    pub fn search(&self, query: &str) -> Vec<&CatalogueItem> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.items
            .iter()
            .filter(|item| {
                let haystack = item.search_text();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect()
    }

    /// The catalogue item an object looks like when it names none: the first item whose id,
    /// label or keywords match a word of the object's name or server type. Rooms made before
    /// the catalogue (and hand-written ones) are drawn as furniture, not boxes, this way.
    pub fn guess(&self, object: &RoomObject) -> Option<&CatalogueItem> {
        let text = format!(
            "{} {}",
            object.name,
            object.object_type.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
            .collect();
        // Two-word items first ("floor lamp" before "lamp"), then single words.
        let by_label = self.items.iter().find(|item| {
            let label = item.label.to_lowercase();
            label.contains(' ') && text.contains(&label)
        });
        by_label.or_else(|| {
            words.iter().rev().find_map(|word| {
                self.items.iter().find(|item| {
                    item.id == *word
                        || item.label.eq_ignore_ascii_case(word)
                        || item.keywords.iter().any(|k| k == word)
                })
            })
        })
    }
}

impl CatalogueItem {
    fn search_text(&self) -> String {
        format!(
            "{} {} {} {}",
            self.label.to_lowercase(),
            self.id.replace('_', " "),
            self.category,
            self.keywords.join(" ")
        )
    }

    /// A new object of this kind at `(x, y)`, with its defaults.
    pub fn object(&self, id: &str, x: i32, y: i32) -> RoomObject {
        RoomObject {
            id: id.to_owned(),
            name: self.label.clone(),
            description: self.description.clone(),
            kind: self.kind,
            object_type: None,
            art: Some(self.id.clone()),
            position_x: x,
            position_y: y,
            size_width: self.size[0],
            size_height: self.size[1],
            is_solid: self.solid,
            is_interactive: self.interactive,
            is_movable: self.movable,
            sprite_name: None,
            color_scheme: None,
            states: self
                .states
                .iter()
                .filter_map(|(key, values)| Some((key.clone(), values.first()?.clone())))
                .collect(),
            allowed_states: self.states.clone(),
            z: 0,
            behavior: String::new(),
            material: None,
            functional: self.functional,
            extensions: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg::check_svg;

    #[test]
    fn the_catalogue_is_complete_and_consistent() {
        let catalogue = catalogue();
        assert!(
            catalogue.items.len() >= 40,
            "{} items",
            catalogue.items.len()
        );
        for item in &catalogue.items {
            assert!(
                catalogue.categories.iter().any(|c| c.id == item.category),
                "{}: category {}",
                item.id,
                item.category
            );
            let drawing = drawing(&item.id).unwrap_or_else(|| panic!("{} has a drawing", item.id));
            // Drawn to its footprint: the view box is the default size at 20x30 a cell.
            let view_box = format!(
                "viewBox=\"0 0 {} {}\"",
                item.size[0] * 20,
                item.size[1] * 30
            );
            assert!(drawing.contains(&view_box), "{}: {view_box}", item.id);
            assert!(item.states.values().all(|v| !v.is_empty()), "{}", item.id);
        }
        let mut ids: Vec<&str> = catalogue.items.iter().map(|i| i.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), catalogue.items.len(), "ids are unique");
        // Every category has something in it.
        for category in &catalogue.categories {
            assert!(
                catalogue.items.iter().any(|i| i.category == category.id),
                "{}",
                category.id
            );
        }
    }

    #[test]
    fn every_drawing_passes_the_owner_svg_check_and_names_an_item() {
        // The project's own art is held to the same rules as an owner's.
        for (name, source) in drawings() {
            check_svg(source.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let base = name.split(['~', '.']).next().unwrap();
            assert!(
                base == FALLBACK_DRAWING || catalogue().item(base).is_some(),
                "{name} belongs to no item"
            );
        }
    }

    #[test]
    fn search_matches_labels_keywords_and_categories() {
        let ids = |q: &str| -> Vec<String> {
            catalogue().search(q).iter().map(|i| i.id.clone()).collect()
        };
        assert!(ids("couch").contains(&"sofa".to_owned()));
        assert!(ids("LAMP").contains(&"floor_lamp".to_owned()));
        assert_eq!(ids("floor lamp"), vec!["floor_lamp"]);
        assert!(ids("plants").len() >= 4);
        assert!(ids("zeppelin").is_empty());
        assert_eq!(ids("").len(), catalogue().items.len());
    }

    #[test]
    fn objects_without_art_are_guessed_from_their_names() {
        let named = |name: &str| {
            let mut o = catalogue().item("stool").unwrap().object("x", 0, 0);
            o.name = name.to_owned();
            o.art = None;
            catalogue().guess(&o).map(|i| i.id.clone())
        };
        assert_eq!(named("Rocking Chair").as_deref(), Some("rocking_chair"));
        assert_eq!(named("Oak Bookcase").as_deref(), Some("bookcase"));
        assert_eq!(named("Reading lamp").as_deref(), Some("floor_lamp"));
        assert_eq!(named("Mystery thing"), None);
    }

    #[test]
    fn a_new_object_takes_the_items_defaults() {
        let lamp = catalogue()
            .item("floor_lamp")
            .unwrap()
            .object("lamp_1", 3, 4);
        assert_eq!(lamp.art.as_deref(), Some("floor_lamp"));
        assert_eq!(lamp.states.get("power").map(String::as_str), Some("on"));
        assert_eq!((lamp.size_width, lamp.size_height), (1, 1));
        assert!(lamp.functional.requires_power);
    }
}
