//! Whether an object may stand where a command puts it, and, when not, where it would fit,
//! said the way the owner knows the objects.

use super::EditError;
use crate::model::{Cell, Rect, Room, RoomObject};
use crate::placement::Occupancy;

/// Refuses a placement outside the grid, or a solid one over another solid object, and says
/// where the object would fit.
pub(super) fn check_placement(
    room: &Room,
    object: &RoomObject,
    index: Option<usize>,
) -> Result<(), EditError> {
    let r = object.rect();
    let ignore: Vec<usize> = index.into_iter().collect();
    let target = Cell {
        x: object.position_x,
        y: object.position_y,
    };
    let occupancy = || Occupancy::new(room, &ignore);
    let nearest = |occ: &Occupancy| {
        if object.is_solid {
            occ.nearest_free(r.w, r.h, target)
        } else {
            clamp_into_grid(room, r)
        }
    };
    if !r.within(room.grid) {
        let occ = occupancy();
        let nearest_free = nearest(&occ);
        return Err(EditError::OutOfBounds {
            id: object.id.clone(),
            said: format!(
                "the {} would stick out of the room{}",
                object.name,
                fits(target, nearest_free)
            ),
            nearest_free,
        });
    }
    if object.is_solid {
        let occ = occupancy();
        if !occ.is_free(r) {
            let conflicts = occ.conflicts(r);
            let nearest_free = nearest(&occ);
            let names: Vec<String> = conflicts
                .iter()
                .filter_map(|id| room.objects.iter().find(|o| &o.id == id))
                .map(|o| format!("the {}", o.name))
                .collect();
            return Err(EditError::Collision {
                id: object.id.clone(),
                said: format!(
                    "the {} would overlap {}{}",
                    object.name,
                    and_list(&names),
                    fits(target, nearest_free)
                ),
                conflicts,
                nearest_free,
            });
        }
    }
    Ok(())
}

/// "; the nearest free spot is 2 cells to the left", or that there is none.
fn fits(from: Cell, free: Option<Cell>) -> String {
    let Some(to) = free else {
        return "; there is no free spot of that size".into();
    };
    let cells = |n: i32| format!("{n} cell{}", if n == 1 { "" } else { "s" });
    let mut ways = Vec::new();
    match to.x - from.x {
        0 => {}
        dx if dx < 0 => ways.push(format!("{} to the left", cells(-dx))),
        dx => ways.push(format!("{} to the right", cells(dx))),
    }
    match to.y - from.y {
        0 => {}
        dy if dy < 0 => ways.push(format!("{} up", cells(-dy))),
        dy => ways.push(format!("{} down", cells(dy))),
    }
    if ways.is_empty() {
        String::new()
    } else {
        format!("; the nearest free spot is {}", ways.join(" and "))
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => "another object".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn clamp_into_grid(room: &Room, r: Rect) -> Option<Cell> {
    let (gw, gh) = (i64::from(room.grid.width), i64::from(room.grid.height));
    (r.w <= gw && r.h <= gh).then(|| Cell {
        x: r.x.clamp(0, gw - r.w) as i32,
        y: r.y.clamp(0, gh - r.h) as i32,
    })
}
