// The room editor's pointer interactions as a state machine (tldraw's shape): each state has
// its own handling of each input, and says what should happen as effects the editor carries
// out (select, ask the engine about a drop, show the ghost, drop). Pure: no DOM, no IPC, so
// every path is tested without a browser.
import type { Command, Room } from '../types';
import { boxCells, cellAt, moveCommand, newObject, objectsInBox, rectOf, snappedDelta, type Cell, type Rect } from './geometry';

import type { CatalogueItem } from '../types';

export type PaletteItem = CatalogueItem;
export interface Point {
  x: number;
  y: number;
}

/** How far (room pixels) the pointer must travel before a press on the floor draws a box. */
export const BRUSH_THRESHOLD = 3;

export type Interaction =
  | { state: 'idle' }
  /** Pressed on an object; a click unless it moves a cell. */
  | { state: 'pointing_object'; ids: string[]; start: Point }
  | { state: 'dragging_objects'; ids: string[]; start: Point; delta: Cell }
  /** Pressed on the floor; a click clears the selection, a drag draws a box. */
  | { state: 'pointing_canvas'; from: Point }
  | { state: 'brushing'; from: Point; to: Point }
  /** Dragging a new object from the palette; `at` is where it would land, null off the room. */
  | { state: 'placing'; item: PaletteItem; at: Rect | null };

export type Input =
  | { type: 'down_object'; id: string; shift: boolean; client: Point }
  | { type: 'down_canvas'; at: Point; shift: boolean }
  | { type: 'down_palette'; item: PaletteItem }
  /** `client` for object drags (zoom-independent), `at` in room pixels, null off the room. */
  | { type: 'move'; client: Point; at: Point | null }
  | { type: 'up' }
  | { type: 'cancel' };

export type Effect =
  | { type: 'select'; ids: string[] }
  /** Take the pointer, so the drag follows it outside the element. */
  | { type: 'capture' }
  | { type: 'ghost'; rects: Rect[] }
  | { type: 'clear_ghost' }
  /** Ask the engine whether `command` would apply (throttled by the editor). */
  | { type: 'probe'; command: Command }
  /** Apply `command`; if refused, `instead` says what to offer at the free cell. */
  | { type: 'drop'; command: Command; instead: (at: Cell) => Command | null; selectAfter?: string };

export interface Context {
  room: Room;
  selected: string[];
  zoom: number;
}

export const IDLE: Interaction = { state: 'idle' };

interface Step {
  next: Interaction;
  effects: Effect[];
}

const stay = (next: Interaction): Step => ({ next, effects: [] });

export function step(current: Interaction, input: Input, ctx: Context): Step {
  if (input.type === 'cancel') return { next: IDLE, effects: [{ type: 'clear_ghost' }] };
  switch (current.state) {
    case 'idle':
      return fromIdle(input, ctx);
    case 'pointing_object':
    case 'dragging_objects':
      return movingObjects(current, input, ctx);
    case 'pointing_canvas':
    case 'brushing':
      return drawingBox(current, input, ctx);
    case 'placing':
      return placing(current, input, ctx);
  }
}

function fromIdle(input: Input, ctx: Context): Step {
  switch (input.type) {
    case 'down_object': {
      if (input.shift) {
        const ids = ctx.selected.includes(input.id) ? ctx.selected.filter((id) => id !== input.id) : [...ctx.selected, input.id];
        return { next: IDLE, effects: [{ type: 'select', ids }] };
      }
      const ids = ctx.selected.includes(input.id) ? [...ctx.selected] : [input.id];
      return { next: { state: 'pointing_object', ids, start: input.client }, effects: [{ type: 'select', ids }, { type: 'capture' }] };
    }
    case 'down_canvas': {
      const effects: Effect[] = [{ type: 'capture' }];
      if (!input.shift) effects.unshift({ type: 'select', ids: [] });
      return { next: { state: 'pointing_canvas', from: input.at }, effects };
    }
    case 'down_palette':
      return { next: { state: 'placing', item: input.item, at: null }, effects: [{ type: 'capture' }] };
    default:
      return stay(IDLE);
  }
}

function movingObjects(current: Extract<Interaction, { ids: string[] }>, input: Input, ctx: Context): Step {
  const delta = current.state === 'dragging_objects' ? current.delta : { x: 0, y: 0 };
  if (input.type === 'move') {
    const next = snappedDelta(ctx.room, (input.client.x - current.start.x) / ctx.zoom, (input.client.y - current.start.y) / ctx.zoom);
    if (next.x === delta.x && next.y === delta.y) return stay(current);
    const dragging: Interaction = { state: 'dragging_objects', ids: current.ids, start: current.start, delta: next };
    const byId = new Map(ctx.room.objects.map((o) => [o.id, o]));
    const rects = current.ids.flatMap((id) => {
      const o = byId.get(id);
      return o ? [{ ...rectOf(o), x: o.position_x + next.x, y: o.position_y + next.y }] : [];
    });
    const command = moveCommand(ctx.room, current.ids, next);
    const effects: Effect[] = command ? [{ type: 'ghost', rects }, { type: 'probe', command }] : [{ type: 'clear_ghost' }];
    return { next: dragging, effects };
  }
  if (input.type === 'up') {
    const command = current.state === 'dragging_objects' ? moveCommand(ctx.room, current.ids, delta) : null;
    const effects: Effect[] = [{ type: 'clear_ghost' }];
    const single = current.ids.length === 1 ? current.ids[0] : null;
    if (command) effects.push({ type: 'drop', command, instead: (at) => (single ? { op: 'move', id: single, x: at.x, y: at.y } : null) });
    return { next: IDLE, effects };
  }
  return stay(current);
}

function drawingBox(current: Extract<Interaction, { from: Point }>, input: Input, ctx: Context): Step {
  if (input.type === 'move' && input.at) {
    const far = Math.abs(input.at.x - current.from.x) > BRUSH_THRESHOLD || Math.abs(input.at.y - current.from.y) > BRUSH_THRESHOLD;
    if (current.state === 'pointing_canvas' && !far) return stay(current);
    return stay({ state: 'brushing', from: current.from, to: input.at });
  }
  if (input.type === 'up') {
    if (current.state !== 'brushing') return stay(IDLE);
    const { from, to } = current;
    const hits = objectsInBox(ctx.room, boxCells(ctx.room, from.x, from.y, to.x, to.y));
    return { next: IDLE, effects: [{ type: 'select', ids: [...new Set([...ctx.selected, ...hits])] }] };
  }
  return stay(current);
}

function placing(current: Extract<Interaction, { state: 'placing' }>, input: Input, ctx: Context): Step {
  const { item } = current;
  if (input.type === 'move') {
    if (!input.at) {
      return current.at ? { next: { ...current, at: null }, effects: [{ type: 'clear_ghost' }] } : stay(current);
    }
    // The ghost is centred on the pointer, in whole cells.
    const { width: cw, height: ch } = ctx.room.cell;
    const [w, h] = item.size;
    const cell = cellAt(ctx.room, input.at.x - ((w - 1) * cw) / 2, input.at.y - ((h - 1) * ch) / 2);
    const at = { x: cell.x, y: cell.y, w, h };
    if (current.at && current.at.x === at.x && current.at.y === at.y) return stay(current);
    return {
      next: { ...current, at },
      effects: [{ type: 'ghost', rects: [at] }, { type: 'probe', command: { op: 'add', object: newObject(ctx.room, item, at) } }],
    };
  }
  if (input.type === 'up') {
    const effects: Effect[] = [{ type: 'clear_ghost' }];
    if (current.at) {
      const object = newObject(ctx.room, item, current.at);
      effects.push({
        type: 'drop',
        command: { op: 'add', object },
        instead: (at) => ({ op: 'add', object: { ...object, position_x: at.x, position_y: at.y } }),
        selectAfter: object.id,
      });
    }
    return { next: IDLE, effects };
  }
  return stay(current);
}
