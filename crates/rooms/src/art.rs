//! Which picture draws an object, and painting it in the room's colours.
//!
//! An object is drawn by, in order:
//!
//! 1. the owner's own picture, when its `sprite_name` names one of the room's `pictures`;
//! 2. its catalogue drawing (`art`, else a guess from its name), choosing the most specific
//!    of `{art}~{theme}.{state}`, `{art}.{state}`, `{art}~{theme}` and `{art}` that exists,
//!    for each of its current state values in key order (so a switched-off lamp finds
//!    `floor_lamp.off`, and a futuristic one `floor_lamp~futuristic.off`). A drawing the room
//!    carries in `pictures` as `{name}.svg` wins over the built-in one of that name: that is
//!    how a shared package keeps its look on a machine with another version of the art;
//! 3. the plain box drawing.
//!
//! Painting replaces each `var(--name)` in a drawing by a colour: `primary` is the object's
//! own colour (its `color_scheme`, else the item's role), `secondary` the item's second role,
//! and any palette role or custom colour by its name; `-dark` and `-light` after a name give
//! a shade of it. The editor (`ui/src/lib/editor/art.ts`) follows the same rules.

use std::borrow::Cow;

use base64::Engine;

use crate::catalogue::{FALLBACK_DRAWING, catalogue, drawing};
use crate::model::{Kind, Picture, Room, RoomObject};

/// The picture chosen for an object, not yet painted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen<'a> {
    /// The drawing's name (`floor_lamp.off`) or the owner picture's file name.
    pub name: Cow<'a, str>,
    /// SVG text; an owner's PNG is wrapped in an SVG `<image>` of its own size.
    pub svg: Cow<'a, str>,
}

/// The picture that draws `object` in `room`.
pub fn choose<'a>(room: &'a Room, object: &'a RoomObject) -> Chosen<'a> {
    if let Some(name) = &object.sprite_name
        && let Some(picture) = room.pictures.get(name)
    {
        return Chosen {
            name: Cow::Borrowed(name),
            svg: picture_svg(picture),
        };
    }
    let art = art_name(object);
    for name in candidates(art, &room.theme.name, object) {
        if let Some(Picture::Svg(svg)) = room.pictures.get(&format!("{name}.svg")) {
            return Chosen {
                name: Cow::Owned(name),
                svg: Cow::Borrowed(svg),
            };
        }
        if let Some(svg) = drawing(&name) {
            return Chosen {
                name: Cow::Owned(name),
                svg: Cow::Borrowed(svg),
            };
        }
    }
    Chosen {
        name: Cow::Borrowed(FALLBACK_DRAWING),
        svg: Cow::Borrowed(drawing(FALLBACK_DRAWING).expect("the box drawing is built in")),
    }
}

/// The catalogue name an object is drawn as: its `art`, else a guess from its name.
pub fn art_name(object: &RoomObject) -> &str {
    match &object.art {
        Some(art) => art,
        None => catalogue()
            .guess(object)
            .map_or(FALLBACK_DRAWING, |item| item.id.as_str()),
    }
}

/// Drawing names to try for `art`, most specific first.
fn candidates(art: &str, theme: &str, object: &RoomObject) -> Vec<String> {
    let mut names = Vec::with_capacity(2 * object.states.len() + 2);
    for value in object.states.values() {
        names.push(format!("{art}~{theme}.{value}"));
        names.push(format!("{art}.{value}"));
    }
    names.push(format!("{art}~{theme}"));
    names.push(art.to_owned());
    names
}

fn picture_svg(picture: &Picture) -> Cow<'_, str> {
    match picture {
        Picture::Svg(svg) => Cow::Borrowed(svg),
        Picture::Png(data) => {
            let (width, height) = base64::engine::general_purpose::STANDARD
                .decode(data)
                .ok()
                .and_then(|bytes| crate::picture::png_size(&bytes))
                .unwrap_or((1, 1));
            Cow::Owned(format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"><image width="{width}" height="{height}" preserveAspectRatio="none" href="data:image/png;base64,{data}"/></svg>"#
            ))
        }
    }
}

/// The colours one object's drawing is painted with.
pub struct Colours<'a> {
    room: &'a Room,
    primary: [u8; 3],
    secondary: [u8; 3],
}

impl<'a> Colours<'a> {
    pub fn of(room: &'a Room, object: &RoomObject) -> Colours<'a> {
        let item = catalogue().item(art_name(object));
        let primary = object
            .color_scheme
            .as_deref()
            .or(item.map(|i| i.color.as_str()))
            .unwrap_or(object.kind.default_role());
        let secondary = item.map_or("wood", |i| i.secondary.as_str());
        Colours {
            room,
            primary: hex_rgb(room.resolve_color(primary).unwrap_or(GREY)),
            secondary: hex_rgb(room.resolve_color(secondary).unwrap_or(GREY)),
        }
    }

    /// The room's own colours, for floors and walls: `primary` is the floor, `secondary`
    /// the wall.
    pub fn of_room(room: &'a Room) -> Colours<'a> {
        Colours {
            room,
            primary: hex_rgb(room.resolve_color("floor").unwrap_or(GREY)),
            secondary: hex_rgb(room.resolve_color("wall").unwrap_or(GREY)),
        }
    }

    /// A palette role, custom colour or `#rrggbb`, as `#rrggbb` (grey when unknown).
    pub fn role<'r>(&self, reference: &'r str) -> &'r str
    where
        'a: 'r,
    {
        self.room.resolve_color(reference).unwrap_or(GREY)
    }

    /// [`Colours::get`] as `#rrggbb`.
    pub fn hex(&self, name: &str) -> String {
        let [r, g, b] = self.get(name);
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// The colour a `var(--name)` stands for; unknown names are grey.
    pub fn get(&self, name: &str) -> [u8; 3] {
        let (base, shade) = match name.rsplit_once('-') {
            Some((base, "dark")) => (base, Shade::Dark),
            Some((base, "light")) => (base, Shade::Light),
            _ => (name, Shade::None),
        };
        let colour = match base {
            "primary" => self.primary,
            "secondary" => self.secondary,
            role => hex_rgb(self.room.resolve_color(role).unwrap_or(GREY)),
        };
        shade.apply(colour)
    }
}

const GREY: &str = "#808080";

#[derive(Clone, Copy)]
enum Shade {
    None,
    Dark,
    Light,
}

impl Shade {
    fn apply(self, [r, g, b]: [u8; 3]) -> [u8; 3] {
        // The same arithmetic as the editor's `shade`, so both draw the same colours.
        let f = |c: u8| -> u8 {
            let c = f32::from(c);
            match self {
                Shade::None => c,
                Shade::Dark => c * 0.62,
                Shade::Light => c + (255.0 - c) * 0.35,
            }
            .round() as u8
        };
        [f(r), f(g), f(b)]
    }
}

/// `svg` with every `var(--name)` replaced by `colour(name)` as `#rrggbb`. Text that is not a
/// complete `var(--…)` is left as it is.
pub fn paint(svg: &str, colour: impl Fn(&str) -> [u8; 3]) -> String {
    const OPEN: &str = "var(--";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        match after.find(')') {
            Some(end)
                if after[..end]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                let [r, g, b] = colour(&after[..end]);
                out.push_str(&format!("#{r:02x}{g:02x}{b:02x}"));
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The painted SVG that draws `object`. A door or window on a side wall (a box taller than
/// wide, where the drawing is wider than tall) is turned a quarter, so one drawing serves
/// every wall.
pub fn painted(room: &Room, object: &RoomObject) -> String {
    let colours = Colours::of(room, object);
    let svg = paint(&choose(room, object).svg, |name| colours.get(name));
    let on_side_wall = matches!(object.kind, Kind::Door | Kind::Window)
        && i64::from(object.size_height) * i64::from(room.cell.height)
            > i64::from(object.size_width) * i64::from(room.cell.width);
    match on_side_wall.then(|| quarter_turn(&svg)).flatten() {
        Some(turned) => turned,
        None => svg,
    }
}

/// `svg` turned 90° clockwise, when it is a landscape drawing with a `0 0 w h` view box.
fn quarter_turn(svg: &str) -> Option<String> {
    let (w, h) = view_box_size(svg)?;
    if w <= h {
        return None;
    }
    Some(format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {h} {w}"><g transform="translate({h} 0) rotate(90)">{}</g></svg>"#,
        inner_of(svg)
    ))
}

/// What is inside the root `<svg …>` element of a drawing.
pub fn inner_of(svg: &str) -> &str {
    let root = svg.find("<svg").unwrap_or(0);
    let start = svg[root..].find('>').map_or(svg.len(), |i| root + i + 1);
    let end = svg.rfind("</svg>").unwrap_or(svg.len()).max(start);
    &svg[start..end]
}

/// Width and height of a `viewBox="0 0 w h"`.
pub fn view_box_size(svg: &str) -> Option<(f32, f32)> {
    let at = svg.find("viewBox=\"")? + 9;
    let len = svg[at..].find('"')?;
    let numbers: Vec<f32> = svg[at..at + len]
        .split([' ', ','])
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    match numbers[..] {
        [0.0, 0.0, w, h] if w > 0.0 && h > 0.0 => Some((w, h)),
        _ => None,
    }
}

pub(crate) fn hex_rgb(hex: &str) -> [u8; 3] {
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(128)
    };
    [channel(1), channel(3), channel(5)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template;

    fn lamp(room: &Room) -> RoomObject {
        let _ = room;
        catalogue().item("floor_lamp").unwrap().object("lamp", 1, 1)
    }

    #[test]
    fn painting_replaces_roles_shades_and_leaves_the_rest() {
        let colour = |name: &str| match name {
            "primary" => [0x10, 0x20, 0x30],
            _ => [0xff, 0xff, 0xff],
        };
        assert_eq!(
            paint(r#"<rect fill="var(--primary)" stroke="var(--x)"/>"#, colour),
            r##"<rect fill="#102030" stroke="#ffffff"/>"##
        );
        assert_eq!(
            paint("var(--bad name) var(--", colour),
            "var(--bad name) var(--"
        );
    }

    #[test]
    fn shades_follow_the_editors_arithmetic() {
        // The same numbers are asserted in ui/src/lib/editor/art.test.ts.
        assert_eq!(Shade::Dark.apply([200, 100, 0]), [124, 62, 0]);
        assert_eq!(Shade::Light.apply([200, 100, 0]), [219, 154, 89]);
    }

    #[test]
    fn state_and_theme_pick_the_drawing() {
        let mut room = template("modern").unwrap();
        let mut object = lamp(&room);
        assert_eq!(choose(&room, &object).name, "floor_lamp");
        object.states.insert("power".into(), "off".into());
        assert_eq!(choose(&room, &object).name, "floor_lamp.off");
        room.theme.name = "futuristic".into();
        assert_eq!(choose(&room, &object).name, "floor_lamp~futuristic.off");
        object.states.insert("power".into(), "on".into());
        assert_eq!(choose(&room, &object).name, "floor_lamp~futuristic");
        object.art = Some("no_such_thing".into());
        assert_eq!(choose(&room, &object).name, FALLBACK_DRAWING);
    }

    #[test]
    fn the_rooms_own_pictures_win() {
        let mut room = template("modern").unwrap();
        let mut object = lamp(&room);
        let own = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 30"><rect width="20" height="30" fill="var(--primary)"/></svg>"#;
        room.pictures
            .insert("floor_lamp.svg".into(), Picture::Svg(own.into()));
        assert_eq!(choose(&room, &object).svg, own);
        room.pictures
            .insert("mine.svg".into(), Picture::Svg("<svg/>".into()));
        object.sprite_name = Some("mine.svg".into());
        assert_eq!(choose(&room, &object).svg, "<svg/>");
    }

    #[test]
    fn doors_on_side_walls_are_turned() {
        let room = template("modern").unwrap();
        let mut door = catalogue().item("door").unwrap().object("door", 0, 6);
        assert!(painted(&room, &door).contains(r#"viewBox="0 0 60 30""#));
        (door.size_width, door.size_height) = (1, 3);
        let turned = painted(&room, &door);
        assert!(turned.contains(r#"viewBox="0 0 30 60""#) && turned.contains("rotate(90)"));
    }

    #[test]
    fn the_object_colour_paints_primary() {
        let room = template("cozy").unwrap();
        let mut object = catalogue().item("sofa").unwrap().object("sofa", 1, 1);
        let fabric = room.theme.palette.fabric.clone();
        assert!(painted(&room, &object).contains(&fabric));
        object.color_scheme = Some("#123456".into());
        let svg = painted(&room, &object);
        assert!(svg.contains("#123456") && !svg.contains("var(--"));
    }
}
