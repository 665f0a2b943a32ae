//! The `deskmate.room/1` document: a grid, a theme, a spawn point and the objects in the room.
//!
//! Object fields use the DeskMate server's own names (`position_x`, `is_solid`, `sprite_name`…)
//! so that a room maps 1:1 onto the server's grid objects; the fields the server lacks (kind,
//! allowed states, z-order, behaviour note, material, functional hints) are ours. The JSON
//! Schema in `templates/rooms/room.schema.json` is generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The value of every room's `format` field. A later, incompatible format gets a new number.
pub const FORMAT: &str = "deskmate.room/1";

/// A whole room as saved in a `.room.json` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[schemars(title = "DeskMate room (deskmate.room/1)")]
pub struct Room {
    /// Always `deskmate.room/1`.
    #[schemars(extend("const" = "deskmate.room/1"))]
    pub format: String,
    /// Short identifier used when publishing, e.g. `reading_nook`.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The cell grid; the DeskMate server uses 64x16.
    #[serde(default)]
    pub grid: Grid,
    /// Size of one cell in pixels, as the server draws it (20x30 by default).
    #[serde(default)]
    pub cell: CellSize,
    pub theme: Theme,
    /// The cell where the companion starts; reachability is measured from here.
    pub spawn: Cell,
    #[serde(default)]
    pub objects: Vec<RoomObject>,
    /// The owner's own pictures by file name (`my_sofa.png`), which objects name in
    /// `sprite_name`; also drawings a shared package carried (`floor_lamp.svg`). Kept in the
    /// room so it looks the same wherever it goes. Checked on read: see [`crate::picture`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pictures: BTreeMap<String, Picture>,
    /// Data from other tools, kept as is.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    pub width: u32,
    pub height: u32,
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            width: 64,
            height: 16,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct CellSize {
    pub width: u32,
    pub height: u32,
}

impl Default for CellSize {
    fn default() -> Self {
        CellSize {
            width: 20,
            height: 30,
        }
    }
}

/// A cell position, counted from the top-left corner.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub x: i32,
    pub y: i32,
}

/// Colours by role, so that switching theme recolours every object that names a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub name: String,
    pub palette: Palette,
    /// The owner's own named colours (`"cushion": "#d96c75"`), usable as a `color_scheme`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, String>,
}

/// The named roles every theme defines, each a `#rrggbb` colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Palette {
    pub floor: String,
    pub wall: String,
    pub grid: String,
    pub accent: String,
    pub text: String,
    pub wood: String,
    pub fabric: String,
    pub metal: String,
    pub glass: String,
    pub plant: String,
    pub light: String,
    pub screen: String,
}

impl Palette {
    /// Role names in a fixed order, with their colours.
    pub fn roles(&self) -> [(&'static str, &str); 12] {
        [
            ("floor", &self.floor),
            ("wall", &self.wall),
            ("grid", &self.grid),
            ("accent", &self.accent),
            ("text", &self.text),
            ("wood", &self.wood),
            ("fabric", &self.fabric),
            ("metal", &self.metal),
            ("glass", &self.glass),
            ("plant", &self.plant),
            ("light", &self.light),
            ("screen", &self.screen),
        ]
    }
}

/// What sort of thing an object is; the editor's palette and some checks use it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    ts_rs::TS,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Furniture,
    Decoration,
    Tool,
    Appliance,
    Lighting,
    Door,
    Window,
    Storage,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Furniture => "furniture",
            Kind::Decoration => "decoration",
            Kind::Tool => "tool",
            Kind::Appliance => "appliance",
            Kind::Lighting => "lighting",
            Kind::Door => "door",
            Kind::Window => "window",
            Kind::Storage => "storage",
        }
    }

    /// The palette role an object of this kind takes when it names no colour.
    pub fn default_role(self) -> &'static str {
        match self {
            Kind::Furniture | Kind::Storage => "wood",
            Kind::Decoration => "plant",
            Kind::Tool | Kind::Appliance => "metal",
            Kind::Lighting => "light",
            Kind::Door => "accent",
            Kind::Window => "glass",
        }
    }
}

/// One object in the room. The first fields are the DeskMate server's grid-object fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct RoomObject {
    /// Unique within the room; letters, digits, `_` and `-` (the server puts it in URLs).
    pub id: String,
    pub name: String,
    /// What the companion is told about the object.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub kind: Kind,
    /// The server's free-form `object_type`; when absent, the kind is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// The catalogue item it is drawn as (`floor_lamp`); when absent, one is guessed from the
    /// name. See [`crate::catalogue`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub art: Option<String>,
    pub position_x: i32,
    pub position_y: i32,
    #[serde(default = "one")]
    pub size_width: i32,
    #[serde(default = "one")]
    pub size_height: i32,
    /// Blocks movement (the server's default is true).
    #[serde(default = "yes")]
    pub is_solid: bool,
    /// The companion can use it (the server's default is true).
    #[serde(default = "yes")]
    pub is_interactive: bool,
    /// The companion or the owner may move it at run time (the server's default is false).
    #[serde(default)]
    pub is_movable: bool,
    /// A plain file name; packages carry the file under `sprites/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprite_name: Option<String>,
    /// A palette role (`wood`), a custom colour name, or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
    /// Current states, e.g. `power: on`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub states: BTreeMap<String, String>,
    /// The values each state may take, e.g. `power: [on, off]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allowed_states: BTreeMap<String, Vec<String>>,
    /// Drawing order: higher is drawn on top.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub z: i32,
    /// A free-text note for the companion on how to treat the object.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub behavior: String,
    /// Material, for the floor-plan export (`wood`, `fabric`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<String>,
    #[serde(default, skip_serializing_if = "Functional::is_default")]
    pub functional: Functional,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

/// An owner's picture, carried inside the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Picture {
    /// SVG text, plain drawing only ([`crate::svg::check_svg`]).
    Svg(String),
    /// A PNG image, base64-encoded.
    Png(String),
}

/// What the companion can do with an object; exported to the server's floor plans.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct Functional {
    #[serde(default)]
    pub can_sit_on: bool,
    #[serde(default)]
    pub can_place_items_on: bool,
    #[serde(default)]
    pub storage_capacity: u32,
    #[serde(default)]
    pub requires_power: bool,
}

impl Functional {
    fn is_default(&self) -> bool {
        *self == Functional::default()
    }
}

fn one() -> i32 {
    1
}

fn yes() -> bool {
    true
}

fn is_zero(z: &i32) -> bool {
    *z == 0
}

/// A rectangle of cells. Coordinates are `i64` so that sums of `i32` fields cannot overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

impl Rect {
    pub fn right(&self) -> i64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> i64 {
        self.y + self.h
    }

    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    pub fn within(&self, grid: Grid) -> bool {
        self.x >= 0
            && self.y >= 0
            && self.w >= 1
            && self.h >= 1
            && self.right() <= i64::from(grid.width)
            && self.bottom() <= i64::from(grid.height)
    }
}

impl RoomObject {
    pub fn rect(&self) -> Rect {
        Rect {
            x: self.position_x.into(),
            y: self.position_y.into(),
            w: self.size_width.into(),
            h: self.size_height.into(),
        }
    }

    /// The server's `object_type`: the explicit one, else the kind's name.
    pub fn server_type(&self) -> &str {
        self.object_type.as_deref().unwrap_or(self.kind.as_str())
    }
}

impl Room {
    pub fn object(&self, id: &str) -> Option<&RoomObject> {
        self.objects.iter().find(|o| o.id == id)
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.objects.iter().position(|o| o.id == id)
    }

    /// The `#rrggbb` a colour reference stands for: a palette role, a custom name, or a hex
    /// colour itself. `None` when it names nothing.
    pub fn resolve_color<'a>(&'a self, reference: &'a str) -> Option<&'a str> {
        if is_hex_color(reference) {
            return Some(reference);
        }
        self.theme
            .palette
            .roles()
            .into_iter()
            .find(|(role, _)| *role == reference)
            .map(|(_, color)| color)
            .or_else(|| self.theme.custom.get(reference).map(String::as_str))
    }

    /// The colour reference an object is drawn with: its own, else its kind's role.
    pub fn color_reference<'a>(&self, object: &'a RoomObject) -> &'a str {
        object
            .color_scheme
            .as_deref()
            .unwrap_or(object.kind.default_role())
    }
}

/// `#rrggbb`, the one colour spelling rooms use (the server and every browser read it).
pub fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Object ids end up in the server's URLs (`/room/objects/{id}`), so keep them plain.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Sprite names are file names inside the package's `sprites/` folder, never paths.
pub fn is_valid_sprite_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':', '\0'])
}
