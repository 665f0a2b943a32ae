//! Edit commands and their undo/redo history: the one way a room changes.
//!
//! The editor UI, the CLI's `room edit` and tests all send the same [`Command`]s, so they
//! cannot disagree about what a move or a resize does. A command either applies whole or is
//! refused with an [`EditError`] that says why and, for collisions, where the object would
//! fit; it never leaves an object outside the grid or a solid object on top of another.
//!
//! History stores, for each applied command, the objects (or theme, or whole room) before and
//! after, so undo restores the room exactly.

use std::collections::{BTreeMap, VecDeque};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Cell, Kind, Rect, Room, RoomObject, Theme, is_hex_color, is_valid_id};
use crate::placement::{Occupancy, snap};

/// One change to a room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Place a new object.
    Add { object: RoomObject },
    /// Take an object out of the room.
    Remove { id: String },
    /// Move an object; `x`/`y` are cells and may be fractional (a pointer position), they snap
    /// to the nearest cell.
    Move { id: String, x: f64, y: f64 },
    /// Change an object's size in cells (snapped like a move).
    Resize { id: String, width: f64, height: f64 },
    /// Set one field of an object.
    SetProperty {
        id: String,
        property: Property,
        value: Value,
    },
    /// Set (or with `value: null`, clear) one state of an object.
    SetState {
        id: String,
        key: String,
        value: Option<String>,
    },
    /// Replace the room's colours.
    ApplyTheme { theme: Theme },
    /// Start over from a built-in template, keeping the room's id, name and description.
    ApplyTemplate { template: String },
    /// Give the room another name (what the library lists and every export carries).
    RenameRoom { name: String },
    /// Draws object `id` with the owner's own picture, kept in the room as `name`
    /// (checked like every picture); `null` goes back to the catalogue drawing.
    SetPicture {
        id: String,
        name: String,
        picture: Option<crate::model::Picture>,
    },
    /// Several commands as one step (e.g. moving a multi-selection): all apply, or none.
    Batch { commands: Vec<Command> },
}

/// The object fields [`Command::SetProperty`] can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    Id,
    Name,
    Description,
    Kind,
    ObjectType,
    IsSolid,
    IsInteractive,
    IsMovable,
    SpriteName,
    /// The catalogue item it is drawn as.
    Art,
    ColorScheme,
    AllowedStates,
    Z,
    Behavior,
    Material,
}

/// Why a command was refused. Codes are stable (`edit.*`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error("there is no object `{id}` in the room")]
    UnknownObject { id: String },
    /// `said` names the objects as the owner knows them ("the Cat Bed would overlap the
    /// Window Seat"), and where the free spot is; ids and cells are in the other fields.
    #[error("{said}")]
    Collision {
        id: String,
        conflicts: Vec<String>,
        nearest_free: Option<Cell>,
        said: String,
    },
    #[error("{said}")]
    OutOfBounds {
        id: String,
        nearest_free: Option<Cell>,
        said: String,
    },
    #[error("an object with the id `{id}` already exists")]
    DuplicateId { id: String },
    #[error("`{id}` is not a usable id (1 to 64 letters, digits, `_` or `-`)")]
    BadId { id: String },
    #[error("`{value}` is not an allowed value of `{key}` (allowed: {})", allowed.join(", "))]
    BadState {
        key: String,
        value: String,
        allowed: Vec<String>,
    },
    #[error("{message}")]
    BadValue { message: String },
    #[error("there is no room template called `{name}`")]
    UnknownTemplate { name: String },
    /// An owner picture that failed its check; `code` is the `picture.*` or `svg.*` reason.
    #[error("{message}")]
    BadPicture { code: &'static str, message: String },
}

impl EditError {
    pub fn code(&self) -> &'static str {
        use EditError::*;
        match self {
            UnknownObject { .. } => "edit.unknown_object",
            Collision { .. } => "edit.collision",
            OutOfBounds { .. } => "edit.out_of_bounds",
            DuplicateId { .. } => "edit.duplicate_id",
            BadId { .. } => "edit.bad_id",
            BadState { .. } => "edit.bad_state",
            BadValue { .. } => "edit.bad_value",
            UnknownTemplate { .. } => "edit.unknown_template",
            BadPicture { code, .. } => code,
        }
    }

    /// Where the object would fit instead, for the editor to offer.
    pub fn nearest_free(&self) -> Option<Cell> {
        match self {
            EditError::Collision { nearest_free, .. }
            | EditError::OutOfBounds { nearest_free, .. } => *nearest_free,
            _ => None,
        }
    }
}

/// A reversible piece of an applied command.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `before`/`after` of the object at `index`; `None` means absent (add or remove).
    Object {
        index: usize,
        before: Option<Box<RoomObject>>,
        after: Option<Box<RoomObject>>,
    },
    Theme {
        before: Box<Theme>,
        after: Box<Theme>,
    },
    Room {
        before: Box<Room>,
        after: Box<Room>,
    },
}

impl Step {
    fn apply(&self, room: &mut Room, forward: bool) {
        match self {
            Step::Object {
                index,
                before,
                after,
            } => {
                let (from, to) = if forward {
                    (before, after)
                } else {
                    (after, before)
                };
                match (from, to) {
                    (None, Some(o)) => room.objects.insert(*index, (**o).clone()),
                    (Some(_), None) => {
                        room.objects.remove(*index);
                    }
                    (Some(_), Some(o)) => room.objects[*index] = (**o).clone(),
                    (None, None) => {}
                }
            }
            Step::Theme { before, after } => {
                room.theme = if forward {
                    (**after).clone()
                } else {
                    (**before).clone()
                };
            }
            Step::Room { before, after } => {
                *room = if forward {
                    (**after).clone()
                } else {
                    (**before).clone()
                };
            }
        }
    }
}

/// The steps of one command, undone and redone together.
type Change = Vec<Step>;

/// A room being edited, with its history.
#[derive(Debug, Clone)]
pub struct Editor {
    room: Room,
    undo: VecDeque<Change>,
    redo: Vec<Change>,
    history_limit: usize,
}

impl Editor {
    /// Oldest steps are dropped past this many, to bound memory in a long session.
    pub const DEFAULT_HISTORY: usize = 500;

    pub fn new(room: Room) -> Self {
        Editor {
            room,
            undo: VecDeque::new(),
            redo: Vec::new(),
            history_limit: Self::DEFAULT_HISTORY,
        }
    }

    pub fn room(&self) -> &Room {
        &self.room
    }

    pub fn into_room(self) -> Room {
        self.room
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies `command` as one undoable step, or refuses it and leaves the room unchanged.
    pub fn apply(&mut self, command: &Command) -> Result<(), EditError> {
        let mut change = Vec::new();
        if let Err(e) = execute(&mut self.room, command, &mut change) {
            for step in change.iter().rev() {
                step.apply(&mut self.room, false);
            }
            return Err(e);
        }
        if !change.is_empty() {
            self.undo.push_back(change);
            if self.undo.len() > self.history_limit {
                self.undo.pop_front();
            }
            self.redo.clear();
        }
        Ok(())
    }

    /// Whether `command` would apply, without applying it (for the editor's drop ghost).
    pub fn would_apply(&self, command: &Command) -> Result<(), EditError> {
        let mut scratch = self.room.clone();
        execute(&mut scratch, command, &mut Vec::new())
    }

    /// Reverts the last applied command. False when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(change) = self.undo.pop_back() else {
            return false;
        };
        for step in change.iter().rev() {
            step.apply(&mut self.room, false);
        }
        self.redo.push(change);
        true
    }

    /// Re-applies the last undone command. False when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(change) = self.redo.pop() else {
            return false;
        };
        for step in &change {
            step.apply(&mut self.room, true);
        }
        self.undo.push_back(change);
        true
    }
}

/// Applies `command` to `room`, recording each step in `change` as it goes so a failure part
/// way through a batch can be rolled back by the caller.
fn execute(room: &mut Room, command: &Command, change: &mut Change) -> Result<(), EditError> {
    let step = match command {
        Command::Batch { commands } => {
            for c in commands {
                execute(room, c, change)?;
            }
            return Ok(());
        }
        Command::Add { object } => add(room, object)?,
        Command::Remove { id } => {
            let index = find(room, id)?;
            Step::Object {
                index,
                before: Some(Box::new(room.objects[index].clone())),
                after: None,
            }
        }
        Command::Move { id, x, y } => {
            let (x, y) = (cells(*x, "x")?, cells(*y, "y")?);
            update(room, id, |o| {
                o.position_x = x;
                o.position_y = y;
                Ok(())
            })?
        }
        Command::Resize { id, width, height } => {
            let (w, h) = (cells(*width, "width")?, cells(*height, "height")?);
            if w < 1 || h < 1 {
                return Err(bad_value("an object is at least 1x1 cells"));
            }
            update(room, id, |o| {
                o.size_width = w;
                o.size_height = h;
                Ok(())
            })?
        }
        Command::SetProperty {
            id,
            property,
            value,
        } => set_property(room, id, *property, value)?,
        Command::SetState { id, key, value } => update(room, id, |o| {
            match value {
                None => {
                    o.states.remove(key);
                }
                Some(v) => {
                    if let Some(allowed) = o.allowed_states.get(key)
                        && !allowed.contains(v)
                    {
                        return Err(EditError::BadState {
                            key: key.clone(),
                            value: v.clone(),
                            allowed: allowed.clone(),
                        });
                    }
                    o.states.insert(key.clone(), v.clone());
                }
            }
            Ok(())
        })?,
        Command::ApplyTheme { theme } => {
            let bad = theme
                .palette
                .roles()
                .into_iter()
                .map(|(_, c)| c)
                .chain(theme.custom.values().map(String::as_str))
                .find(|c| !is_hex_color(c));
            if let Some(c) = bad {
                return Err(bad_value(format!("`{c}` is not a #rrggbb colour")));
            }
            Step::Theme {
                before: Box::new(room.theme.clone()),
                after: Box::new(theme.clone()),
            }
        }
        Command::RenameRoom { name } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
                return Err(bad_value(
                    "a room's name is 1 to 120 characters of plain text",
                ));
            }
            let mut renamed = room.clone();
            renamed.name = name.to_string();
            Step::Room {
                before: Box::new(room.clone()),
                after: Box::new(renamed),
            }
        }
        Command::SetPicture { id, name, picture } => {
            let index = find(room, id)?;
            let mut changed = room.clone();
            match picture {
                Some(picture) => {
                    crate::picture::check_picture(name, picture).map_err(|e| {
                        EditError::BadPicture {
                            code: e.code(),
                            message: e.to_string(),
                        }
                    })?;
                    changed.pictures.insert(name.clone(), picture.clone());
                    changed.objects[index].sprite_name = Some(name.clone());
                }
                None => {
                    changed.objects[index].sprite_name = None;
                    // A picture nothing draws any more leaves with its last user.
                    if !changed
                        .objects
                        .iter()
                        .any(|o| o.sprite_name.as_deref() == Some(name))
                    {
                        changed.pictures.remove(name);
                    }
                }
            }
            crate::picture::check_pictures(&changed).map_err(|e| EditError::BadPicture {
                code: e.code(),
                message: e.to_string(),
            })?;
            Step::Room {
                before: Box::new(room.clone()),
                after: Box::new(changed),
            }
        }
        Command::ApplyTemplate { template } => {
            let mut fresh =
                crate::templates::template(template).map_err(|_| EditError::UnknownTemplate {
                    name: template.clone(),
                })?;
            fresh.id = room.id.clone();
            fresh.name = room.name.clone();
            fresh.description = room.description.clone();
            fresh.extensions = room.extensions.clone();
            Step::Room {
                before: Box::new(room.clone()),
                after: Box::new(fresh),
            }
        }
    };
    step.apply(room, true);
    change.push(step);
    Ok(())
}

fn find(room: &Room, id: &str) -> Result<usize, EditError> {
    room.index_of(id)
        .ok_or_else(|| EditError::UnknownObject { id: id.to_string() })
}

fn cells(value: f64, what: &str) -> Result<i32, EditError> {
    snap(value).ok_or_else(|| bad_value(format!("{what} must be a number of cells")))
}

fn bad_value(message: impl Into<String>) -> EditError {
    EditError::BadValue {
        message: message.into(),
    }
}

fn add(room: &Room, object: &RoomObject) -> Result<Step, EditError> {
    if !is_valid_id(&object.id) {
        return Err(EditError::BadId {
            id: object.id.clone(),
        });
    }
    if room.index_of(&object.id).is_some() {
        return Err(EditError::DuplicateId {
            id: object.id.clone(),
        });
    }
    if object.size_width < 1 || object.size_height < 1 {
        return Err(bad_value("an object is at least 1x1 cells"));
    }
    check_placement(room, object, None)?;
    Ok(Step::Object {
        index: room.objects.len(),
        before: None,
        after: Some(Box::new(object.clone())),
    })
}

/// Changes the object `id` through `edit`, then checks the result still fits.
fn update(
    room: &Room,
    id: &str,
    edit: impl FnOnce(&mut RoomObject) -> Result<(), EditError>,
) -> Result<Step, EditError> {
    let index = find(room, id)?;
    let before = room.objects[index].clone();
    let mut after = before.clone();
    edit(&mut after)?;
    if after.id != before.id {
        if !is_valid_id(&after.id) {
            return Err(EditError::BadId { id: after.id });
        }
        if room.index_of(&after.id).is_some() {
            return Err(EditError::DuplicateId { id: after.id });
        }
    }
    if after.rect() != before.rect() || (after.is_solid && !before.is_solid) {
        check_placement(room, &after, Some(index))?;
    }
    Ok(Step::Object {
        index,
        before: Some(Box::new(before)),
        after: Some(Box::new(after)),
    })
}

/// Refuses a placement outside the grid, or a solid one over another solid object, and says
/// where the object would fit.
fn check_placement(
    room: &Room,
    object: &RoomObject,
    index: Option<usize>,
) -> Result<(), EditError> {
    let r = object.rect();
    let ignore: Vec<usize> = index.into_iter().collect();
    let target = Cell {
        x: object.position_x,
        y: object.position_y,
    };
    let occupancy = || Occupancy::new(room, &ignore);
    let nearest = |occ: &Occupancy| {
        if object.is_solid {
            occ.nearest_free(r.w, r.h, target)
        } else {
            clamp_into_grid(room, r)
        }
    };
    if !r.within(room.grid) {
        let occ = occupancy();
        let nearest_free = nearest(&occ);
        return Err(EditError::OutOfBounds {
            id: object.id.clone(),
            said: format!(
                "the {} would stick out of the room{}",
                object.name,
                fits(target, nearest_free)
            ),
            nearest_free,
        });
    }
    if object.is_solid {
        let occ = occupancy();
        if !occ.is_free(r) {
            let conflicts = occ.conflicts(r);
            let nearest_free = nearest(&occ);
            let names: Vec<String> = conflicts
                .iter()
                .filter_map(|id| room.objects.iter().find(|o| &o.id == id))
                .map(|o| format!("the {}", o.name))
                .collect();
            return Err(EditError::Collision {
                id: object.id.clone(),
                said: format!(
                    "the {} would overlap {}{}",
                    object.name,
                    and_list(&names),
                    fits(target, nearest_free)
                ),
                conflicts,
                nearest_free,
            });
        }
    }
    Ok(())
}

/// "; the nearest free spot is 2 cells to the left", or that there is none.
fn fits(from: Cell, free: Option<Cell>) -> String {
    let Some(to) = free else {
        return "; there is no free spot of that size".into();
    };
    let cells = |n: i32| format!("{n} cell{}", if n == 1 { "" } else { "s" });
    let mut ways = Vec::new();
    match to.x - from.x {
        0 => {}
        dx if dx < 0 => ways.push(format!("{} to the left", cells(-dx))),
        dx => ways.push(format!("{} to the right", cells(dx))),
    }
    match to.y - from.y {
        0 => {}
        dy if dy < 0 => ways.push(format!("{} up", cells(-dy))),
        dy => ways.push(format!("{} down", cells(dy))),
    }
    if ways.is_empty() {
        String::new()
    } else {
        format!("; the nearest free spot is {}", ways.join(" and "))
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => "another object".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn clamp_into_grid(room: &Room, r: Rect) -> Option<Cell> {
    let (gw, gh) = (i64::from(room.grid.width), i64::from(room.grid.height));
    (r.w <= gw && r.h <= gh).then(|| Cell {
        x: r.x.clamp(0, gw - r.w) as i32,
        y: r.y.clamp(0, gh - r.h) as i32,
    })
}

fn set_property(
    room: &Room,
    id: &str,
    property: Property,
    value: &Value,
) -> Result<Step, EditError> {
    fn parse<T: serde::de::DeserializeOwned>(
        value: &Value,
        expected: &str,
    ) -> Result<T, EditError> {
        serde_json::from_value(value.clone())
            .map_err(|_| bad_value(format!("expected {expected}, got {value}")))
    }
    update(room, id, |o| {
        match property {
            Property::Id => o.id = parse(value, "a text id")?,
            Property::Name => o.name = parse(value, "text")?,
            Property::Description => o.description = parse(value, "text")?,
            Property::Behavior => o.behavior = parse(value, "text")?,
            Property::Kind => {
                o.kind = parse::<Kind>(
                    value,
                    "one of furniture, decoration, tool, appliance, lighting, door, window, storage",
                )?
            }
            Property::ObjectType => o.object_type = parse(value, "text or null")?,
            Property::IsSolid => o.is_solid = parse(value, "true or false")?,
            Property::IsInteractive => o.is_interactive = parse(value, "true or false")?,
            Property::IsMovable => o.is_movable = parse(value, "true or false")?,
            Property::SpriteName => o.sprite_name = parse(value, "a file name or null")?,
            Property::Art => o.art = parse(value, "a catalogue item such as `sofa`, or null")?,
            Property::ColorScheme => {
                o.color_scheme = parse(value, "a colour name, #rrggbb or null")?
            }
            Property::Material => o.material = parse(value, "text or null")?,
            Property::Z => o.z = parse(value, "a whole number")?,
            Property::AllowedStates => {
                o.allowed_states = parse::<BTreeMap<String, Vec<String>>>(
                    value,
                    "an object of lists, e.g. {\"power\": [\"on\", \"off\"]}",
                )?
            }
        }
        Ok(())
    })
}
