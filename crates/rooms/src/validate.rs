//! The built-in room checks. One pass over the room yields every finding, each with a stable
//! code, the object it is about (`objects[id=lamp]`) and a hint.
//!
//! Cost is linear in objects plus cells (coverage is summed with a difference array, overlaps
//! found with a sort-and-sweep), so the editor can re-run it on every drag step.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use deskmate_diagnostics::Diagnostic;

use crate::model::{Kind, Rect, Room, RoomObject, is_hex_color, is_valid_id, is_valid_sprite_name};

/// More findings than this for one code are summed up in a single info line.
const MAX_PER_CODE: usize = 100;

/// Every finding about `room`, errors and warnings alike.
pub fn validate(room: &Room) -> Vec<Diagnostic> {
    let mut out = Findings::default();
    check_theme(room, &mut out);
    let grid_ok = check_grid(room, &mut out);
    check_objects(room, &mut out, grid_ok);
    if !room.objects.iter().any(|o| o.kind == Kind::Door) {
        out.push(
            Diagnostic::error("room.no_door", "the room has no door")
                .at("objects")
                .hint("add an object of kind `door` on the room's edge so the companion has a way in and out"),
        );
    }
    if grid_ok {
        let coverage = Coverage::of(room);
        check_overlaps(room, &mut out);
        if check_spawn(room, &coverage, &mut out) {
            check_reachability(room, &coverage, &mut out);
        }
    }
    out.finish()
}

/// The path a diagnostic about object `index` points at. The editor selects the object named
/// by `objects[id=…]`; see [`object_id_of_path`].
pub fn object_path(room: &Room, index: usize) -> String {
    let object = &room.objects[index];
    if is_valid_id(&object.id) {
        format!("objects[id={}]", object.id)
    } else {
        format!("objects[{index}]")
    }
}

/// The object id a diagnostic path names, if it names one.
pub fn object_id_of_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("objects[id=")?;
    rest.split_once(']').map(|(id, _)| id)
}

#[derive(Default)]
struct Findings {
    list: Vec<Diagnostic>,
    per_code: HashMap<String, usize>,
}

impl Findings {
    fn push(&mut self, d: Diagnostic) {
        let n = self.per_code.entry(d.code.clone()).or_default();
        *n += 1;
        if *n <= MAX_PER_CODE {
            self.list.push(d);
        }
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        let mut extra: Vec<_> = self
            .per_code
            .into_iter()
            .filter(|(_, n)| *n > MAX_PER_CODE)
            .collect();
        extra.sort();
        for (code, n) in extra {
            self.list.push(
                Diagnostic::info(
                    "room.more_findings",
                    format!("{} more `{code}` findings are not listed", n - MAX_PER_CODE),
                )
                .hint("fix the ones listed and check again"),
            );
        }
        self.list
    }
}

fn check_theme(room: &Room, out: &mut Findings) {
    for (role, color) in room.theme.palette.roles() {
        if !is_hex_color(color) {
            out.push(bad_theme_color(&format!("theme.palette.{role}"), color));
        }
    }
    for (name, color) in &room.theme.custom {
        if !is_hex_color(color) {
            out.push(bad_theme_color(&format!("theme.custom.{name}"), color));
        }
    }
}

fn bad_theme_color(path: &str, color: &str) -> Diagnostic {
    Diagnostic::error("room.bad_color", format!("`{color}` is not a colour"))
        .at(path)
        .hint("write colours as # and six hex digits, e.g. #3a7bd5")
}

fn check_grid(room: &Room, out: &mut Findings) -> bool {
    let mut ok = true;
    if room.grid.width == 0 || room.grid.height == 0 {
        out.push(
            Diagnostic::error(
                "room.bad_grid",
                format!("the grid is {}x{} cells", room.grid.width, room.grid.height),
            )
            .at("grid")
            .hint("a DeskMate room is 64x16 cells; set grid to {\"width\": 64, \"height\": 16}"),
        );
        ok = false;
    }
    if room.cell.width == 0 || room.cell.height == 0 {
        out.push(
            Diagnostic::error(
                "room.bad_grid",
                format!("a cell is {}x{} pixels", room.cell.width, room.cell.height),
            )
            .at("cell")
            .hint("the DeskMate server draws cells 20 pixels wide and 30 tall"),
        );
    }
    ok
}

fn check_objects(room: &Room, out: &mut Findings, grid_ok: bool) {
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    for (index, object) in room.objects.iter().enumerate() {
        // Formatted only when a finding needs them: a valid room allocates nothing per object.
        let path = PathOf(room, index);
        let label = Label(object);
        if !is_valid_id(&object.id) {
            out.push(
                Diagnostic::error(
                    "room.bad_id",
                    format!("object {index} has the id `{}`", object.id),
                )
                .at(path.to_string())
                .hint("use 1 to 64 letters, digits, `_` or `-`, e.g. `reading_lamp`"),
            );
        } else if let Some(first) = first_index.insert(&object.id, index) {
            first_index.insert(&object.id, first);
            out.push(
                Diagnostic::error(
                    "room.duplicate_id",
                    format!(
                        "objects {first} and {index} both have the id `{}`",
                        object.id
                    ),
                )
                .at(path.to_string())
                .hint("give each object its own id, e.g. add a number: `lamp_2`"),
            );
        }
        if object.size_width < 1 || object.size_height < 1 {
            out.push(
                Diagnostic::error(
                    "room.bad_size",
                    format!(
                        "{label} is {}x{} cells",
                        object.size_width, object.size_height
                    ),
                )
                .at(path.to_string())
                .hint("an object covers at least one cell: set its width and height to 1 or more"),
            );
        } else if grid_ok && !object.rect().within(room.grid) {
            out.push(out_of_bounds(room, object, &path, &label));
        }
        check_object_color(room, object, &path, &label, out);
        check_states(object, &path, &label, out);
        if let Some(sprite) = &object.sprite_name
            && !is_valid_sprite_name(sprite)
        {
            out.push(
                Diagnostic::error(
                    "room.bad_sprite_name",
                    format!("{label} names the sprite `{sprite}`"),
                )
                .at(format!("{path}.sprite_name"))
                .hint("a sprite is a plain file name such as `lamp.png`, without folders"),
            );
        }
        if grid_ok
            && matches!(object.kind, Kind::Door | Kind::Window)
            && object.rect().within(room.grid)
            && !touches_edge(object.rect(), room)
        {
            out.push(
                Diagnostic::warning(
                    "room.not_on_wall",
                    format!(
                        "{label} is a {} but does not touch the room's edge",
                        object.kind.as_str()
                    ),
                )
                .at(path.to_string())
                .hint("move it so one side lies on the outer row or column of the grid"),
            );
        }
    }
}

fn describe(object: &RoomObject) -> String {
    Label(object).to_string()
}

/// An object as findings name it: `` `Desk` (desk) ``.
struct Label<'a>(&'a RoomObject);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.name.trim().is_empty() {
            write!(f, "`{}`", self.0.id)
        } else {
            write!(f, "`{}` ({})", self.0.name, self.0.id)
        }
    }
}

/// [`object_path`], formatted on demand.
struct PathOf<'a>(&'a Room, usize);

impl fmt::Display for PathOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&object_path(self.0, self.1))
    }
}

fn out_of_bounds(room: &Room, object: &RoomObject, path: &PathOf, label: &Label) -> Diagnostic {
    let (gw, gh) = (i64::from(room.grid.width), i64::from(room.grid.height));
    let r = object.rect();
    let hint = if r.w > gw || r.h > gh {
        format!("it is larger than the {gw}x{gh} grid; make it smaller")
    } else {
        format!(
            "on the {gw}x{gh} grid a {}x{} object fits at x 0 to {} and y 0 to {}",
            r.w,
            r.h,
            gw - r.w,
            gh - r.h
        )
    };
    Diagnostic::error(
        "room.out_of_bounds",
        format!("{label} at ({}, {}) sticks out of the grid", r.x, r.y),
    )
    .at(path.to_string())
    .hint(hint)
}

fn touches_edge(r: Rect, room: &Room) -> bool {
    r.x == 0
        || r.y == 0
        || r.right() == i64::from(room.grid.width)
        || r.bottom() == i64::from(room.grid.height)
}

fn check_object_color(
    room: &Room,
    object: &RoomObject,
    path: &PathOf,
    label: &Label,
    out: &mut Findings,
) {
    let Some(reference) = &object.color_scheme else {
        return;
    };
    if room.resolve_color(reference).is_none() {
        let roles: Vec<_> = room.theme.palette.roles().iter().map(|(r, _)| *r).collect();
        out.push(
            Diagnostic::error(
                "room.bad_color",
                format!("{label} has the colour `{reference}`, which the theme does not define"),
            )
            .at(format!("{path}.color_scheme"))
            .hint(format!(
                "use a palette role ({}), one of the theme's custom colours, or #rrggbb",
                roles.join(", ")
            )),
        );
    }
}

fn check_states(object: &RoomObject, path: &PathOf, label: &Label, out: &mut Findings) {
    for (key, allowed) in &object.allowed_states {
        if allowed.is_empty() {
            out.push(
                Diagnostic::error("room.bad_state", format!("{label} lists no allowed values for `{key}`"))
                    .at(format!("{path}.allowed_states.{key}"))
                    .hint("list the values the state may take, e.g. [\"on\", \"off\"], or remove the entry"),
            );
        } else if !object.states.contains_key(key) {
            out.push(
                Diagnostic::warning(
                    "room.missing_state",
                    format!("{label} has no current `{key}`"),
                )
                .at(format!("{path}.states.{key}"))
                .hint(format!("set `{key}` to one of: {}", allowed.join(", "))),
            );
        }
    }
    for (key, value) in &object.states {
        if let Some(allowed) = object.allowed_states.get(key)
            && !allowed.is_empty()
            && !allowed.contains(value)
        {
            out.push(
                Diagnostic::error(
                    "room.bad_state",
                    format!(
                        "{label} has `{key}` = `{value}`, which is not one of its allowed values"
                    ),
                )
                .at(format!("{path}.states.{key}"))
                .hint(format!("set `{key}` to one of: {}", allowed.join(", "))),
            );
        }
    }
}

/// Which cells solid objects cover.
struct Coverage {
    width: usize,
    height: usize,
    solid: Vec<u32>,
}

impl Coverage {
    fn of(room: &Room) -> Coverage {
        Coverage {
            width: room.grid.width as usize,
            height: room.grid.height as usize,
            solid: crate::placement::solid_counts(room, &[]),
        }
    }

    fn blocked(&self, x: usize, y: usize) -> bool {
        self.solid[y * self.width + x] > 0
    }
}

/// The part of `r` inside a `w`x`h` grid as half-open cell ranges, if any.
fn clip(r: Rect, w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    if r.w < 1 || r.h < 1 {
        return None;
    }
    let x0 = r.x.clamp(0, w as i64) as usize;
    let y0 = r.y.clamp(0, h as i64) as usize;
    let x1 = r.right().clamp(0, w as i64) as usize;
    let y1 = r.bottom().clamp(0, h as i64) as usize;
    (x0 < x1 && y0 < y1).then_some((x0, y0, x1, y1))
}

fn check_overlaps(room: &Room, out: &mut Findings) {
    let mut solids: Vec<(usize, Rect)> = room
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_solid && o.size_width >= 1 && o.size_height >= 1)
        .map(|(i, o)| (i, o.rect()))
        .collect();
    solids.sort_by_key(|(i, r)| (r.x, *i));
    for (n, (a, ra)) in solids.iter().enumerate() {
        for (b, rb) in &solids[n + 1..] {
            if rb.x >= ra.right() {
                break;
            }
            if ra.intersects(rb) {
                let (first, second) = if a < b { (*a, *b) } else { (*b, *a) };
                let (oa, ob) = (&room.objects[first], &room.objects[second]);
                let at = (ra.x.max(rb.x), ra.y.max(rb.y));
                out.push(
                    Diagnostic::error(
                        "room.overlap",
                        format!("{} and {} overlap at ({}, {})", describe(oa), describe(ob), at.0, at.1),
                    )
                    .at(object_path(room, second))
                    .hint("move one of them; if one should sit on or under the other (a rug, a lamp on a desk), untick `solid` on it"),
                );
            }
        }
    }
}

/// Reports the spawn point's problems; true when reachability can be measured from it.
fn check_spawn(room: &Room, coverage: &Coverage, out: &mut Findings) -> bool {
    let s = room.spawn;
    let inside = s.x >= 0
        && s.y >= 0
        && (s.x as i64) < i64::from(room.grid.width)
        && (s.y as i64) < i64::from(room.grid.height);
    if !inside {
        out.push(
            Diagnostic::error(
                "room.out_of_bounds",
                format!("the spawn point ({}, {}) is outside the grid", s.x, s.y),
            )
            .at("spawn")
            .hint(format!(
                "put it inside the {}x{} grid, on a free floor cell",
                room.grid.width, room.grid.height
            )),
        );
        return false;
    }
    if coverage.blocked(s.x as usize, s.y as usize) {
        let on = room
            .objects
            .iter()
            .find(|o| {
                o.is_solid
                    && o.rect().intersects(&Rect {
                        x: s.x.into(),
                        y: s.y.into(),
                        w: 1,
                        h: 1,
                    })
            })
            .map(describe)
            .unwrap_or_default();
        out.push(
            Diagnostic::error(
                "room.spawn_blocked",
                format!("the spawn point ({}, {}) is inside {on}", s.x, s.y),
            )
            .at("spawn")
            .hint("move the spawn point to a free floor cell"),
        );
        return false;
    }
    true
}

fn check_reachability(room: &Room, coverage: &Coverage, out: &mut Findings) {
    let (w, h) = (coverage.width, coverage.height);
    let mut reached = vec![false; w * h];
    let mut queue = VecDeque::new();
    let start = room.spawn.y as usize * w + room.spawn.x as usize;
    reached[start] = true;
    queue.push_back(start);
    while let Some(cell) = queue.pop_front() {
        let (x, y) = (cell % w, cell / w);
        let neighbours = [
            (x > 0).then(|| cell - 1),
            (x + 1 < w).then(|| cell + 1),
            (y > 0).then(|| cell - w),
            (y + 1 < h).then(|| cell + w),
        ];
        for next in neighbours.into_iter().flatten() {
            if !reached[next] && !coverage.blocked(next % w, next / w) {
                reached[next] = true;
                queue.push_back(next);
            }
        }
    }
    let reachable = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && (x as usize) < w
            && (y as usize) < h
            && reached[y as usize * w + x as usize]
    };
    for (index, object) in room.objects.iter().enumerate() {
        if !object.is_interactive || object.size_width < 1 || object.size_height < 1 {
            continue;
        }
        let r = object.rect();
        if clip(r, w, h).is_none() {
            continue; // wholly outside: already reported as out of bounds
        }
        if !touches_reached(r, object.is_solid, w, h, &reachable) {
            out.push(
                Diagnostic::error(
                    "room.unreachable",
                    format!("the companion cannot reach {} from the spawn point", describe(object)),
                )
                .at(object_path(room, index))
                .hint("clear a path of free cells from the spawn point to one of its sides, or untick `interactive`"),
            );
        }
    }
}

/// True when a reached cell lies beside `r` (4-neighbourhood), or inside it when it is not
/// solid (the companion can stand on a rug).
fn touches_reached(
    r: Rect,
    solid: bool,
    w: usize,
    h: usize,
    reachable: &impl Fn(i64, i64) -> bool,
) -> bool {
    let x_lo = r.x.max(0);
    let x_hi = r.right().min(w as i64);
    let y_lo = r.y.max(0);
    let y_hi = r.bottom().min(h as i64);
    for x in x_lo..x_hi {
        if reachable(x, r.y - 1) || reachable(x, r.bottom()) {
            return true;
        }
    }
    for y in y_lo..y_hi {
        if reachable(r.x - 1, y) || reachable(r.right(), y) {
            return true;
        }
    }
    if !solid {
        for y in y_lo..y_hi {
            for x in x_lo..x_hi {
                if reachable(x, y) {
                    return true;
                }
            }
        }
    }
    false
}
