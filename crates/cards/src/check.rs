//! One walk over a card that finds what is wrong and, where it can, says how to fix it.
//!
//! [`validate`](crate::validate()) reports the findings; [`repair`](crate::repair()) applies
//! their fixes. Keeping both in one place means a problem repair can fix is always one
//! validate reports, and the other way round.

use deskmate_diagnostics::{Diagnostic, Severity};
use serde_json::{Map, Number, Value};

use crate::fields::{self, EntryShape, Field, Shape};
use crate::model::{Card, Spec, json_type_name};

/// A step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// `data.character_book.entries[2].keys`
pub fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A change that makes a finding go away.
#[derive(Debug, Clone, PartialEq)]
pub enum Fix {
    Set(Vec<Seg>, Value),
    Remove(Vec<Seg>),
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub fix: Option<Fix>,
}

/// Every finding about `card`.
pub fn check(card: &Card) -> Vec<Finding> {
    let mut c = Checker::default();
    let root = card.root();
    let v3 = card.spec() == Spec::V3;
    match card.spec() {
        Spec::V1 => c.fields(fields::V1.iter(), root, &[]),
        Spec::V2 | Spec::V3 => {
            c.spec(card.spec(), root);
            let data_path = [key("data")];
            match root.get("data") {
                Some(Value::Object(data)) => {
                    c.fields(fields::data_fields(v3), data, &data_path);
                    c.extensions(data, &data_path);
                }
                _ => c.missing(&data_path, Severity::Error, Value::Object(Map::new())),
            }
        }
    }
    c.found
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

fn join(path: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(seg);
    p
}

/// A value as JSON text, cut to 40 characters for messages.
pub(crate) fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[derive(Default)]
struct Checker {
    found: Vec<Finding>,
}

impl Checker {
    fn push(&mut self, diagnostic: Diagnostic, fix: Option<Fix>) {
        self.found.push(Finding { diagnostic, fix });
    }

    fn missing(&mut self, path: &[Seg], severity: Severity, default: Value) {
        let p = display_path(path);
        let d = Diagnostic::new(
            severity,
            "card.missing_field",
            format!("the field `{p}` is missing"),
        )
        .at(&p)
        .hint(format!("repairing the card adds it as {}", short(&default)));
        self.push(d, Some(Fix::Set(path.to_vec(), default)));
    }

    /// A value of the wrong type that has an obvious intended value (`2` for `"2"`).
    fn loose(&mut self, path: &[Seg], value: &Value, fix: Fix, wanted: &str) {
        let p = display_path(path);
        let d = Diagnostic::warning(
            "card.loose_type",
            format!(
                "`{p}` should be {wanted} but is {} {}",
                json_type_name(value),
                short(value)
            ),
        )
        .at(&p)
        .hint("most apps cope; repairing the card converts it");
        self.push(d, Some(fix));
    }

    fn wrong(&mut self, path: &[Seg], value: &Value, wanted: &str) {
        let p = display_path(path);
        let d = Diagnostic::error(
            "card.wrong_type",
            format!("`{p}` must be {wanted} but is {}", json_type_name(value)),
        )
        .at(&p)
        .hint(format!("edit the card so that `{p}` is {wanted}"));
        self.push(d, None);
    }

    fn spec(&mut self, spec: Spec, root: &Map<String, Value>) {
        let expected = spec.spec_name().expect("V2/V3");
        if root.get("spec").and_then(Value::as_str) != Some(expected) {
            let found = root.get("spec").map_or("missing".to_string(), short);
            let d = Diagnostic::error(
                "card.bad_spec",
                format!("`spec` is {found}; a card with this shape needs \"{expected}\""),
            )
            .at("spec")
            .hint("repairing the card sets it");
            self.push(d, Some(Fix::Set(vec![key("spec")], Value::from(expected))));
        }
        let wanted = spec.spec_version().expect("V2/V3");
        let wanted_f = wanted.parse::<f64>().expect("constant");
        let (problem, fix) = match root.get("spec_version") {
            None => (Some("is missing".to_string()), true),
            Some(Value::String(s)) => match s.trim().parse::<f64>() {
                Ok(v) if v == wanted_f => (None, false),
                Ok(v) if spec == Spec::V3 && v > wanted_f => {
                    let d = Diagnostic::warning("card.newer_spec_version", format!("the card says it follows spec version {s}, newer than {wanted}"))
                        .at("spec_version")
                        .hint("it was read as a V3 card; fields from the newer version are kept but not checked");
                    self.push(d, None);
                    (None, false)
                }
                _ => (Some(format!("is \"{s}\", not \"{wanted}\"")), true),
            },
            Some(other) => (
                Some(format!(
                    "is {} {}, not the string \"{wanted}\"",
                    json_type_name(other),
                    short(other)
                )),
                true,
            ),
        };
        if let Some(problem) = problem {
            let d =
                Diagnostic::warning("card.bad_spec_version", format!("`spec_version` {problem}"))
                    .at("spec_version")
                    .hint("repairing the card sets it");
            self.push(
                d,
                fix.then(|| Fix::Set(vec![key("spec_version")], Value::from(wanted))),
            );
        }
    }

    /// Checks `list` in `obj`. In a flat V1 card (`prefix` empty) a field may also go by its
    /// Pygmalion name.
    fn fields<'f>(
        &mut self,
        list: impl Iterator<Item = &'f Field>,
        obj: &Map<String, Value>,
        prefix: &[Seg],
    ) {
        for field in list {
            let found = if prefix.is_empty() {
                fields::v1_lookup(obj, field.name)
            } else {
                obj.get(field.name).map(|v| (field.name, v))
            };
            match found {
                None if field.required => {
                    let severity = if field.name == "name" {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    let path = join(prefix, key(field.name));
                    self.missing(&path, severity, fields::default_for(field.shape));
                }
                None => {}
                Some((found_as, value)) => {
                    self.shape(field.shape, value, &join(prefix, key(found_as)))
                }
            }
        }
    }

    fn shape(&mut self, shape: Shape, value: &Value, path: &[Seg]) {
        let set = |v: Value| Fix::Set(path.to_vec(), v);
        let wanted = shape.describe();
        match (shape, value) {
            (Shape::Text, Value::String(_)) => {}
            (Shape::Text, Value::Number(n)) => {
                self.loose(path, value, set(Value::String(n.to_string())), wanted)
            }
            (Shape::Text, Value::Bool(b)) => {
                self.loose(path, value, set(Value::String(b.to_string())), wanted)
            }
            (Shape::Text, Value::Null) => {
                self.loose(path, value, set(Value::String(String::new())), wanted)
            }
            (Shape::TextList, v) if fields::is_text_list(v) => {}
            (Shape::TextList, Value::String(s)) => {
                let list = if s.is_empty() {
                    vec![]
                } else {
                    vec![Value::String(s.clone())]
                };
                self.loose(path, value, set(Value::Array(list)), wanted)
            }
            (Shape::TextList, Value::Null) => {
                self.loose(path, value, set(Value::Array(vec![])), wanted)
            }
            (Shape::TextList, Value::Array(items))
                if items.iter().all(|i| !i.is_array() && !i.is_object()) =>
            {
                let list = items
                    .iter()
                    .filter(|i| !i.is_null())
                    .map(|i| Value::String(scalar_text(i)))
                    .collect();
                self.loose(path, value, set(Value::Array(list)), wanted)
            }
            (Shape::Object, Value::Object(_)) => {}
            (Shape::Object, Value::Null) => {
                self.loose(path, value, set(Value::Object(Map::new())), wanted)
            }
            (Shape::TextMap, Value::Object(map)) => {
                for (k, v) in map.iter().filter(|(_, v)| !v.is_string()) {
                    self.shape(Shape::Text, v, &join(path, key(k)));
                }
            }
            (Shape::Timestamp, Value::Number(n)) => self.timestamp(path, value, n),
            // The number is built from the parsed integer, never by parsing the text again as
            // JSON: Rust's integer parser accepts `+5` and `007`, which JSON's grammar refuses.
            (Shape::Timestamp, Value::String(s)) => match s.trim().parse::<u64>() {
                Ok(seconds) => self.loose(path, value, set(Value::from(seconds)), wanted),
                Err(_) => self.wrong(path, value, wanted),
            },
            (Shape::Lorebook, Value::Object(book)) => self.lorebook(book, path),
            (Shape::Assets, Value::Array(assets)) => self.assets(assets, path),
            (Shape::TextMap | Shape::Timestamp | Shape::Lorebook | Shape::Assets, Value::Null) => {
                self.loose(path, value, Fix::Remove(path.to_vec()), wanted)
            }
            _ => self.wrong(path, value, wanted),
        }
    }

    /// Unix seconds are about 1.7e9; a value past 1e11 is milliseconds (JavaScript's
    /// `Date.now()`), which several editors write.
    fn timestamp(&mut self, path: &[Seg], value: &Value, n: &Number) {
        const MILLIS_ABOVE: f64 = 1e11;
        let Some(v) = n.as_f64() else { return };
        if v > MILLIS_ABOVE {
            let seconds = Value::from((v / 1000.0).floor() as u64);
            let p = display_path(path);
            let d = Diagnostic::warning(
                "card.timestamp_millis",
                format!("`{p}` is {n}, which looks like milliseconds; the spec wants seconds"),
            )
            .at(&p)
            .hint("repairing the card divides it by 1000");
            self.push(d, Some(Fix::Set(path.to_vec(), seconds)));
        } else if v < 0.0 {
            self.wrong(path, value, "a unix time in seconds, 0 or more");
        }
    }

    fn extensions(&mut self, data: &Map<String, Value>, data_path: &[Seg]) {
        // SillyTavern reads talkativeness as a number but many cards carry "0.5".
        let Some(Value::Object(ext)) = data.get("extensions") else {
            return;
        };
        if let Some(value @ Value::String(s)) = ext.get("talkativeness")
            && let Ok(n) = s.trim().parse::<Number>()
        {
            let path = join(&join(data_path, key("extensions")), key("talkativeness"));
            self.loose(
                &path,
                value,
                Fix::Set(path.clone(), Value::Number(n)),
                "a number",
            );
        }
    }

    fn lorebook(&mut self, book: &Map<String, Value>, path: &[Seg]) {
        if !book.contains_key("extensions") {
            self.missing(
                &join(path, key("extensions")),
                Severity::Warning,
                Value::Object(Map::new()),
            );
        }
        let entries_path = join(path, key("entries"));
        let entries = match book.get("entries") {
            None => return self.missing(&entries_path, Severity::Warning, Value::Array(vec![])),
            Some(Value::Array(entries)) => entries,
            Some(other) => return self.wrong(&entries_path, other, "a list of entries"),
        };
        for (i, entry) in entries.iter().enumerate() {
            let entry_path = join(&entries_path, Seg::Index(i));
            let Value::Object(entry) = entry else {
                self.wrong(&entry_path, entry, "an object");
                continue;
            };
            for &(name, shape) in fields::ENTRY_REQUIRED {
                let field_path = join(&entry_path, key(name));
                match entry.get(name) {
                    None => self.missing(&field_path, Severity::Warning, shape.default_for(name)),
                    Some(value) => self.entry_field(shape, value, &field_path),
                }
            }
            for &(name, shape) in fields::ENTRY_OPTIONAL {
                match entry.get(name) {
                    None | Some(Value::Null) => {}
                    Some(value) => self.entry_field(shape, value, &join(&entry_path, key(name))),
                }
            }
        }
    }

    fn entry_field(&mut self, shape: EntryShape, value: &Value, path: &[Seg]) {
        if shape.matches(value) {
            return;
        }
        let fixed = match (shape, value) {
            (EntryShape::Bool, Value::String(s)) => s.trim().parse::<bool>().ok().map(Value::Bool),
            (EntryShape::Bool, Value::Number(n)) => n.as_f64().map(|f| Value::Bool(f != 0.0)),
            (EntryShape::Number, Value::String(s)) => {
                s.trim().parse::<Number>().ok().map(Value::Number)
            }
            (EntryShape::Text, Value::Number(_) | Value::Bool(_)) => {
                Some(Value::String(scalar_text(value)))
            }
            (EntryShape::TextList, Value::String(s)) => Some(Value::Array(
                s.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(Value::from)
                    .collect(),
            )),
            (EntryShape::Object, Value::Null) => Some(Value::Object(Map::new())),
            _ => None,
        };
        match fixed {
            Some(v) => self.loose(path, value, Fix::Set(path.to_vec(), v), shape.describe()),
            None => self.wrong(path, value, shape.describe()),
        }
    }

    fn assets(&mut self, assets: &[Value], path: &[Seg]) {
        let mut icons = 0;
        let mut main_icons = 0;
        for (i, asset) in assets.iter().enumerate() {
            let asset_path = join(path, Seg::Index(i));
            let Value::Object(asset) = asset else {
                self.wrong(&asset_path, asset, "an object with type, uri, name and ext");
                continue;
            };
            for name in ["type", "uri", "name", "ext"] {
                let field_path = join(&asset_path, key(name));
                match asset.get(name) {
                    Some(Value::String(_)) => {}
                    None => {
                        self.missing(&field_path, Severity::Error, Value::String(String::new()))
                    }
                    Some(other) => self.shape(Shape::Text, other, &field_path),
                }
            }
            if let Some(ext) = asset.get("ext").and_then(Value::as_str)
                && ext != ext.to_ascii_lowercase()
            {
                let field_path = join(&asset_path, key("ext"));
                let fix = Fix::Set(field_path.clone(), Value::String(ext.to_ascii_lowercase()));
                self.loose(
                    &field_path,
                    &Value::String(ext.into()),
                    fix,
                    "a lowercase extension",
                );
            }
            if asset.get("type").and_then(Value::as_str) == Some("icon") {
                icons += 1;
                if asset.get("name").and_then(Value::as_str) == Some("main") {
                    main_icons += 1;
                }
            }
        }
        if icons > 1 && main_icons != 1 {
            let p = display_path(path);
            let d = Diagnostic::warning("card.asset_main_icon", format!("the card has {icons} icons and {main_icons} named \"main\"; the spec wants exactly one"))
                .at(&p)
                .hint("name the portrait to show first \"main\" in the card editor");
            self.push(d, None);
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Applies one fix to a document. Paths come from [`check`] on the same document, so every
/// parent exists; a stale path is ignored rather than guessed at.
pub fn apply(doc: &mut Value, fix: &Fix) {
    let (path, value) = match fix {
        Fix::Set(path, value) => (path, Some(value)),
        Fix::Remove(path) => (path, None),
    };
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = doc;
    for seg in parents {
        let next = match seg {
            Seg::Key(k) => node.get_mut(k.as_str()),
            Seg::Index(i) => node.get_mut(*i),
        };
        let Some(next) = next else { return };
        node = next;
    }
    match (last, node, value) {
        (Seg::Key(k), Value::Object(map), Some(v)) => {
            map.insert(k.clone(), v.clone());
        }
        (Seg::Key(k), Value::Object(map), None) => {
            map.shift_remove(k);
        }
        (Seg::Index(i), Value::Array(items), Some(v)) if *i < items.len() => items[*i] = v.clone(),
        _ => {}
    }
}
