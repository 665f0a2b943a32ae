//! Reading a room from JSON or YAML text, within [`Limits`].
//!
//! The `format` field is checked on its own first, so a room from a newer app is reported as
//! such rather than as a pile of unknown fields. Unknown fields are refused (with the line and
//! the field's name) because in a hand-edited file they are almost always typos; data from
//! other tools belongs under `extensions`.

use serde::Deserialize;

use crate::{FORMAT, Limits, Room, RoomError};

#[derive(Deserialize)]
struct FormatProbe {
    format: Option<serde_json::Value>,
}

/// Parses a room. JSON is recognised by its opening `{`; anything else is read as YAML.
pub fn read_room(bytes: &[u8], limits: &Limits) -> Result<Room, RoomError> {
    if bytes.len() as u64 > limits.max_room_bytes {
        return Err(RoomError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_room_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| RoomError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let room = if text.trim_start().starts_with('{') {
        check_format(serde_json::from_str::<FormatProbe>(text).map_err(json_error)?)?;
        serde_json::from_str::<Room>(text).map_err(json_error)?
    } else {
        check_format(serde_yaml_ng::from_str::<FormatProbe>(text).map_err(yaml_error)?)?;
        serde_yaml_ng::from_str::<Room>(text).map_err(yaml_error)?
    };
    check_limits(&room, limits)?;
    Ok(room)
}

/// Serializes a room as the pretty JSON the app saves.
pub fn write_room(room: &Room) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(room).expect("a room always serializes");
    bytes.push(b'\n');
    bytes
}

fn check_format(probe: FormatProbe) -> Result<(), RoomError> {
    match probe.format {
        Some(serde_json::Value::String(f)) if f == FORMAT => Ok(()),
        Some(serde_json::Value::String(f)) => Err(RoomError::UnsupportedFormat { found: Some(f) }),
        Some(other) => Err(RoomError::UnsupportedFormat {
            found: Some(other.to_string()),
        }),
        None => Err(RoomError::UnsupportedFormat { found: None }),
    }
}

pub(crate) fn check_limits(room: &Room, limits: &Limits) -> Result<(), RoomError> {
    if room.grid.width > limits.max_grid_side || room.grid.height > limits.max_grid_side {
        return Err(RoomError::GridTooLarge {
            width: room.grid.width,
            height: room.grid.height,
            limit: limits.max_grid_side,
        });
    }
    if room.objects.len() > limits.max_objects {
        return Err(RoomError::TooManyObjects {
            count: room.objects.len(),
            limit: limits.max_objects,
        });
    }
    crate::picture::check_pictures(room)
}

fn json_error(e: serde_json::Error) -> RoomError {
    RoomError::Malformed {
        line: e.line(),
        column: e.column(),
        message: strip_position(e.to_string()),
    }
}

fn yaml_error(e: serde_yaml_ng::Error) -> RoomError {
    let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    RoomError::Malformed {
        line,
        column,
        message: strip_position(e.to_string()),
    }
}

/// serde's messages end in " at line L column C"; the error carries those separately.
fn strip_position(message: String) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"{"format":"deskmate.room/1","id":"r","name":"R",
        "theme":{"name":"t","palette":{"floor":"#111111","wall":"#222222","grid":"#333333",
        "accent":"#444444","text":"#555555","wood":"#666666","fabric":"#777777",
        "metal":"#888888","glass":"#999999","plant":"#aaaaaa","light":"#bbbbbb","screen":"#cccccc"}},
        "spawn":{"x":1,"y":1}}"##;

    #[test]
    fn reads_json_with_defaults() {
        let room = read_room(MINIMAL.as_bytes(), &Limits::default()).unwrap();
        assert_eq!((room.grid.width, room.grid.height), (64, 16));
        assert_eq!((room.cell.width, room.cell.height), (20, 30));
        assert!(room.objects.is_empty());
    }

    #[test]
    fn reads_yaml_the_same_as_json() {
        let yaml = "format: deskmate.room/1\nid: r\nname: R\ntheme:\n  name: t\n  palette:\n"
            .to_string()
            + &[
                ("floor", "111111"),
                ("wall", "222222"),
                ("grid", "333333"),
                ("accent", "444444"),
                ("text", "555555"),
                ("wood", "666666"),
                ("fabric", "777777"),
                ("metal", "888888"),
                ("glass", "999999"),
                ("plant", "aaaaaa"),
                ("light", "bbbbbb"),
                ("screen", "cccccc"),
            ]
            .map(|(role, hex)| format!("    {role}: '#{hex}'\n"))
            .concat()
            + "spawn: {x: 1, y: 1}\n";
        let json = read_room(MINIMAL.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(
            read_room(yaml.as_bytes(), &Limits::default()).unwrap(),
            json
        );
    }

    #[test]
    fn unknown_field_is_malformed_with_its_name_and_line() {
        let text = MINIMAL.replace("\"spawn\"", "\"spwan\":1,\n\"spawn\"");
        let err = read_room(text.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "room.malformed");
        assert!(err.to_string().contains("spwan"), "{err}");
        assert!(
            matches!(err, RoomError::Malformed { line: 5, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn other_format_is_refused_before_field_checks() {
        let text = MINIMAL.replace("deskmate.room/1", "deskmate.room/2");
        let err = read_room(text.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "room.unsupported_format");
        let err = read_room(b"{\"id\":3}", &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "room.unsupported_format");
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            max_room_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            read_room(MINIMAL.as_bytes(), &limits).unwrap_err().code(),
            "room.too_large"
        );
        let big = MINIMAL.replace(
            "\"spawn\"",
            "\"grid\":{\"width\":100000,\"height\":2},\"spawn\"",
        );
        let err = read_room(big.as_bytes(), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "room.grid_too_large");
        assert_eq!(
            read_room(&[0xff, 0xfe], &Limits::default())
                .unwrap_err()
                .code(),
            "room.not_utf8"
        );
    }
}
