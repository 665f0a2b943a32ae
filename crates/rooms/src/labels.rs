//! Where each object's name goes in a room picture.
//!
//! Names are measured in the label font itself, so a pill fits its word. Bigger objects are
//! named first, inside their own box: on the middle, else along the top or bottom edge, never
//! where something drawn over them sits (the rug under the coffee table). A small object
//! keeps its face and has its name just below it (or above, when below is taken). A name never lies over another name: one that fits
//! nowhere is left out, because its drawing already says what the object is, and two names
//! on top of each other ("Filing CabiCoffee Station") say nothing. Pure arithmetic on boxes.

use std::sync::LazyLock;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// Most names one picture carries.
pub const MAX_NAMED: usize = 500;

/// An object's box in the picture, in pixels, and the name to write for it.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub name: &'a str,
}

/// A placed name: its pill (`x`, `y`, `w`, `h`) and the baseline its text sits on, centred
/// at `x + w / 2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub baseline: f32,
}

impl Placed {
    fn overlaps(&self, other: &Placed) -> bool {
        // One pixel of air between two pills.
        self.x < other.x + other.w + 1.0
            && other.x < self.x + self.w + 1.0
            && self.y < other.y + other.h + 1.0
            && other.y < self.y + self.h + 1.0
    }
}

/// Advance widths of the label font, in font units, and its units per em.
struct Metrics {
    advances: Vec<(char, f32)>,
    units_per_em: f32,
}

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| {
    let font = FontRef::new(super::render::LABEL_FONT).ok()?;
    let units_per_em = f32::from(
        font.metrics(Size::unscaled(), LocationRef::default())
            .units_per_em,
    );
    let glyphs = font.glyph_metrics(Size::unscaled(), LocationRef::default());
    let mut advances: Vec<(char, f32)> = font
        .charmap()
        .mappings()
        .filter_map(|(code, glyph)| Some((char::from_u32(code)?, glyphs.advance_width(glyph)?)))
        .collect();
    advances.sort_by_key(|(c, _)| *c);
    Some(Metrics {
        advances,
        units_per_em,
    })
});

/// How wide `text` is, in pixels, set at `size` in the label font. A character the font
/// lacks (it holds Latin-1) is counted as an average one.
pub fn text_width(text: &str, size: f32) -> f32 {
    let Some(metrics) = METRICS.as_ref() else {
        return text.chars().count() as f32 * size * 0.55;
    };
    text.chars()
        .map(|c| {
            metrics
                .advances
                .binary_search_by(|(k, _)| k.cmp(&c))
                .map(|i| metrics.advances[i].1 / metrics.units_per_em * size)
                .unwrap_or(size * 0.55)
        })
        .sum()
}

/// Places the names of `objects`, given in drawing order (bottom first), in a
/// `width`x`height` picture, text `size` pixels high. The answer is in the same order as
/// `objects`; `None` is a name left out.
pub fn place(objects: &[Named], size: f32, width: f32, height: f32) -> Vec<Option<Placed>> {
    let mut order: Vec<usize> = (0..objects.len()).collect();
    // Biggest first; equal sizes keep the room's order (a stable sort).
    order.sort_by(|&a, &b| {
        let area = |o: &Named| o.w * o.h;
        area(&objects[b]).total_cmp(&area(&objects[a]))
    });
    // Each name is checked against every placed name and every object drawn over it; the
    // biggest few hundred are all a picture can show legibly, and the cap keeps a hostile
    // room of 10,000 objects from costing seconds.
    order.truncate(MAX_NAMED);
    let mut placed: Vec<Option<Placed>> = vec![None; objects.len()];
    let mut taken: Vec<Placed> = Vec::new();
    // Two rounds: first every big object inside its own box, then the rest wherever they fit,
    // so a long thin strip named beside itself cannot take the middle of the couch it runs
    // under.
    for inside_only in [true, false] {
        for &i in &order {
            if placed[i].is_some() {
                continue;
            }
            // A spot inside the box is the object's only while nothing drawn later covers it.
            let hidden = |spot: &Placed| {
                let (x, y) = (spot.x + spot.w / 2.0, spot.y + spot.h / 2.0);
                objects[i + 1..]
                    .iter()
                    .any(|o| o.x <= x && x < o.x + o.w && o.y <= y && y < o.y + o.h)
            };
            let spot = candidates(&objects[i], size, width)
                .into_iter()
                .filter(|s| {
                    let not_this_round = inside_only && s.second_round;
                    let covered = s.inside && hidden(&s.pill);
                    !(not_this_round || covered)
                })
                .map(|s| s.pill)
                .filter(|c| c.y >= 0.0 && c.y + c.h <= height)
                .find(|c| !taken.iter().any(|t| t.overlaps(c)));
            if let Some(spot) = spot {
                taken.push(spot);
                placed[i] = Some(spot);
            }
        }
    }
    placed
}

/// One place a name could go.
struct Candidate {
    pill: Placed,
    /// Inside the object's own box, so only its own while nothing covers it.
    inside: bool,
    /// Tried only in the second round: beside the box, or on a small object's face.
    second_round: bool,
}

/// The pills `object`'s name could take, best first, each kept inside the picture's width.
fn candidates(object: &Named, size: f32, width: f32) -> Vec<Candidate> {
    let pill_w = (text_width(object.name, size) + size * 0.8).min(width);
    let pill_h = size * 1.3;
    let pill = |centre_x: f32, centre_y: f32| Placed {
        x: (centre_x - pill_w / 2.0).clamp(0.0, (width - pill_w).max(0.0)),
        y: centre_y - pill_h / 2.0,
        w: pill_w,
        h: pill_h,
        baseline: centre_y + size * 0.36,
    };
    let centre = object.x + object.w / 2.0;
    let big = object.h >= 3.0 * size;
    let mut spots = Vec::with_capacity(9);
    if big {
        for y in [
            object.y + object.h / 2.0,
            object.y + pill_h / 2.0 + 2.0,
            object.y + object.h - pill_h / 2.0 - 2.0,
        ] {
            spots.push(Candidate {
                pill: pill(centre, y),
                inside: true,
                second_round: false,
            });
        }
    }
    // Beside the box: under it, then over it; along a long object, its middle and then its
    // two quarters.
    let mut xs = vec![centre];
    if object.w >= 2.0 * pill_w {
        xs.extend([object.x + object.w / 4.0, object.x + 3.0 * object.w / 4.0]);
    }
    for x in xs {
        for y in [
            object.y + object.h + pill_h / 2.0 + 1.0,
            object.y - pill_h / 2.0 - 1.0,
        ] {
            spots.push(Candidate {
                pill: pill(x, y),
                inside: false,
                second_round: true,
            });
        }
    }
    if !big {
        // A small object's own face, last: its name would hide its drawing.
        spots.push(Candidate {
            pill: pill(centre, object.y + object.h / 2.0),
            inside: true,
            second_round: true,
        });
    }
    spots
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn named(x: f32, y: f32, w: f32, h: f32, name: &str) -> Named<'_> {
        Named { x, y, w, h, name }
    }

    /// Names placed in a standard room's picture (1280x480, 11-pixel text).
    fn in_a_room(objects: &[Named]) -> Vec<Option<Placed>> {
        place(objects, 11.0, 1280.0, 480.0)
    }

    #[test]
    fn widths_come_from_the_font() {
        let i = text_width("i", 11.0);
        let m = text_width("M", 11.0);
        assert!(i > 1.0 && m > 2.0 * i, "i {i}, M {m}");
        assert!(
            (text_width("Sofa Sofa", 11.0)
                - 2.0 * text_width("Sofa", 11.0)
                - text_width(" ", 11.0))
            .abs()
                < 0.01
        );
        // Twice the size, twice the width.
        assert!((text_width("Bookcase", 22.0) - 2.0 * text_width("Bookcase", 11.0)).abs() < 0.01);
    }

    #[test]
    fn a_big_object_is_named_on_its_middle_a_small_one_below() {
        let objects = [
            named(100.0, 100.0, 80.0, 90.0, "Bed"),
            named(300.0, 100.0, 20.0, 30.0, "Lamp"),
        ];
        let placed = in_a_room(&objects);
        let bed = placed[0].unwrap();
        assert!(
            bed.y < 145.0 && bed.y + bed.h > 145.0,
            "across the bed's middle: {bed:?}"
        );
        let lamp = placed[1].unwrap();
        assert!(lamp.y >= 130.0, "below the lamp: {lamp:?}");
    }

    #[test]
    fn names_side_by_side_go_below_above_on_top_or_are_left_out() {
        // Four chairs in a row, one cell apart: their names are wider than a cell.
        let objects: Vec<Named> = (0..4)
            .map(|i| named(100.0 + 20.0 * i as f32, 200.0, 20.0, 30.0, "Meeting Chair"))
            .collect();
        let placed = in_a_room(&objects);
        assert!(placed[0].unwrap().y > 230.0, "the first below");
        assert!(
            placed[1].unwrap().y + placed[1].unwrap().h < 200.0,
            "the second above"
        );
        let third = placed[2].unwrap();
        assert!(
            third.y > 200.0 && third.y + third.h < 230.0,
            "the third on its chair: {third:?}"
        );
        assert_eq!(placed[3], None, "the fourth fits nowhere");
    }

    #[test]
    fn a_rug_under_a_table_is_not_named_on_the_table() {
        let objects = [
            named(100.0, 100.0, 200.0, 150.0, "Wool Rug"),
            named(150.0, 150.0, 100.0, 60.0, "Coffee Table"),
        ];
        let placed = in_a_room(&objects);
        let rug = placed[0].unwrap();
        assert!(
            rug.y >= 100.0 && rug.y + rug.h <= 150.0,
            "along the rug's top, not on the table: {rug:?}"
        );
        let table = placed[1].unwrap();
        assert!(
            table.y < 180.0 && table.y + table.h > 180.0,
            "on the table: {table:?}"
        );
    }

    #[test]
    fn a_name_at_the_edge_stays_inside_the_picture() {
        let objects = [
            named(1270.0, 450.0, 10.0, 30.0, "Snake Plant"),
            named(0.0, 0.0, 20.0, 30.0, "Fig"),
        ];
        let placed = in_a_room(&objects);
        let plant = placed[0].unwrap();
        assert!(
            plant.x + plant.w <= 1280.0 && plant.y >= 0.0 && plant.y + plant.h <= 480.0,
            "{plant:?}"
        );
        let fig = placed[1].unwrap();
        assert!(fig.x >= 0.0, "{fig:?}");
    }

    #[test]
    fn a_crowded_picture_names_at_most_a_few_hundred() {
        let objects: Vec<Named> = (0..10_000)
            .map(|i| {
                named(
                    (i % 100) as f32 * 30.0,
                    (i / 100) as f32 * 40.0,
                    20.0,
                    30.0,
                    "Box",
                )
            })
            .collect();
        let placed = place(&objects, 11.0, 3000.0, 4000.0);
        let named = placed.iter().flatten().count();
        assert!(named > 100 && named <= MAX_NAMED, "{named} names");
    }

    proptest! {
        #[test]
        fn placed_names_never_overlap_and_stay_inside(
            boxes in prop::collection::vec((0u8..64, 0u8..16, 1u8..6, 1u8..4, "[A-Za-z ]{1,20}"), 0..60)
        ) {
            let objects: Vec<Named> = boxes
                .iter()
                .map(|(x, y, w, h, name)| named(f32::from(*x) * 20.0, f32::from(*y) * 30.0, f32::from(*w) * 20.0, f32::from(*h) * 30.0, name))
                .collect();
            let placed: Vec<Placed> = in_a_room(&objects).into_iter().flatten().collect();
            for (i, a) in placed.iter().enumerate() {
                prop_assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= 1280.01 && a.y + a.h <= 480.0);
                for b in &placed[i + 1..] {
                    prop_assert!(!a.overlaps(b), "{a:?} over {b:?}");
                }
            }
        }
    }
}
