import { describe, expect, it } from 'vitest';
import type { Room } from '../types';
import { item, object, room as fixtureRoom } from './fixtures';
import { IDLE, step, type Context, type Effect, type Input, type Interaction } from './interaction';

const room: Room = fixtureRoom([object('desk', 10, 3, 4, 2), object('chair', 20, 3, 2, 2)]);

/** Runs inputs from idle; returns the last state and every effect, in order. */
function run(inputs: Input[], selected: string[] = []): { state: Interaction; effects: Effect[] } {
  let state: Interaction = IDLE;
  const effects: Effect[] = [];
  const ctx: Context = { room, selected, zoom: 1 };
  for (const input of inputs) {
    const out = step(state, input, ctx);
    state = out.next;
    effects.push(...out.effects);
    for (const e of out.effects) if (e.type === 'select') ctx.selected = e.ids;
  }
  return { state, effects };
}

const kinds = (effects: Effect[]) => effects.map((e) => e.type);
const at = (x: number, y: number) => ({ x, y });

describe('pressing an object', () => {
  it('selects it and, without moving, drops nothing', () => {
    const { state, effects } = run([{ type: 'down_object', id: 'desk', shift: false, client: at(200, 90) }, { type: 'up' }]);
    expect(state).toEqual(IDLE);
    expect(effects).toContainEqual({ type: 'select', ids: ['desk'] });
    expect(kinds(effects)).not.toContain('drop');
  });

  it('drags it once it moves a cell: a ghost, a probe per new cell, and one drop', () => {
    const { effects } = run([
      { type: 'down_object', id: 'desk', shift: false, client: at(200, 90) },
      { type: 'move', client: at(205, 90), at: null },
      { type: 'move', client: at(240, 90), at: null },
      { type: 'move', client: at(242, 90), at: null },
      { type: 'up' },
    ]);
    expect(kinds(effects).filter((k) => k === 'probe')).toHaveLength(1);
    const ghost = effects.find((e) => e.type === 'ghost');
    expect(ghost).toEqual({ type: 'ghost', rects: [{ x: 12, y: 3, w: 4, h: 2 }] });
    const drop = effects.find((e) => e.type === 'drop');
    expect(drop?.type === 'drop' && drop.command).toEqual({ op: 'move', id: 'desk', x: 12, y: 3 });
    expect(drop?.type === 'drop' && drop.instead({ x: 1, y: 1 })).toEqual({ op: 'move', id: 'desk', x: 1, y: 1 });
  });

  it('moves the whole selection together, with no single spot to offer instead', () => {
    const { effects } = run(
      [{ type: 'down_object', id: 'desk', shift: false, client: at(0, 0) }, { type: 'move', client: at(20, 30), at: null }, { type: 'up' }],
      ['desk', 'chair'],
    );
    const drop = effects.find((e) => e.type === 'drop');
    expect(drop?.type === 'drop' && drop.command.op).toBe('batch');
    expect(drop?.type === 'drop' && drop.instead({ x: 0, y: 0 })).toBeNull();
  });

  it('with shift, adds it to the selection or takes it out, and starts no drag', () => {
    expect(run([{ type: 'down_object', id: 'chair', shift: true, client: at(0, 0) }], ['desk']).effects).toEqual([{ type: 'select', ids: ['desk', 'chair'] }]);
    const out = run([{ type: 'down_object', id: 'desk', shift: true, client: at(0, 0) }], ['desk']);
    expect(out.effects).toEqual([{ type: 'select', ids: [] }]);
    expect(out.state).toEqual(IDLE);
  });
});

describe('pressing the floor', () => {
  it('clears the selection on a click, and keeps it with shift', () => {
    expect(run([{ type: 'down_canvas', at: at(5, 5), shift: false }, { type: 'up' }], ['desk']).effects).toContainEqual({ type: 'select', ids: [] });
    expect(kinds(run([{ type: 'down_canvas', at: at(5, 5), shift: true }, { type: 'up' }], ['desk']).effects)).not.toContain('select');
  });

  it('draws a box only past the threshold, and selects what the box touches', () => {
    const small = run([{ type: 'down_canvas', at: at(190, 80), shift: false }, { type: 'move', client: at(0, 0), at: at(192, 81) }]);
    expect(small.state.state).toBe('pointing_canvas');
    const { state, effects } = run([
      { type: 'down_canvas', at: at(190, 80), shift: false },
      { type: 'move', client: at(0, 0), at: at(300, 130) },
      { type: 'up' },
    ]);
    expect(state).toEqual(IDLE);
    expect(effects.at(-1)).toEqual({ type: 'select', ids: ['desk'] });
  });
});

describe('dragging from the palette', () => {
  const lamp = item('floor_lamp');

  it('shows nothing off the room, and a probed ghost over it, once per cell', () => {
    const { effects } = run([
      { type: 'down_palette', item: lamp },
      { type: 'move', client: at(0, 0), at: null },
      { type: 'move', client: at(0, 0), at: at(410, 100) },
      { type: 'move', client: at(0, 0), at: at(412, 101) },
    ]);
    expect(kinds(effects)).toEqual(['capture', 'ghost', 'probe']);
  });

  it('places the object where the ghost was, and selects it after', () => {
    const { effects } = run([{ type: 'down_palette', item: lamp }, { type: 'move', client: at(0, 0), at: at(410, 100) }, { type: 'up' }]);
    const drop = effects.find((e) => e.type === 'drop');
    expect(drop?.type === 'drop' && drop.command.op).toBe('add');
    expect(drop?.type === 'drop' && drop.selectAfter).toBe('floor_lamp');
  });

  it('dropped off the room, adds nothing', () => {
    const { effects } = run([{ type: 'down_palette', item: lamp }, { type: 'move', client: at(0, 0), at: at(410, 100) }, { type: 'move', client: at(0, 0), at: null }, { type: 'up' }]);
    expect(kinds(effects)).not.toContain('drop');
  });
});

it('cancel (Escape) returns to idle from any state and clears the ghost', () => {
  const dragging = run([{ type: 'down_object', id: 'desk', shift: false, client: at(0, 0) }, { type: 'move', client: at(40, 0), at: null }]).state;
  expect(step(dragging, { type: 'cancel' }, { room, selected: [], zoom: 1 })).toEqual({ next: IDLE, effects: [{ type: 'clear_ghost' }] });
});
