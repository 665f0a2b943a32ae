// Pure editor geometry: pixels to cells, snapping, selection boxes, and the commands a drag
// or a nudge turns into. No DOM here, so Vitest covers it directly.
import type { CatalogueItem, Command, Kind, Room, RoomObject } from '../types';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Cell {
  x: number;
  y: number;
}

export function rectOf(o: RoomObject): Rect {
  return { x: o.position_x, y: o.position_y, w: o.size_width, h: o.size_height };
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The cell under a point given in room pixels (before zoom), which may be off the grid. */
export function cellAt(room: Room, px: number, py: number): Cell {
  return { x: Math.floor(px / room.cell.width), y: Math.floor(py / room.cell.height) };
}

/** A drag's offset in whole cells: the grid snap. */
export function snappedDelta(room: Room, dxPx: number, dyPx: number): Cell {
  return { x: Math.round(dxPx / room.cell.width), y: Math.round(dyPx / room.cell.height) };
}

/** The cell rectangle a box drawn between two room-pixel points covers. */
export function boxCells(room: Room, ax: number, ay: number, bx: number, by: number): Rect {
  const a = cellAt(room, Math.min(ax, bx), Math.min(ay, by));
  const b = cellAt(room, Math.max(ax, bx), Math.max(ay, by));
  return { x: a.x, y: a.y, w: b.x - a.x + 1, h: b.y - a.y + 1 };
}

/** Ids of the objects a selection box touches. */
export function objectsInBox(room: Room, box: Rect): string[] {
  return room.objects.filter((o) => intersects(rectOf(o), box)).map((o) => o.id);
}

/**
 * Moving several objects is one batch; the engine applies its moves in order, so the object
 * furthest along the direction of travel moves first and never lands on a neighbour that is
 * about to leave.
 */
export function moveCommand(room: Room, ids: string[], delta: Cell): Command | null {
  if (ids.length === 0 || (delta.x === 0 && delta.y === 0)) return null;
  const wanted = new Set(ids);
  const moving = room.objects.filter((o) => wanted.has(o.id));
  moving.sort(
    (a, b) => delta.x * (b.position_x - a.position_x) + delta.y * (b.position_y - a.position_y),
  );
  const moves: Command[] = moving.map((o) => ({
    op: 'move',
    id: o.id,
    x: o.position_x + delta.x,
    y: o.position_y + delta.y,
  }));
  return moves.length === 1 ? moves[0] : { op: 'batch', commands: moves };
}

export function removeCommand(ids: string[]): Command | null {
  if (ids.length === 0) return null;
  const removes: Command[] = ids.map((id) => ({ op: 'remove', id }));
  return removes.length === 1 ? removes[0] : { op: 'batch', commands: removes };
}

/** Arrow keys to a one-cell nudge. */
export function nudgeFor(key: string): Cell | null {
  switch (key) {
    case 'ArrowLeft':
      return { x: -1, y: 0 };
    case 'ArrowRight':
      return { x: 1, y: 0 };
    case 'ArrowUp':
      return { x: 0, y: -1 };
    case 'ArrowDown':
      return { x: 0, y: 1 };
    default:
      return null;
  }
}

/** An id not yet in the room: `lamp`, then `lamp-2`, `lamp-3`… */
export function freshId(room: Room, name: string): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 48) || 'object';
  const taken = new Set(room.objects.map((o) => o.id));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

/** A new object of a catalogue item, with the item's defaults, in the cells `at`. */
export function newObject(room: Room, item: CatalogueItem, at: Rect): RoomObject {
  const states: Record<string, string> = {};
  for (const [key, values] of Object.entries(item.states)) if (values?.length) states[key] = values[0];
  return {
    id: freshId(room, item.label),
    name: item.label,
    description: item.description,
    kind: item.kind,
    art: item.id,
    position_x: at.x,
    position_y: at.y,
    size_width: at.w,
    size_height: at.h,
    is_solid: item.solid,
    is_interactive: item.interactive,
    is_movable: item.movable,
    states,
    allowed_states: item.states as Record<string, string[]>,
    functional: item.functional,
  };
}

/** The object id a diagnostic's path names (`objects[id=desk].size_width` names `desk`). */
export function objectIdOfPath(path: string | undefined): string | null {
  const m = path?.match(/^objects\[id=([^\]]+)\]/);
  return m ? m[1] : null;
}

/** The colour an object is drawn in: its own colour, a custom name, or its kind's role. */
export function colourOf(room: Room, o: RoomObject): string {
  const roles = room.theme.palette as unknown as Record<string, string>;
  const ref = o.color_scheme;
  if (ref?.startsWith('#')) return ref;
  if (ref && roles[ref]) return roles[ref];
  if (ref && room.theme.custom?.[ref]) return room.theme.custom[ref];
  return roles[KIND_ROLE[o.kind]] ?? roles.accent;
}

export const KIND_ROLE: Record<Kind, string> = {
  furniture: 'wood',
  storage: 'wood',
  decoration: 'plant',
  tool: 'metal',
  appliance: 'metal',
  lighting: 'light',
  door: 'accent',
  window: 'glass',
};

/**
 * Where an object is drawn. Objects are grid items of the canvas rather than absolutely
 * positioned boxes: a thousand positioned boxes are a thousand paint layers, and every drag
 * frame paid for them. One that starts before the room's top-left corner (an imported room
 * can hold one) has no grid line to start on, so it alone is positioned.
 */
export function placementStyle(o: RoomObject, cellWidthPx: number, cellHeightPx: number): string {
  if (o.position_x >= 0 && o.position_y >= 0) {
    return `grid-area: ${o.position_y + 1} / ${o.position_x + 1} / span ${o.size_height} / span ${o.size_width}`;
  }
  return (
    `position: absolute; left: ${o.position_x * cellWidthPx}px; top: ${o.position_y * cellHeightPx}px; ` +
    `width: ${o.size_width * cellWidthPx}px; height: ${o.size_height * cellHeightPx}px`
  );
}

/** The 11 px labels' average character width and the room a label needs around it. */
const LABEL_CHAR_PX = 6.2;
const LABEL_INSET_PX = 8;
const LABEL_MIN_HEIGHT_PX = 14;

/**
 * Whether an object's whole name fits on its box. A name that does not is never cut to
 * "Sto…": it is shown beside the object on hover and selection instead.
 */
export function labelFits(name: string, widthPx: number, heightPx: number): boolean {
  return heightPx >= LABEL_MIN_HEIGHT_PX && [...name].length * LABEL_CHAR_PX + LABEL_INSET_PX <= widthPx;
}
