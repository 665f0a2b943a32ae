//! The built-in room templates (`templates/rooms/*.json`), compiled into the binary so a new
//! room never depends on files beside the app.

use crate::{Limits, Room, RoomError, read_room};

/// A built-in template: its name and its source text.
struct Builtin {
    name: &'static str,
    source: &'static str,
}

const BUILTIN: [Builtin; 4] = [
    Builtin {
        name: "modern",
        source: include_str!("../../../templates/rooms/modern.json"),
    },
    Builtin {
        name: "cozy",
        source: include_str!("../../../templates/rooms/cozy.json"),
    },
    Builtin {
        name: "office",
        source: include_str!("../../../templates/rooms/office.json"),
    },
    Builtin {
        name: "futuristic",
        source: include_str!("../../../templates/rooms/futuristic.json"),
    },
];

/// Names of the built-in templates, in gallery order.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|b| b.name)
}

/// A fresh copy of the template `name`.
pub fn template(name: &str) -> Result<Room, RoomError> {
    let builtin =
        BUILTIN
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| RoomError::UnknownTemplate {
                name: name.to_string(),
                known: template_names().collect::<Vec<_>>().join(", "),
            })?;
    read_room(builtin.source.as_bytes(), &Limits::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    #[test]
    fn every_template_reads_and_passes_validation_with_no_findings() {
        for name in template_names() {
            let room = template(name).unwrap();
            let findings = validate(&room);
            assert!(findings.is_empty(), "{name}: {findings:#?}");
            assert!(
                room.objects.len() >= 15,
                "{name} has {} objects",
                room.objects.len()
            );
        }
    }

    #[test]
    fn templates_are_distinct_layouts_with_their_own_palettes() {
        let rooms: Vec<Room> = template_names().map(|n| template(n).unwrap()).collect();
        for (i, a) in rooms.iter().enumerate() {
            for b in &rooms[i + 1..] {
                assert_ne!(a.theme.palette, b.theme.palette, "{} / {}", a.id, b.id);
                let cells = |r: &Room| -> Vec<(i32, i32, i32, i32)> {
                    r.objects
                        .iter()
                        .map(|o| (o.position_x, o.position_y, o.size_width, o.size_height))
                        .collect()
                };
                let shared = cells(a).iter().filter(|c| cells(b).contains(c)).count();
                assert!(
                    shared * 4 < a.objects.len(),
                    "{} and {} share {shared} placements",
                    a.id,
                    b.id
                );
            }
        }
    }

    #[test]
    fn unknown_template_names_the_known_ones() {
        let err = template("castle").unwrap_err();
        assert_eq!(err.code(), "room.unknown_template");
        assert!(err.to_string().contains("modern, cozy, office, futuristic"));
    }
}
