import { describe, expect, it } from 'vitest';
import type { Room } from '../types';
import {
  boxCells,
  colourOf,
  labelFits,
  freshId,
  moveCommand,
  nudgeFor,
  objectIdOfPath,
  objectsInBox,
  placementStyle,
  removeCommand,
  snappedDelta,
} from './geometry';
import { object, room } from './fixtures';

describe('snapping', () => {
  it('rounds a drag to whole cells of the room cell size', () => {
    const r = room([]);
    expect(snappedDelta(r, 29, 44)).toEqual({ x: 1, y: 1 });
    expect(snappedDelta(r, 31, 46)).toEqual({ x: 2, y: 2 });
    expect(snappedDelta(r, -9, -14)).toEqual({ x: -0, y: -0 });
  });
});

describe('box select', () => {
  it('selects objects the box touches, whichever way it was drawn', () => {
    const r = room([object('a', 0, 0), object('b', 10, 5), object('c', 30, 10)]);
    const box = boxCells(r, 20 * 12, 30 * 6, 5, 5);
    expect(box).toEqual({ x: 0, y: 0, w: 13, h: 7 });
    expect(objectsInBox(r, box)).toEqual(['a', 'b']);
  });
});

describe('moving a selection', () => {
  it('is one move for one object', () => {
    const r = room([object('a', 3, 3)]);
    expect(moveCommand(r, ['a'], { x: 1, y: 0 })).toEqual({ op: 'move', id: 'a', x: 4, y: 3 });
  });

  it('moves the leading object first so neighbours never collide mid-batch', () => {
    const r = room([object('left', 0, 0), object('right', 2, 0)]);
    const right = moveCommand(r, ['left', 'right'], { x: 2, y: 0 });
    expect(right).toEqual({
      op: 'batch',
      commands: [
        { op: 'move', id: 'right', x: 4, y: 0 },
        { op: 'move', id: 'left', x: 2, y: 0 },
      ],
    });
    const left = moveCommand(r, ['left', 'right'], { x: -1, y: 0 });
    expect(left && left.op === 'batch' && left.commands.map((c) => (c as { id: string }).id)).toEqual(['left', 'right']);
  });

  it('is nothing for no movement or no selection', () => {
    const r = room([object('a', 3, 3)]);
    expect(moveCommand(r, ['a'], { x: 0, y: 0 })).toBeNull();
    expect(moveCommand(r, [], { x: 1, y: 0 })).toBeNull();
  });

  it('deletes a selection as one step', () => {
    expect(removeCommand(['a'])).toEqual({ op: 'remove', id: 'a' });
    expect(removeCommand(['a', 'b'])).toEqual({
      op: 'batch',
      commands: [
        { op: 'remove', id: 'a' },
        { op: 'remove', id: 'b' },
      ],
    });
    expect(removeCommand([])).toBeNull();
  });

  it('nudges by one cell per arrow key', () => {
    expect(nudgeFor('ArrowUp')).toEqual({ x: 0, y: -1 });
    expect(nudgeFor('ArrowRight')).toEqual({ x: 1, y: 0 });
    expect(nudgeFor('a')).toBeNull();
  });
});

describe('ids and colours', () => {
  it('gives a new object an id not in the room', () => {
    const r = room([object('lamp', 0, 0), object('lamp-2', 4, 0)]);
    expect(freshId(r, 'Lamp')).toBe('lamp-3');
    expect(freshId(r, 'Reading Chair!')).toBe('reading_chair');
    expect(freshId(r, '???')).toBe('object');
  });

  it('finds the object a diagnostic points at', () => {
    expect(objectIdOfPath('objects[id=desk].size_width')).toBe('desk');
    expect(objectIdOfPath('theme.palette.floor')).toBeNull();
    expect(objectIdOfPath(undefined)).toBeNull();
  });

  it('colours by own colour, then custom name, then palette role, then the kind', () => {
    const r = room([]);
    const o = object('a', 0, 0);
    expect(colourOf(r, { ...o, color_scheme: '#123456' })).toBe('#123456');
    expect(colourOf(r, { ...o, color_scheme: 'metal' })).toBe('#000008');
    expect(colourOf(r, { ...o, color_scheme: 'cushion' })).toBe('#d96c75');
    expect(colourOf(r, o)).toBe('#000006');
  });
});

describe('placementStyle', () => {
  it('puts an object on the grid lines of its cells', () => {
    expect(placementStyle(object('desk', 3, 2, 2, 1), 32, 32)).toBe('grid-area: 3 / 4 / span 1 / span 2');
  });

  it('positions an object that starts before the top-left corner', () => {
    expect(placementStyle(object('rug', -1, 0, 2, 1), 20, 10)).toBe(
      'position: absolute; left: -20px; top: 0px; width: 40px; height: 10px',
    );
  });
});

describe('labelFits', () => {
  it('says whether the whole name fits on the box', () => {
    expect(labelFits('Desk', 64, 32)).toBe(true);
    expect(labelFits('Enormous bookshelf', 64, 32)).toBe(false);
    expect(labelFits('Lamp', 64, 10)).toBe(false);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(labelFits('🪴🪴🪴', 40, 20)).toBe(true);
  });
});
