//! Where an object may go: bounds, solid collisions, and the nearest free spot.
//!
//! The editor asks this on every pointer move, so a query is O(1) after an O(cells) set-up:
//! a summed-area table counts solid cells in any rectangle.

use crate::model::{Cell, Rect, Room};

/// Solid coverage of a room, leaving out the objects being placed.
pub struct Occupancy<'a> {
    room: &'a Room,
    ignore: Vec<usize>,
    width: i64,
    height: i64,
    /// `sum[y][x]`: solid-covered cells in `[0, x) × [0, y)`, row-major, `(w+1)*(h+1)`.
    sum: Vec<u32>,
}

impl<'a> Occupancy<'a> {
    /// Coverage of every solid object except those at `ignore` (indices into `room.objects`).
    pub fn new(room: &'a Room, ignore: &[usize]) -> Self {
        let (w, h) = (room.grid.width as usize, room.grid.height as usize);
        let counts = solid_counts(room, ignore);
        let mut sum = vec![0u32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u32;
            for x in 0..w {
                row += u32::from(counts[y * w + x] > 0);
                sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
            }
        }
        Occupancy {
            room,
            ignore: ignore.to_vec(),
            width: w as i64,
            height: h as i64,
            sum,
        }
    }

    /// True when no solid object covers any cell of `r` (which must lie within the grid).
    pub fn is_free(&self, r: Rect) -> bool {
        let w1 = self.width + 1;
        let at = |x: i64, y: i64| i64::from(self.sum[(y * w1 + x) as usize]);
        let (x0, y0, x1, y1) = (r.x, r.y, r.right(), r.bottom());
        at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0) == 0
    }

    /// Ids of the solid objects that `r` would overlap.
    pub fn conflicts(&self, r: Rect) -> Vec<String> {
        self.room
            .objects
            .iter()
            .enumerate()
            .filter(|(i, o)| o.is_solid && !self.ignore.contains(i) && o.rect().intersects(&r))
            .map(|(_, o)| o.id.clone())
            .collect()
    }

    /// The free in-grid position for a `w`x`h` object closest (straight-line) to `target`,
    /// ties broken top-to-bottom, left-to-right. `None` when it fits nowhere.
    pub fn nearest_free(&self, w: i64, h: i64, target: Cell) -> Option<Cell> {
        if w < 1 || h < 1 || w > self.width || h > self.height {
            return None;
        }
        let (tx, ty) = (i64::from(target.x), i64::from(target.y));
        let mut best: Option<(i64, Cell)> = None;
        for y in 0..=self.height - h {
            for x in 0..=self.width - w {
                let d = (x - tx).pow(2) + (y - ty).pow(2);
                if best.is_some_and(|(bd, _)| bd <= d) {
                    continue;
                }
                if self.is_free(Rect { x, y, w, h }) {
                    best = Some((
                        d,
                        Cell {
                            x: x as i32,
                            y: y as i32,
                        },
                    ));
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// How many solid objects (other than those at `ignore`) cover each cell, row-major, clipped
/// to the grid. A difference array (+1/-1 at each rectangle's corners, then prefix sums) makes
/// this O(objects + cells) however large the objects are, so a hostile room cannot make it slow.
pub(crate) fn solid_counts(room: &Room, ignore: &[usize]) -> Vec<u32> {
    let (w, h) = (room.grid.width as usize, room.grid.height as usize);
    let mut diff = vec![0i64; (w + 1) * (h + 1)];
    for (i, o) in room.objects.iter().enumerate() {
        if !o.is_solid || ignore.contains(&i) || o.size_width < 1 || o.size_height < 1 {
            continue;
        }
        let r = o.rect();
        let (x0, x1) = (
            r.x.clamp(0, w as i64) as usize,
            r.right().clamp(0, w as i64) as usize,
        );
        let (y0, y1) = (
            r.y.clamp(0, h as i64) as usize,
            r.bottom().clamp(0, h as i64) as usize,
        );
        if x0 < x1 && y0 < y1 {
            diff[y0 * (w + 1) + x0] += 1;
            diff[y0 * (w + 1) + x1] -= 1;
            diff[y1 * (w + 1) + x0] -= 1;
            diff[y1 * (w + 1) + x1] += 1;
        }
    }
    let mut column = vec![0i64; w];
    let mut counts = vec![0u32; w * h];
    for y in 0..h {
        let mut run = 0i64;
        for x in 0..w {
            run += diff[y * (w + 1) + x];
            column[x] += run;
            counts[y * w + x] = column[x].clamp(0, i64::from(u32::MAX)) as u32;
        }
    }
    counts
}

/// Rounds a pointer position (in cells, possibly fractional) to the cell it snaps to.
/// `None` for NaN or values beyond the grid's number range.
pub fn snap(value: f64) -> Option<i32> {
    let rounded = value.round();
    (rounded.is_finite() && rounded >= f64::from(i32::MIN) && rounded <= f64::from(i32::MAX))
        .then_some(rounded as i32)
}

/// Converts a pixel position on the rendered room to the cell under it.
pub fn cell_at_pixel(room: &Room, px: f64, py: f64) -> Option<Cell> {
    let x = snap((px / f64::from(room.cell.width.max(1))).floor())?;
    let y = snap((py / f64::from(room.cell.height.max(1))).floor())?;
    Some(Cell { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_pixels_map_to_the_cell_under_them_and_snap_rounds() {
        let room = crate::template("modern").unwrap(); // 20x30-pixel cells
        assert_eq!(cell_at_pixel(&room, 0.0, 0.0), Some(Cell { x: 0, y: 0 }));
        assert_eq!(cell_at_pixel(&room, 39.9, 59.9), Some(Cell { x: 1, y: 1 }));
        assert_eq!(cell_at_pixel(&room, -1.0, 30.0), Some(Cell { x: -1, y: 1 }));
        assert_eq!(cell_at_pixel(&room, f64::NAN, 0.0), None);
        assert_eq!(
            (snap(2.49), snap(2.5), snap(-0.6)),
            (Some(2), Some(3), Some(-1))
        );
        assert_eq!(snap(1e12), None);
    }
}
