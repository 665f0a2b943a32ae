//! Turning a command into steps: each checked, applied to the room and recorded.

use std::collections::BTreeMap;

use serde_json::Value;

use super::placement_check::check_placement;
use super::step::{Change, Step};
use super::{Command, EditError, Property};
use crate::model::{Kind, Room, RoomObject, is_hex_color, is_valid_id};
use crate::placement::snap;

/// Applies `command` to `room`, recording each step in `change` as it goes so a failure part
/// way through a batch can be rolled back by the caller.
pub(super) fn execute(
    room: &mut Room,
    command: &Command,
    change: &mut Change,
) -> Result<(), EditError> {
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
