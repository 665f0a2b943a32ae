//! PNG previews of a room: floor, grid, walls, objects in their palette colours, the spawn
//! point, and optional name labels. The template gallery and `room render` use it.
//!
//! Drawing is plain rectangle filling on an RGB buffer; labels use the public-domain 8x8
//! bitmap font from `font8x8`, so no font files or system fonts are needed.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, Rgb, RgbImage};

use crate::RoomError;
use crate::model::{CellSize, Kind, Room, RoomObject};

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

/// Draws the room. The picture is `grid × cell` pixels (1280x480 for a standard room).
pub fn render(room: &Room, options: &RenderOptions) -> RgbImage {
    let cell = cell_size(room, options.max_pixels);
    let (cw, ch) = (cell.width, cell.height);
    let width = room.grid.width.max(1) * cw;
    let height = room.grid.height.max(1) * ch;
    let color = |reference: &str| parse_hex(room.resolve_color(reference).unwrap_or("#808080"));
    let mut canvas = Canvas(RgbImage::from_pixel(width, height, color("floor")));

    let grid = color("grid");
    for x in (0..width).step_by(cw as usize) {
        canvas.fill(x as i64, 0, 1, height as i64, grid, 1.0);
    }
    for y in (0..height).step_by(ch as usize) {
        canvas.fill(0, y as i64, width as i64, 1, grid, 1.0);
    }
    let wall = color("wall");
    let t = 4;
    canvas.fill(0, 0, width as i64, t, wall, 1.0);
    canvas.fill(0, height as i64 - t, width as i64, t, wall, 1.0);
    canvas.fill(0, 0, t, height as i64, wall, 1.0);
    canvas.fill(width as i64 - t, 0, t, height as i64, wall, 1.0);

    let mut order: Vec<&RoomObject> = room.objects.iter().collect();
    order.sort_by_key(|o| o.z); // stable: equal z keeps file order
    // Filled objects may repaint the picture this many times over; past that (only a hostile
    // file gets there: thousands of grid-sized objects) the rest are drawn as outlines, so
    // drawing time stays bounded by the picture's size.
    let mut budget = 64 * u64::from(width) * u64::from(height);
    for object in &order {
        let fill = color(room.color_reference(object));
        let (x, y, w, h) = pixel_rect(object, cell);
        let area = canvas.clipped_area(x, y, w, h);
        if area <= budget {
            budget -= area;
            draw_object(&mut canvas, room, object, cell, fill);
        } else {
            for (ex, ey, ew, eh) in [
                (x, y, w, 1),
                (x, y + h - 1, w, 1),
                (x, y, 1, h),
                (x + w - 1, y, 1, h),
            ] {
                canvas.fill(ex, ey, ew, eh, fill, 1.0);
            }
        }
    }
    draw_spawn(&mut canvas, room, cell, color("accent"), color("text"));
    if options.labels {
        for (n, object) in order.iter().enumerate() {
            // A label under something drawn later would be unreadable; that object's own
            // label speaks for the spot.
            let covered = order[n + 1..]
                .iter()
                .any(|above| above.rect().intersects(&object.rect()));
            if !covered {
                draw_label(
                    &mut canvas,
                    object,
                    cell,
                    color(room.color_reference(object)),
                );
            }
        }
    }
    canvas.0
}

/// A rendered preview, PNG-encoded.
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
    // Fast compression: previews are regenerated often and a 1280x480 flat-colour picture
    // compresses well anyway.
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

fn draw_object(canvas: &mut Canvas, room: &Room, o: &RoomObject, cell: CellSize, fill: Rgb<u8>) {
    let (x, y, w, h) = pixel_rect(o, cell);
    if w <= 0 || h <= 0 {
        return;
    }
    let alpha = if o.is_solid { 1.0 } else { 0.6 };
    canvas.fill(x, y, w, h, fill, alpha);
    let edge = shade(fill, 0.6);
    let b = 2.min(w / 4).max(1).min(h / 4).max(1);
    canvas.fill(x, y, w, b, shade(fill, 1.25), alpha);
    canvas.fill(x, y + h - b, w, b, edge, alpha);
    canvas.fill(x, y, b, h, edge, alpha);
    canvas.fill(x + w - b, y, b, h, edge, alpha);
    match o.kind {
        Kind::Window => {
            canvas.fill(x, y + h / 2, w, 1, shade(fill, 1.4), 1.0);
            canvas.fill(x + w / 2, y, 1, h, shade(fill, 1.4), 1.0);
        }
        Kind::Door => {
            let knob = (w.min(h) / 5).max(2);
            canvas.fill(
                x + w - 2 * knob,
                y + h / 2 - knob / 2,
                knob,
                knob,
                shade(fill, 0.4),
                1.0,
            );
        }
        Kind::Lighting => {
            let glow = parse_hex(room.resolve_color("light").unwrap_or("#ffffff"));
            let r = w.min(h) / 3;
            canvas.fill(
                x + w / 2 - r,
                y + h / 2 - r,
                2 * r.max(1),
                2 * r.max(1),
                glow,
                0.8,
            );
        }
        _ => {}
    }
    if let Some(power) = o.states.get("power") {
        let lamp = if power == "on" {
            Rgb([64, 220, 96])
        } else {
            Rgb([120, 120, 120])
        };
        let s = (w.min(h) / 6).max(2);
        canvas.fill(x + w - s - b - 1, y + b + 1, s, s, lamp, 1.0);
    }
}

fn pixel_rect(o: &RoomObject, cell: CellSize) -> (i64, i64, i64, i64) {
    let r = o.rect();
    let (cw, ch) = (i64::from(cell.width), i64::from(cell.height));
    (r.x * cw, r.y * ch, r.w * cw, r.h * ch)
}

fn draw_spawn(canvas: &mut Canvas, room: &Room, cell: CellSize, accent: Rgb<u8>, outline: Rgb<u8>) {
    let (cw, ch) = (i64::from(cell.width), i64::from(cell.height));
    let (cx, cy) = (
        i64::from(room.spawn.x) * cw + cw / 2,
        i64::from(room.spawn.y) * ch + ch / 2,
    );
    let r = (cw.min(ch) / 2 - 1).max(1);
    // A diamond: one row at a time, outline first.
    for (radius, color) in [(r, outline), (r - 1, accent)] {
        for dy in -radius..=radius {
            let half = radius - dy.abs();
            canvas.fill(cx - half, cy + dy, 2 * half + 1, 1, color, 1.0);
        }
    }
}

fn draw_label(canvas: &mut Canvas, o: &RoomObject, cell: CellSize, fill: Rgb<u8>) {
    let (x, y, w, h) = pixel_rect(o, cell);
    if h < 10 || w < 10 || o.name.is_empty() {
        return;
    }
    let fits = ((w - 4) / 8).max(0) as usize;
    let mut text: Vec<char> = o.name.chars().collect();
    if fits < 3 && text.len() > fits {
        return; // a letter or two says nothing
    }
    if text.len() > fits {
        text.truncate(fits.saturating_sub(1));
        if fits > 0 {
            text.push('.');
        }
    }
    let tx = x + (w - 8 * text.len() as i64) / 2;
    let ty = y + (h - 8) / 2;
    let ink = if luminance(fill) > 140.0 {
        Rgb([20, 20, 24])
    } else {
        Rgb([250, 250, 250])
    };
    for (i, c) in text.into_iter().enumerate() {
        let glyph = font8x8::legacy::BASIC_LEGACY[if c.is_ascii() {
            c as usize
        } else {
            b'?' as usize
        }];
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    canvas.fill(tx + i as i64 * 8 + col, ty + row as i64, 1, 1, ink, 1.0);
                }
            }
        }
    }
}

/// An image that clips every fill to its bounds, so no object can draw out of range.
struct Canvas(RgbImage);

impl Canvas {
    /// How many pixels of the rectangle lie on the picture.
    fn clipped_area(&self, x: i64, y: i64, w: i64, h: i64) -> u64 {
        let (iw, ih) = (i64::from(self.0.width()), i64::from(self.0.height()));
        let cw = x.saturating_add(w).clamp(0, iw) - x.clamp(0, iw);
        let ch = y.saturating_add(h).clamp(0, ih) - y.clamp(0, ih);
        (cw.max(0) * ch.max(0)) as u64
    }

    fn fill(&mut self, x: i64, y: i64, w: i64, h: i64, color: Rgb<u8>, alpha: f32) {
        let (iw, ih) = (i64::from(self.0.width()), i64::from(self.0.height()));
        let (x0, y0) = (x.clamp(0, iw), y.clamp(0, ih));
        let (x1, y1) = (
            x.saturating_add(w).clamp(0, iw),
            y.saturating_add(h).clamp(0, ih),
        );
        for py in y0..y1 {
            for px in x0..x1 {
                let pixel = self.0.get_pixel_mut(px as u32, py as u32);
                *pixel = if alpha >= 1.0 {
                    color
                } else {
                    blend(*pixel, color, alpha)
                };
            }
        }
    }
}

fn blend(under: Rgb<u8>, over: Rgb<u8>, alpha: f32) -> Rgb<u8> {
    Rgb(std::array::from_fn(|i| {
        (f32::from(under[i]) * (1.0 - alpha) + f32::from(over[i]) * alpha).round() as u8
    }))
}

fn shade(c: Rgb<u8>, factor: f32) -> Rgb<u8> {
    Rgb(c.0.map(|v| (f32::from(v) * factor).clamp(0.0, 255.0) as u8))
}

fn luminance(c: Rgb<u8>) -> f32 {
    0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2])
}

/// `#rrggbb` to RGB; anything else is grey (validation reports the bad colour).
fn parse_hex(hex: &str) -> Rgb<u8> {
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
    };
    match (
        crate::model::is_hex_color(hex),
        channel(1),
        channel(3),
        channel(5),
    ) {
        (true, Some(r), Some(g), Some(b)) => Rgb([r, g, b]),
        _ => Rgb([128, 128, 128]),
    }
}
