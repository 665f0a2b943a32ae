//! The fields each card spec defines, with their types and defaults, in one table that
//! conversion, validation and repair all read.

use serde_json::{Map, Value};

/// The JSON shape a spec requires of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Text,
    TextList,
    Object,
    /// A map of language code to text (`creator_notes_multilingual`).
    TextMap,
    /// A unix timestamp in seconds.
    Timestamp,
    Lorebook,
    Assets,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Text => "a string",
            Shape::TextList => "a list of strings",
            Shape::Object | Shape::Lorebook => "an object",
            Shape::TextMap => "an object of strings",
            Shape::Timestamp => "a number (unix seconds)",
            Shape::Assets => "a list of assets",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// Whether the spec requires the field (a default is filled in by repair).
    pub required: bool,
}

const fn field(name: &'static str, shape: Shape, required: bool) -> Field {
    Field {
        name,
        shape,
        required,
    }
}

/// TavernAI V1 fields, all required strings, at the document root.
pub const V1: &[Field] = &[
    field("name", Shape::Text, true),
    field("description", Shape::Text, true),
    field("personality", Shape::Text, true),
    field("scenario", Shape::Text, true),
    field("first_mes", Shape::Text, true),
    field("mes_example", Shape::Text, true),
];

/// The Pygmalion / Gradio names for V1 fields (`char_name`, …), which SillyTavern and RisuAI
/// still import. Used only when the V1 name itself is absent.
const V1_ALIASES: &[(&str, &str)] = &[
    ("name", "char_name"),
    ("description", "char_persona"),
    ("scenario", "world_scenario"),
    ("first_mes", "char_greeting"),
    ("mes_example", "example_dialogue"),
];

/// A V1 field's value in a flat card, by its own name or its Pygmalion alias, with the key
/// it was found under.
pub fn v1_lookup<'a>(root: &'a Map<String, Value>, name: &'a str) -> Option<(&'a str, &'a Value)> {
    if let Some(value) = root.get(name) {
        return Some((name, value));
    }
    let (_, alias) = V1_ALIASES.iter().find(|(field, _)| *field == name)?;
    root.get(*alias).map(|value| (*alias, value))
}

/// Fields V2 adds under `data`, on top of the V1 ones.
pub const V2_ADDED: &[Field] = &[
    field("creator_notes", Shape::Text, true),
    field("system_prompt", Shape::Text, true),
    field("post_history_instructions", Shape::Text, true),
    field("alternate_greetings", Shape::TextList, true),
    field("character_book", Shape::Lorebook, false),
    field("tags", Shape::TextList, true),
    field("creator", Shape::Text, true),
    field("character_version", Shape::Text, true),
    field("extensions", Shape::Object, true),
];

/// Fields only V3 has. In a V2 document they are carried in `extensions` (see
/// [`convert`](crate::convert)).
pub const V3_ONLY: &[Field] = &[
    field("assets", Shape::Assets, false),
    field("nickname", Shape::Text, false),
    field("creator_notes_multilingual", Shape::TextMap, false),
    field("source", Shape::TextList, false),
    field("group_only_greetings", Shape::TextList, true),
    field("creation_date", Shape::Timestamp, false),
    field("modification_date", Shape::Timestamp, false),
];

/// The fields of `data` in a V2 (`v3 == false`) or V3 card.
pub fn data_fields(v3: bool) -> impl Iterator<Item = &'static Field> {
    let v3_only: &[Field] = if v3 { V3_ONLY } else { &[] };
    V1.iter().chain(V2_ADDED).chain(v3_only)
}

pub fn is_v3_only(name: &str) -> bool {
    V3_ONLY.iter().any(|f| f.name == name)
}

/// The value repair fills in for a missing required field.
pub fn default_for(shape: Shape) -> Value {
    match shape {
        Shape::Text => Value::String(String::new()),
        Shape::TextList | Shape::Assets => Value::Array(Vec::new()),
        Shape::Object | Shape::TextMap | Shape::Lorebook => Value::Object(Map::new()),
        Shape::Timestamp => Value::from(0),
    }
}

/// Lorebook entry fields the V3 spec requires, with their shapes.
pub const ENTRY_REQUIRED: &[(&str, EntryShape)] = &[
    ("keys", EntryShape::TextList),
    ("content", EntryShape::Text),
    ("extensions", EntryShape::Object),
    ("enabled", EntryShape::Bool),
    ("insertion_order", EntryShape::Number),
];

/// Optional lorebook entry fields with a fixed shape.
pub const ENTRY_OPTIONAL: &[(&str, EntryShape)] = &[
    ("use_regex", EntryShape::Bool),
    ("case_sensitive", EntryShape::Bool),
    ("constant", EntryShape::Bool),
    ("selective", EntryShape::Bool),
    ("secondary_keys", EntryShape::TextList),
    ("name", EntryShape::Text),
    ("comment", EntryShape::Text),
    ("priority", EntryShape::Number),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryShape {
    Text,
    TextList,
    Object,
    Bool,
    Number,
}

impl EntryShape {
    pub fn matches(self, value: &Value) -> bool {
        match self {
            EntryShape::Text => value.is_string(),
            EntryShape::TextList => is_text_list(value),
            EntryShape::Object => value.is_object(),
            EntryShape::Bool => value.is_boolean(),
            EntryShape::Number => value.is_number(),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            EntryShape::Text => "a string",
            EntryShape::TextList => "a list of strings",
            EntryShape::Object => "an object",
            EntryShape::Bool => "true or false",
            EntryShape::Number => "a number",
        }
    }

    /// The value repair fills in for a missing entry field named `name`.
    pub fn default_for(self, name: &str) -> Value {
        match self {
            // Apps treat an entry without the flag as switched on; `false` would silently
            // disable it.
            EntryShape::Bool if name == "enabled" => Value::Bool(true),
            EntryShape::Text => Value::String(String::new()),
            EntryShape::TextList => Value::Array(Vec::new()),
            EntryShape::Object => Value::Object(Map::new()),
            EntryShape::Bool => Value::Bool(false),
            EntryShape::Number => Value::from(0),
        }
    }
}

pub fn is_text_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| items.iter().all(Value::is_string))
}
