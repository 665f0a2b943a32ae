//! Conversion between card specs, without losing anything either way.
//!
//! - **Up (V1/V2 -> V3):** fields stay where they are; `spec`/`spec_version` change; fields
//!   the V3 spec requires are added with their defaults (`group_only_greetings: []`,
//!   `use_regex: false`); anything an earlier [`to_v2`] carried is lifted back.
//! - **Down (V3 -> V2):** a true V2. V3-only fields move into `data.extensions.chara_card_v3`
//!   (the V2 spec's place for data it does not define), and lorebook decorators, which V2 apps
//!   would paste into the prompt, are split off into each entry's
//!   `extensions.chara_card_v3.decorators`. Going up again restores both byte for byte.
//! - Every other key, at any depth, including SillyTavern's hybrid root copy, is kept as is.

use serde_json::{Map, Value};

use crate::fields;
use crate::lorebook::split_decorators;
use crate::model::{Card, Spec};

/// Where a V2 document carries what only V3 can say.
pub const CARRY_KEY: &str = "chara_card_v3";

/// The note the V3 spec asks a `chara` backfill to put in `creator_notes`, so a V2-only app
/// tells its user that they are seeing a reduced card.
pub const BACKFILL_NOTICE: &str = "This character card is Character Card V3, but it is loaded as a Character Card V2. Please use a Character Card V3 compatible application to use this character card properly.";
const BACKFILL_SEPARATOR: &str = "\n\n";

/// The card as a Character Card V3 document.
pub fn to_v3(card: &Card) -> Value {
    let mut root = card.root().clone();
    let mut data = data_of(card, true);
    // A card that already says it is V3 is taken as it is (filling required fields is
    // repair's job, which reports it); an older card gains what V3 requires.
    if card.spec() != Spec::V3 {
        lift_carried(&mut data);
        data.entry("group_only_greetings")
            .or_insert_with(|| Value::Array(Vec::new()));
        for_each_entry(&mut data, |entry| {
            lift_entry(entry);
            entry.entry("use_regex").or_insert(Value::Bool(false));
        });
    }
    set_spec(&mut root, Spec::V3, card.spec() == Spec::V3);
    root.insert("data".into(), Value::Object(data));
    Value::Object(root)
}

/// The card as a true Character Card V2 document.
pub fn to_v2(card: &Card) -> Value {
    let mut root = card.root().clone();
    let mut data = data_of(card, false);
    if card.spec() == Spec::V3 {
        carry_v3_only(&mut data);
        for_each_entry(&mut data, carry_entry);
    }
    set_spec(&mut root, Spec::V2, card.spec() == Spec::V2);
    root.insert("data".into(), Value::Object(data));
    Value::Object(root)
}

/// The V2 document written to a PNG's `chara` chunk beside the full `ccv3` one: [`to_v2`]
/// plus the notice the V3 spec asks for in `creator_notes`.
pub fn to_v2_backfill(card: &Card) -> Value {
    let mut value = to_v2(card);
    if let Some(data) = value.get_mut("data").and_then(Value::as_object_mut) {
        let notes = data
            .get("creator_notes")
            .and_then(Value::as_str)
            .unwrap_or("");
        let with_notice = if notes.is_empty() {
            BACKFILL_NOTICE.to_string()
        } else {
            format!("{BACKFILL_NOTICE}{BACKFILL_SEPARATOR}{notes}")
        };
        data.insert("creator_notes".into(), Value::String(with_notice));
    }
    value
}

/// Removes the backfill notice from a card read out of a `chara` chunk (the V3 spec: "the
/// backfilled chara chunk SHOULD be trimmed on import"). Returns whether it was there.
pub fn trim_backfill_notice(card: &mut Card) -> bool {
    if card.spec() == Spec::V1 {
        return false;
    }
    let data = card.data_mut();
    let Some(Value::String(notes)) = data.get_mut("creator_notes") else {
        return false;
    };
    let Some(rest) = notes.strip_prefix(BACKFILL_NOTICE) else {
        return false;
    };
    *notes = rest
        .strip_prefix(BACKFILL_SEPARATOR)
        .unwrap_or(rest)
        .to_string();
    true
}

/// The fields object, building one from a V1 root.
fn data_of(card: &Card, v3: bool) -> Map<String, Value> {
    match card.spec() {
        Spec::V1 => v1_data(card.root(), v3),
        Spec::V2 | Spec::V3 => card.data().cloned().unwrap_or_default(),
    }
}

/// A V2/V3 `data` object from a flat V1 card. The V1 keys also stay at the root, which is
/// exactly SillyTavern's hybrid shape, so V1-only readers keep working.
fn v1_data(root: &Map<String, Value>, v3: bool) -> Map<String, Value> {
    let mut data = Map::new();
    for field in fields::data_fields(v3) {
        let value = match field.name {
            "creator_notes" => root
                .get("creatorcomment")
                .filter(|v| v.is_string())
                .cloned(),
            "tags" => root
                .get("tags")
                .filter(|v| fields::is_text_list(v))
                .cloned(),
            "character_book" => None,
            name if fields::V1.iter().any(|f| f.name == name) => {
                fields::v1_lookup(root, name).map(|(_, v)| v.clone())
            }
            _ => None,
        };
        match value {
            Some(value) => {
                data.insert(field.name.into(), value);
            }
            None if field.required => {
                data.insert(field.name.into(), fields::default_for(field.shape));
            }
            None => {}
        }
    }
    data
}

fn set_spec(root: &mut Map<String, Value>, spec: Spec, keep_version: bool) {
    root.insert("spec".into(), Value::from(spec.spec_name()));
    if !(keep_version && root.get("spec_version").is_some_and(Value::is_string)) {
        root.insert("spec_version".into(), Value::from(spec.spec_version()));
    }
}

fn for_each_entry(data: &mut Map<String, Value>, mut f: impl FnMut(&mut Map<String, Value>)) {
    let entries = data
        .get_mut("character_book")
        .and_then(|book| book.get_mut("entries"))
        .and_then(Value::as_array_mut);
    for entry in entries
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        f(entry);
    }
}

/// The object under `extensions.chara_card_v3`, created when `extensions` is an object.
/// `None` when `extensions` is something else: then nothing can be carried safely, and the
/// fields stay where they are.
fn carry_slot(obj: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    let extensions = obj
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    let slot = extensions
        .as_object_mut()?
        .entry(CARRY_KEY)
        .or_insert_with(|| Value::Object(Map::new()));
    slot.as_object_mut()
}

/// A value equal to what the up-conversion adds anyway need not be carried.
fn is_v3_default(name: &str, value: &Value) -> bool {
    match name {
        "group_only_greetings" => value.as_array().is_some_and(Vec::is_empty),
        "use_regex" => value == &Value::Bool(false),
        _ => false,
    }
}

fn carry_v3_only(data: &mut Map<String, Value>) {
    let present: Vec<String> = data
        .keys()
        .filter(|k| fields::is_v3_only(k))
        .cloned()
        .collect();
    if present.is_empty() || !can_carry(data) {
        return;
    }
    let mut carried = Map::new();
    for name in present {
        let value = data.shift_remove(&name).expect("key listed above");
        if !is_v3_default(&name, &value) {
            carried.insert(name, value);
        }
    }
    if !carried.is_empty() {
        carry_slot(data)
            .expect("can_carry checked the slot")
            .extend(carried);
    }
}

/// Whether `obj` has room to carry: `extensions` absent or an object, and its
/// `chara_card_v3` absent or an object. Otherwise the fields stay where they are, untouched.
fn can_carry(obj: &Map<String, Value>) -> bool {
    match obj.get("extensions") {
        None => true,
        Some(Value::Object(ext)) => ext.get(CARRY_KEY).is_none_or(Value::is_object),
        Some(_) => false,
    }
}

fn lift_carried(data: &mut Map<String, Value>) {
    let Some(carried) = take_carried(data) else {
        return;
    };
    for (name, value) in carried {
        if fields::is_v3_only(&name) && !data.contains_key(&name) {
            data.insert(name, value);
        } else {
            // Not ours to place: put it back where it was rather than drop it.
            carry_slot(data)
                .expect("extensions is an object")
                .insert(name, value);
        }
    }
}

fn carry_entry(entry: &mut Map<String, Value>) {
    if !can_carry(entry) {
        return;
    }
    let mut carried = Map::new();
    if let Some(Value::String(content)) = entry.get("content") {
        let (block, rest) = split_decorators(content);
        if !block.is_empty() {
            carried.insert("decorators".into(), Value::String(block.to_string()));
            let rest = rest.to_string();
            entry.insert("content".into(), Value::String(rest));
        }
    }
    if let Some(use_regex) = entry.shift_remove("use_regex")
        && !is_v3_default("use_regex", &use_regex)
    {
        carried.insert("use_regex".into(), use_regex);
    }
    if !carried.is_empty() {
        carry_slot(entry)
            .expect("can_carry checked the slot")
            .extend(carried);
    }
}

fn lift_entry(entry: &mut Map<String, Value>) {
    let Some(mut carried) = take_carried(entry) else {
        return;
    };
    if let Some(Value::String(block)) = carried.get("decorators")
        && let Some(Value::String(content)) = entry.get_mut("content")
    {
        content.insert_str(0, block);
        carried.shift_remove("decorators");
    }
    if let Some(use_regex) = carried.shift_remove("use_regex") {
        entry.entry("use_regex").or_insert(use_regex);
    }
    if !carried.is_empty() {
        carry_slot(entry)
            .expect("extensions is an object")
            .extend(carried);
    }
}

/// Removes and returns `extensions.chara_card_v3`, dropping `extensions` again when the
/// carry made it and nothing else is in it.
fn take_carried(obj: &mut Map<String, Value>) -> Option<Map<String, Value>> {
    let extensions = obj.get_mut("extensions")?.as_object_mut()?;
    let carried = match extensions.shift_remove(CARRY_KEY)? {
        Value::Object(carried) => carried,
        other => {
            extensions.insert(CARRY_KEY.into(), other);
            return None;
        }
    };
    Some(carried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v3_card() -> Card {
        Card::from_value(json!({
            "spec": "chara_card_v3", "spec_version": "3.0",
            "data": {
                "name": "Ivo", "description": "d", "personality": "", "scenario": "", "first_mes": "hi",
                "mes_example": "", "creator_notes": "notes", "system_prompt": "", "post_history_instructions": "",
                "alternate_greetings": [], "tags": ["t"], "creator": "me", "character_version": "1",
                "extensions": {"depth_prompt": {"depth": 4}},
                "nickname": "Ivy", "group_only_greetings": [], "creation_date": 1700000000,
                "character_book": {"extensions": {}, "entries": [
                    {"keys": ["k"], "content": "@@depth 3\n@@role system\nLore", "extensions": {}, "enabled": true,
                     "insertion_order": 1, "use_regex": true, "x_unknown": [1, 2]}
                ]}
            },
            "x_root": {"nested": {"deep": true}}
        }))
        .unwrap()
    }

    #[test]
    fn v3_to_v2_is_a_true_v2_that_carries_everything() {
        let v2 = to_v2(&v3_card());
        assert_eq!(v2["spec"], "chara_card_v2");
        assert_eq!(v2["spec_version"], "2.0");
        let data = &v2["data"];
        assert!(data.get("nickname").is_none());
        assert_eq!(data["extensions"][CARRY_KEY]["nickname"], "Ivy");
        assert!(
            data["extensions"][CARRY_KEY]
                .get("group_only_greetings")
                .is_none()
        );
        let entry = &data["character_book"]["entries"][0];
        assert_eq!(entry["content"], "Lore");
        assert_eq!(
            entry["extensions"][CARRY_KEY]["decorators"],
            "@@depth 3\n@@role system\n"
        );
        assert!(entry.get("use_regex").is_none());
        assert_eq!(entry["x_unknown"], json!([1, 2]));
        assert_eq!(v2["x_root"]["nested"]["deep"], true);
    }

    #[test]
    fn v3_to_v2_to_v3_is_identity() {
        let card = v3_card();
        let back = to_v3(&Card::from_value(to_v2(&card)).unwrap());
        assert_eq!(back, card.to_value());
    }

    #[test]
    fn v1_gains_data_and_keeps_its_root() {
        let v1 = Card::from_value(json!({"name": "Old", "description": "x", "creatorcomment": "c", "talkativeness": "0.5"})).unwrap();
        let v3 = to_v3(&v1);
        assert_eq!(v3["data"]["name"], "Old");
        assert_eq!(v3["data"]["creator_notes"], "c");
        assert_eq!(v3["data"]["personality"], "");
        assert_eq!(v3["data"]["group_only_greetings"], json!([]));
        assert_eq!(v3["talkativeness"], "0.5");
        assert_eq!(v3["name"], "Old");
    }

    #[test]
    fn a_carry_slot_that_is_not_an_object_leaves_fields_in_place() {
        let mut value = v3_card().to_value();
        value["data"]["extensions"][CARRY_KEY] = json!(5);
        value["data"]["character_book"]["entries"][0]["extensions"] = json!({CARRY_KEY: "x"});
        let v2 = to_v2(&Card::from_value(value).unwrap());
        assert_eq!(v2["data"]["nickname"], "Ivy");
        assert_eq!(v2["data"]["extensions"][CARRY_KEY], 5);
        assert_eq!(
            v2["data"]["character_book"]["entries"][0]["use_regex"],
            true
        );
    }

    #[test]
    fn pygmalion_field_names_are_understood() {
        let old = Card::from_value(json!({"char_name": "Pyg", "char_persona": "p", "char_greeting": "hello", "world_scenario": "w", "example_dialogue": "e"})).unwrap();
        assert_eq!(old.name(), Some("Pyg"));
        let v3 = to_v3(&old);
        assert_eq!(
            (
                &v3["data"]["name"],
                &v3["data"]["description"],
                &v3["data"]["first_mes"],
                &v3["data"]["scenario"],
                &v3["data"]["mes_example"]
            ),
            (
                &json!("Pyg"),
                &json!("p"),
                &json!("hello"),
                &json!("w"),
                &json!("e")
            )
        );
        let findings = crate::validate(&old);
        assert!(
            findings.iter().all(|d| d.path.as_deref() != Some("name")),
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .any(|d| d.path.as_deref() == Some("personality"))
        );
    }

    #[test]
    fn backfill_notice_is_added_and_trimmed() {
        let backfill = to_v2_backfill(&v3_card());
        let notes = backfill["data"]["creator_notes"].as_str().unwrap();
        assert!(notes.starts_with(BACKFILL_NOTICE) && notes.ends_with("notes"));
        let mut read_back = Card::from_value(backfill).unwrap();
        assert!(trim_backfill_notice(&mut read_back));
        assert_eq!(read_back.text("creator_notes"), Some("notes"));
    }
}
