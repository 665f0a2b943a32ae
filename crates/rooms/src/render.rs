//! Pictures of a room: the floor and walls in the theme's textures, every object in its
//! catalogue drawing or the owner's picture ([`crate::art`]), the spawn point, and name
//! labels. The template gallery, saved-room thumbnails and `room render` use it.
//!
//! Drawing is SVG rendered by `resvg`: each object's painted drawing is parsed once per
//! render and drawn into its box; labels are anti-aliased text in the bundled Lato font
//! (`fonts/`), so every machine draws the same picture and no system font is read. Nothing
//! an SVG names outside itself is loaded: only `data:` images resolve.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, RgbImage};
use resvg::tiny_skia::{self, Pixmap, Transform};
use resvg::usvg;

use crate::RoomError;
use crate::art::{self, Colours};
use crate::labels::{self, Named};
use crate::model::{CellSize, Room, RoomObject};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Write each object's name on it.
    pub labels: bool,
    /// Largest picture, in pixels; cells shrink to stay within it.
    pub max_pixels: u64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            labels: true,
            max_pixels: 16_000_000,
        }
    }
}

/// The font labels are set in: Lato Semibold, cut down to Latin-1 (OFL, `fonts/OFL.txt`).
pub(crate) const LABEL_FONT: &[u8] = include_bytes!("../fonts/Lato-Semibold-subset.ttf");
const LABEL_FAMILY: &str = "Lato Semibold";

static OPTIONS: LazyLock<usvg::Options<'static>> = LazyLock::new(|| {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(LABEL_FONT.to_vec());
    let mut options = usvg::Options {
        font_family: LABEL_FAMILY.to_owned(),
        fontdb: Arc::new(fonts),
        ..usvg::Options::default()
    };
    // Only `data:` URLs: a picture never reads a file or the network.
    options.image_href_resolver.resolve_string = Box::new(|_, _| None);
    options
});

/// Floor and wall textures by theme name; a theme without one is drawn in flat colour.
const TEXTURES: &[(&str, &str)] = &[
    (
        "floor-cozy",
        include_str!("../../../templates/textures/floor-cozy.svg"),
    ),
    (
        "floor-futuristic",
        include_str!("../../../templates/textures/floor-futuristic.svg"),
    ),
    (
        "floor-modern",
        include_str!("../../../templates/textures/floor-modern.svg"),
    ),
    (
        "floor-office",
        include_str!("../../../templates/textures/floor-office.svg"),
    ),
    (
        "wall-cozy",
        include_str!("../../../templates/textures/wall-cozy.svg"),
    ),
    (
        "wall-futuristic",
        include_str!("../../../templates/textures/wall-futuristic.svg"),
    ),
    (
        "wall-modern",
        include_str!("../../../templates/textures/wall-modern.svg"),
    ),
    (
        "wall-office",
        include_str!("../../../templates/textures/wall-office.svg"),
    ),
];

/// The texture for `surface` (`floor` or `wall`) in `theme`, unpainted.
pub fn texture(surface: &str, theme: &str) -> Option<&'static str> {
    let name = format!("{surface}-{theme}");
    TEXTURES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, svg)| *svg)
}

/// All textures by name (`floor-cozy`), for the editor.
pub fn textures() -> &'static [(&'static str, &'static str)] {
    TEXTURES
}

/// How thick the walls are drawn, in pixels at a 30-pixel cell height.
const WALL: f32 = 6.0;

/// Draws the room. The picture is `grid × cell` pixels (1280x480 for a standard room).
pub fn render(room: &Room, options: &RenderOptions) -> RgbImage {
    let cell = cell_size(room, options.max_pixels);
    let width = room.grid.width.max(1) * cell.width;
    let height = room.grid.height.max(1) * cell.height;
    let mut pixmap = Pixmap::new(width, height).expect("the size is within limits");
    let colours = Colours::of_room(room);
    floor(&mut pixmap, room, cell, &colours);
    draw_svg(
        &mut pixmap,
        &walls(room, cell, width, height, &colours),
        Transform::identity(),
    );

    let mut order: Vec<&RoomObject> = room.objects.iter().collect();
    order.sort_by_key(|o| o.z); // stable: equal z keeps file order
    // Drawn objects may repaint the picture this many times over; past that (only a hostile
    // file gets there: thousands of grid-sized objects) the rest are drawn as outlines, so
    // drawing time stays bounded by the picture's size.
    let mut budget = 64 * u64::from(width) * u64::from(height);
    let mut trees: HashMap<String, Option<usvg::Tree>> = HashMap::new();
    for object in &order {
        let (x, y, w, h) = pixel_rect(object, cell);
        let area = clipped_area(x, y, w, h, width, height);
        if area == 0 {
            continue;
        }
        if area > budget {
            outline(
                &mut pixmap,
                x,
                y,
                w,
                h,
                art::hex_rgb(colours.role(room.color_reference(object))),
            );
            continue;
        }
        budget -= area;
        let painted = art::painted(room, object);
        let tree = trees
            .entry(painted)
            .or_insert_with_key(|svg| usvg::Tree::from_str(svg, &OPTIONS).ok());
        match tree {
            Some(tree) => {
                let size = tree.size();
                let transform = Transform::from_row(
                    w as f32 / size.width(),
                    0.0,
                    0.0,
                    h as f32 / size.height(),
                    x as f32,
                    y as f32,
                );
                resvg::render(tree, transform, &mut pixmap.as_mut());
            }
            // An owner's picture usvg cannot read (it passed the checks, so it is merely
            // unusual): its box shows where it is.
            None => outline(&mut pixmap, x, y, w, h, [0x80, 0x80, 0x80]),
        }
    }
    draw_svg(
        &mut pixmap,
        &foreground(room, &order, cell, options.labels, &colours),
        Transform::identity(),
    );
    to_rgb(&pixmap)
}

fn draw_svg(pixmap: &mut Pixmap, svg: &str, transform: Transform) {
    if let Ok(tree) = usvg::Tree::from_str(svg, &OPTIONS) {
        resvg::render(&tree, transform, &mut pixmap.as_mut());
    }
}

/// The floor: its texture and the grid lines, drawn once into a tile four cells wide and one
/// high, then copied across the picture. Filling the picture with an SVG pattern instead
/// cost about 5 ms of a 20 ms render (resvg samples the pattern for every pixel).
fn floor(pixmap: &mut Pixmap, room: &Room, cell: CellSize, colours: &Colours) {
    let (tw, th) = (4 * cell.width, cell.height);
    let mut tile = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{tw}" height="{th}"><rect width="{tw}" height="{th}" fill="{}"/>"#,
        colours.hex("floor")
    );
    if let Some(texture) = texture("floor", &room.theme.name) {
        let painted = art::paint(texture, |name| colours.get(name));
        let (vw, vh) = art::view_box_size(&painted).unwrap_or((1.0, 1.0));
        tile.push_str(&format!(
            r#"<svg width="{tw}" height="{th}" viewBox="0 0 {vw} {vh}" preserveAspectRatio="none">{}</svg>"#,
            art::inner_of(&painted)
        ));
    }
    // A line on each cell's top and left edge; stroke-opacity, not opacity, which would cost
    // a layer.
    let mut lines = format!("M0 0.5H{tw}");
    for x in (0..tw).step_by(cell.width as usize) {
        lines.push_str(&format!("M{x}.5 0V{th}"));
    }
    tile.push_str(&format!(
        r#"<path d="{lines}" stroke="{}" stroke-width="1" stroke-opacity="0.55"/></svg>"#,
        colours.hex("grid")
    ));
    let Some(mut drawn) = Pixmap::new(tw, th) else {
        return;
    };
    draw_svg(&mut drawn, &tile, Transform::identity());
    // The tile is opaque (its first rectangle is the floor colour), so copying its rows is
    // the same as drawing it, and takes a fraction of a millisecond where 256 draws took 4.
    let (row, tile_row) = (pixmap.width() as usize * 4, tw as usize * 4);
    let tile = drawn.data();
    for (y, line) in pixmap.data_mut().chunks_exact_mut(row).enumerate() {
        let source = &tile[(y % th as usize) * tile_row..][..tile_row];
        for chunk in line.chunks_mut(tile_row) {
            chunk.copy_from_slice(&source[..chunk.len()]);
        }
    }
}

/// The walls round the floor, in the theme's wall texture.
fn walls(room: &Room, cell: CellSize, width: u32, height: u32, colours: &Colours) -> String {
    let paint = |svg: &str| art::paint(svg, |name| colours.get(name));
    let mut svg =
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">"#);
    let scale = cell.height as f32 / 30.0;
    let t = (WALL * scale).max(1.0);
    let wall = match texture("wall", &room.theme.name) {
        Some(tile) => {
            svg.push_str(&pattern("wall", &paint(tile), 20.0 * scale, t));
            "url(#wall)".to_owned()
        }
        None => colours.hex("wall"),
    };
    let (w, h) = (width as f32, height as f32);
    for (x, y, rw, rh) in [
        (0.0, 0.0, w, t),
        (0.0, h - t, w, t),
        (0.0, 0.0, t, h),
        (w - t, 0.0, t, h),
    ] {
        svg.push_str(&format!(
            r#"<rect x="{x}" y="{y}" width="{rw}" height="{rh}" fill="{wall}"/>"#
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A `<pattern>` drawing `tile` (one of our own textures) at `w`x`h`.
fn pattern(id: &str, tile: &str, w: f32, h: f32) -> String {
    let inner = art::inner_of(tile);
    let (vw, vh) = art::view_box_size(tile).unwrap_or((1.0, 1.0));
    format!(
        r#"<defs><pattern id="{id}" patternUnits="userSpaceOnUse" width="{w}" height="{h}" viewBox="0 0 {vw} {vh}" preserveAspectRatio="none">{inner}</pattern></defs>"#
    )
}

/// The spawn point and, when asked for, each object's name.
fn foreground(
    room: &Room,
    order: &[&RoomObject],
    cell: CellSize,
    labels: bool,
    colours: &Colours,
) -> String {
    let mut svg = String::from(r#"<svg xmlns="http://www.w3.org/2000/svg">"#);
    let (cx, cy) = (
        (room.spawn.x as f32 + 0.5) * cell.width as f32,
        (room.spawn.y as f32 + 0.5) * cell.height as f32,
    );
    let r = cell.width.min(cell.height) as f32 * 0.42;
    svg.push_str(&format!(
        r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{}" stroke="{}" stroke-width="1.5"/><circle cx="{cx}" cy="{cy}" r="{}" fill="{}"/>"#,
        colours.hex("accent"),
        colours.hex("text"),
        r * 0.4,
        colours.hex("text"),
    ));
    if labels {
        // Too small to read below about 6 pixels; a shrunken picture goes without.
        let size = 11.0 * cell.height as f32 / 30.0;
        if size >= 6.0 {
            let named: Vec<Named> = order
                .iter()
                .map(|object| {
                    let (x, y, w, h) = pixel_rect(object, cell);
                    Named {
                        x: x as f32,
                        y: y as f32,
                        w: w as f32,
                        h: h as f32,
                        name: &object.name,
                    }
                })
                .collect();
            let (width, height) = (
                (room.grid.width.max(1) * cell.width) as f32,
                (room.grid.height.max(1) * cell.height) as f32,
            );
            for (object, spot) in named.iter().zip(labels::place(&named, size, width, height)) {
                let Some(spot) = spot else { continue };
                // White on a dark pill, as in the editor: readable on any floor or drawing,
                // and far cheaper to draw than a stroked halo round every glyph.
                svg.push_str(&format!(
                    r##"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="#141418" fill-opacity="0.62"/><text x="{}" y="{}" font-family="{LABEL_FAMILY}" font-size="{size}" text-anchor="middle" fill="#ffffff">{}</text>"##,
                    spot.x,
                    spot.y,
                    spot.w,
                    spot.h,
                    size * 0.3,
                    spot.x + spot.w / 2.0,
                    spot.baseline,
                    escape(object.name),
                ));
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn outline(pixmap: &mut Pixmap, x: i64, y: i64, w: i64, h: i64, [r, g, b]: [u8; 3]) {
    let Some(rect) = tiny_skia::Rect::from_xywh(
        x as f32 + 0.5,
        y as f32 + 0.5,
        (w - 1).max(1) as f32,
        (h - 1).max(1) as f32,
    ) else {
        return;
    };
    let path = tiny_skia::PathBuilder::from_rect(rect);
    let mut paint = tiny_skia::Paint::default();
    paint.set_color_rgba8(r, g, b, 255);
    pixmap.stroke_path(
        &path,
        &paint,
        &tiny_skia::Stroke::default(),
        Transform::identity(),
        None,
    );
}

fn to_rgb(pixmap: &Pixmap) -> RgbImage {
    // The floor is opaque, so every pixel is; premultiplied equals straight colour.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    RgbImage::from_raw(pixmap.width(), pixmap.height(), rgb).expect("sizes match")
}

/// A rendered, PNG-encoded preview.
#[derive(Debug, Clone)]
pub struct Preview {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// [`render`], encoded as PNG.
pub fn render_png(room: &Room, options: &RenderOptions) -> Result<Preview, RoomError> {
    let image = render(room, options);
    let mut bytes = Vec::new();
    // Fast compression: previews are regenerated often.
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| RoomError::RenderFailed {
            reason: e.to_string(),
        })?;
    Ok(Preview {
        png: bytes,
        width: image.width(),
        height: image.height(),
    })
}
/// The room's cell size, shrunk (keeping its proportions roughly) to fit `max_pixels`.
fn cell_size(room: &Room, max_pixels: u64) -> CellSize {
    let mut cell = CellSize {
        width: room.cell.width.clamp(1, 256),
        height: room.cell.height.clamp(1, 256),
    };
    let cells = u64::from(room.grid.width.max(1)) * u64::from(room.grid.height.max(1));
    while cells * u64::from(cell.width) * u64::from(cell.height) > max_pixels.max(1)
        && (cell.width > 1 || cell.height > 1)
    {
        cell.width = (cell.width / 2).max(1);
        cell.height = (cell.height / 2).max(1);
    }
    cell
}
fn pixel_rect(o: &RoomObject, cell: CellSize) -> (i64, i64, i64, i64) {
    let r = o.rect();
    let (cw, ch) = (i64::from(cell.width), i64::from(cell.height));
    (r.x * cw, r.y * ch, r.w * cw, r.h * ch)
}

/// How many of the picture's pixels the box covers.
fn clipped_area(x: i64, y: i64, w: i64, h: i64, width: u32, height: u32) -> u64 {
    let (iw, ih) = (i64::from(width), i64::from(height));
    let cw = x.saturating_add(w).clamp(0, iw) - x.clamp(0, iw);
    let ch = y.saturating_add(h).clamp(0, ih) - y.clamp(0, ih);
    (cw.max(0) * ch.max(0)) as u64
}
