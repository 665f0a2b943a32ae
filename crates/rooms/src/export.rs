//! The room in the DeskMate server's two formats. `docs/rooms.md` has the field-by-field
//! mapping.
//!
//! - **Grid objects**: a JSON array of request bodies for the server's `POST /room/objects`
//!   (`id, name, description, type, position{x,y}, size{width,height},
//!   properties{solid,interactive,movable}, sprite, color`). The server's POST ignores
//!   `states`; each body still carries them so a publisher can follow with
//!   `PUT /room/objects/{id}/state` for each one.
//! - **Floor plan**: the server's pixel-based template file (`dimensions`, `styling`,
//!   `rooms[]`, `walls[]`, `doorways[]`, `furniture[]`). The grid becomes one room whose
//!   pixels are cells × cell size; the grid's edge becomes four exterior walls; doors become
//!   doorways on the wall they touch; every other object becomes furniture.

use serde_json::{Value, json};

use crate::model::{Kind, Rect, Room, RoomObject};

/// The grid-objects list, one `POST /room/objects` body per object, in drawing order.
pub fn grid_objects(room: &Room) -> Value {
    let mut order: Vec<&RoomObject> = room.objects.iter().collect();
    order.sort_by_key(|o| o.z);
    Value::Array(
        order
            .into_iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "name": o.name,
                    "description": o.description,
                    "type": o.server_type(),
                    "position": {"x": o.position_x, "y": o.position_y},
                    "size": {"width": o.size_width, "height": o.size_height},
                    "properties": {
                        "solid": o.is_solid,
                        "interactive": o.is_interactive,
                        "movable": o.is_movable,
                    },
                    "sprite": o.sprite_name,
                    "color": color_of(room, o),
                    "states": o.states,
                    "created_by": "user",
                })
            })
            .collect(),
    )
}

/// The floor-plan template file.
pub fn floor_plan(room: &Room) -> Value {
    let (cw, ch) = (i64::from(room.cell.width), i64::from(room.cell.height));
    let (width, height) = (
        i64::from(room.grid.width) * cw,
        i64::from(room.grid.height) * ch,
    );
    let palette = &room.theme.palette;
    let walls = [
        ("north", (0, 0), (width, 0)),
        ("east", (width, 0), (width, height)),
        ("south", (width, height), (0, height)),
        ("west", (0, height), (0, 0)),
    ];
    let doors: Vec<&RoomObject> = room
        .objects
        .iter()
        .filter(|o| o.kind == Kind::Door)
        .collect();
    json!({
        "id": room.id,
        "name": room.name,
        "description": room.description,
        "category": "room",
        "dimensions": {"width": width, "height": height, "scale": cw, "units": "pixels"},
        "styling": {
            "background_color": palette.floor,
            "wall_color": palette.wall,
            "wall_thickness": 8,
        },
        "rooms": [{
            "id": room.id,
            "name": room.name,
            "type": "living_room",
            "bounds": {"x": 0, "y": 0, "width": width, "height": height},
            "properties": {
                "floor_color": palette.floor,
                "floor_material": "hardwood",
                "lighting_level": 0.8,
                "temperature": 72.0,
            },
            "accessibility": {
                "is_accessible": true,
                "entry_points": doors.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
            },
        }],
        "walls": walls.iter().map(|(side, start, end)| json!({
            "id": format!("wall_{side}"),
            "name": format!("{} wall", side),
            "geometry": {"start": {"x": start.0, "y": start.1}, "end": {"x": end.0, "y": end.1}},
            "properties": {"type": "exterior", "thickness": 8, "material": "drywall", "color": palette.wall},
            "structural": {"is_load_bearing": true, "can_have_doorways": true},
        })).collect::<Vec<_>>(),
        "doorways": doors.iter().map(|d| doorway(room, d)).collect::<Vec<_>>(),
        "furniture": room
            .objects
            .iter()
            .filter(|o| o.kind != Kind::Door)
            .map(|o| furniture(room, o))
            .collect::<Vec<_>>(),
        "metadata": {"created_by": "deskmate-studio", "is_template": false, "version": "1.0"},
    })
}

fn furniture(room: &Room, o: &RoomObject) -> Value {
    let (cw, ch) = (i64::from(room.cell.width), i64::from(room.cell.height));
    let r = o.rect();
    json!({
        "id": o.id,
        "room_id": room.id,
        "name": o.name,
        "description": o.description,
        "type": o.server_type(),
        "position": {"x": r.x * cw, "y": r.y * ch, "rotation": 0},
        "geometry": {"width": r.w * cw, "height": r.h * ch, "shape": "rectangle"},
        "properties": {"solid": o.is_solid, "interactive": o.is_interactive, "movable": o.is_movable},
        "visual": {
            "color": color_of(room, o),
            "material": o.material.as_deref().unwrap_or("mixed"),
            "style": room.theme.name,
            "sprite": o.sprite_name,
        },
        "functional": {
            "can_sit_on": o.functional.can_sit_on,
            "can_place_items_on": o.functional.can_place_items_on,
            "storage_capacity": o.functional.storage_capacity,
            "requires_power": o.functional.requires_power,
        },
        "states": o.states,
        "z_index": o.z,
    })
}

/// A door as a doorway on the wall it touches, placed by its centre along that wall.
fn doorway(room: &Room, d: &RoomObject) -> Value {
    let (gw, gh) = (i64::from(room.grid.width), i64::from(room.grid.height));
    let (cw, ch) = (i64::from(room.cell.width), i64::from(room.cell.height));
    let r = d.rect();
    let (wall, along, span, length) = nearest_wall(r, gw, gh);
    // Walls run clockwise (north left→right, east top→bottom, south right→left, west
    // bottom→top), so south and west count from the far end.
    let centre = along as f64 + span as f64 / 2.0;
    let fraction = match wall {
        "south" | "west" => 1.0 - centre / length as f64,
        _ => centre / length as f64,
    };
    let pixels_per_cell = if matches!(wall, "north" | "south") {
        cw
    } else {
        ch
    };
    let state = d.states.get("door").map(String::as_str).unwrap_or("closed");
    json!({
        "id": d.id,
        "name": d.name,
        "wall_id": format!("wall_{wall}"),
        "position": {"position_on_wall": (fraction * 1000.0).round() / 1000.0, "width": span * pixels_per_cell},
        "connections": {"room_a": room.id, "room_b": "exterior"},
        "properties": {"type": "door", "has_door": true, "door_state": state},
        "accessibility": {"is_accessible": state != "locked", "requires_interaction": state != "open"},
    })
}

/// The wall closest to `r`: its name, where along it `r` starts, how much of it `r` spans,
/// and the wall's length (all in cells).
fn nearest_wall(r: Rect, gw: i64, gh: i64) -> (&'static str, i64, i64, i64) {
    let candidates = [
        (r.y, "north", r.x, r.w, gw),
        (gh - r.bottom(), "south", r.x, r.w, gw),
        (r.x, "west", r.y, r.h, gh),
        (gw - r.right(), "east", r.y, r.h, gh),
    ];
    let (_, wall, along, span, length) = candidates
        .into_iter()
        .min_by_key(|c| c.0.abs())
        .expect("four walls");
    (wall, along, span, length.max(1))
}

fn color_of(room: &Room, o: &RoomObject) -> String {
    room.resolve_color(room.color_reference(o))
        .unwrap_or("#808080")
        .to_string()
}
