//! The card model: a character card as the JSON object it is, plus what we know about it.
//!
//! We deliberately do not deserialize cards into structs. A card is kept as its full JSON
//! object ([`serde_json::Map`], key order preserved, numbers kept as written), so every key
//! we do not know, at any depth (SillyTavern's hybrid root copy, `extensions` of any app,
//! fields from a future spec), survives read -> write -> read unchanged. Field names and
//! types live in [`fields`](crate::fields); typed access is through small accessors.

use serde_json::{Map, Value};

use crate::error::{CardError, Result};
use crate::fields;

/// The card specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Spec {
    /// TavernAI's flat object: `name`, `description`, … at the root.
    V1,
    /// `spec: "chara_card_v2"`, fields under `data`.
    V2,
    /// `spec: "chara_card_v3"`, fields under `data`.
    V3,
}

impl Spec {
    pub fn as_str(self) -> &'static str {
        match self {
            Spec::V1 => "v1",
            Spec::V2 => "v2",
            Spec::V3 => "v3",
        }
    }

    /// The `spec` value a V2 or V3 document carries.
    pub fn spec_name(self) -> Option<&'static str> {
        match self {
            Spec::V1 => None,
            Spec::V2 => Some("chara_card_v2"),
            Spec::V3 => Some("chara_card_v3"),
        }
    }

    /// The `spec_version` this crate writes.
    pub fn spec_version(self) -> Option<&'static str> {
        match self {
            Spec::V1 => None,
            Spec::V2 => Some("2.0"),
            Spec::V3 => Some("3.0"),
        }
    }
}

/// A character card document.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    root: Map<String, Value>,
    spec: Spec,
}

impl Card {
    /// Takes a parsed JSON document. Fails only when it is not an object; anything else a card
    /// can get wrong is reported by [`validate`](crate::validate()).
    pub fn from_value(value: Value) -> Result<Card> {
        match value {
            Value::Object(root) => {
                let spec = detect_spec(&root);
                Ok(Card { root, spec })
            }
            other => Err(CardError::NotAnObject {
                found: json_type_name(&other),
            }),
        }
    }

    pub fn spec(&self) -> Spec {
        self.spec
    }

    /// The whole document, exactly as read (or as changed by repair).
    pub fn root(&self) -> &Map<String, Value> {
        &self.root
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.root.clone())
    }

    /// The object holding the character fields: `data` for V2/V3, the root for V1.
    pub fn data(&self) -> Option<&Map<String, Value>> {
        match self.spec {
            Spec::V1 => Some(&self.root),
            Spec::V2 | Spec::V3 => self.root.get("data")?.as_object(),
        }
    }

    /// Mutable access to the fields object, creating `data` for V2/V3 when it is missing or not
    /// an object. Only repair calls this, and it reports what it replaced.
    pub(crate) fn data_mut(&mut self) -> &mut Map<String, Value> {
        match self.spec {
            Spec::V1 => &mut self.root,
            Spec::V2 | Spec::V3 => {
                let data = self
                    .root
                    .entry("data")
                    .or_insert_with(|| Value::Object(Map::new()));
                if !data.is_object() {
                    *data = Value::Object(Map::new());
                }
                data.as_object_mut().expect("just made an object")
            }
        }
    }

    /// The character's name, when it is a string.
    pub fn name(&self) -> Option<&str> {
        self.text("name")
    }

    /// A string field of the character, when present and a string. For V1 cards the
    /// Pygmalion names (`char_name`, …) count too.
    pub fn text<'a>(&'a self, field: &'a str) -> Option<&'a str> {
        match self.spec {
            Spec::V1 => fields::v1_lookup(&self.root, field)?.1.as_str(),
            Spec::V2 | Spec::V3 => self.data()?.get(field)?.as_str(),
        }
    }
}

/// Reads which spec a document claims. `spec` decides when it names a known spec; a document
/// with a `data` object but an unknown or missing `spec` is treated by its `spec_version`
/// (V3 when it starts with 3, else V2); anything else is a flat V1 card.
fn detect_spec(root: &Map<String, Value>) -> Spec {
    match root.get("spec").and_then(Value::as_str) {
        Some("chara_card_v3") => Spec::V3,
        Some("chara_card_v2") => Spec::V2,
        _ if root.get("data").is_some_and(Value::is_object) => {
            match root.get("spec_version").and_then(Value::as_str) {
                Some(v) if v.trim_start().starts_with('3') => Spec::V3,
                _ => Spec::V2,
            }
        }
        _ => Spec::V1,
    }
}

pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_each_spec() {
        let v1 = Card::from_value(json!({"name": "A", "description": ""})).unwrap();
        assert_eq!((v1.spec(), v1.name()), (Spec::V1, Some("A")));
        let v2 = Card::from_value(
            json!({"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": "B"}}),
        )
        .unwrap();
        assert_eq!((v2.spec(), v2.name()), (Spec::V2, Some("B")));
        let v3 = Card::from_value(
            json!({"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "C"}}),
        )
        .unwrap();
        assert_eq!((v3.spec(), v3.name()), (Spec::V3, Some("C")));
        let unlabeled = Card::from_value(json!({"spec_version": "3.0", "data": {}})).unwrap();
        assert_eq!(unlabeled.spec(), Spec::V3);
    }

    #[test]
    fn non_objects_are_refused() {
        let err = Card::from_value(json!([1])).unwrap_err();
        assert_eq!(err.code(), "card.not_an_object");
    }

    #[test]
    fn keeps_key_order_and_number_text() {
        let text = r#"{"zeta":1.50,"spec":"chara_card_v3","data":{"name":"N","big":123456789012345678901234567890}}"#;
        let card = Card::from_value(serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&card.to_value()).unwrap(), text);
    }
}
