import { describe, expect, it } from 'vitest';
import { ArtSheet, chooseDrawing, guess, paint, painted, search, shade, stretched, svgUrl } from './art';
import { book, item, object, room as fixtureRoom } from './fixtures';
import { newObject } from './geometry';

const art = book();
const room = fixtureRoom([]);
const lamp = () => newObject(room, item('floor_lamp'), { x: 1, y: 1, w: 1, h: 1 });

describe('art', () => {
  it('shades like the engine', () => {
    // The same numbers are asserted in crates/rooms/src/art.rs.
    expect(shade('#c86400', 'dark')).toBe('#7c3e00');
    expect(shade('#c86400', 'light')).toBe('#db9a59');
  });

  it('paints roles and leaves other text alone', () => {
    expect(paint('<rect fill="var(--primary)" stroke="var(--bad name)"/>', () => '#102030')).toBe('<rect fill="#102030" stroke="var(--bad name)"/>');
  });

  it('picks the drawing for the state and the theme', () => {
    const o = lamp();
    expect(chooseDrawing(art, room, o)).toBe(art.drawings['floor_lamp']);
    o.states = { power: 'off' };
    expect(chooseDrawing(art, room, o)).toBe(art.drawings['floor_lamp.off']);
    const future = { ...room, theme: { ...room.theme, name: 'futuristic' } };
    expect(chooseDrawing(art, future, o)).toBe(art.drawings['floor_lamp~futuristic.off']);
  });

  it('paints the primary colour from the item and the object', () => {
    const sofa = newObject(room, item('sofa'), { x: 1, y: 1, w: 4, h: 2 });
    expect(painted(art, room, sofa)).toContain(room.theme.palette.fabric);
    expect(painted(art, room, { ...sofa, color_scheme: '#123456' })).toContain('#123456');
    expect(painted(art, room, sofa)).not.toContain('var(--');
  });

  it('stretches a drawing to its footprint, as room render does', () => {
    const strip = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 30"><rect width="80" height="30"/></svg>';
    expect(stretched(strip)).toBe('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 30" preserveAspectRatio="none"><rect width="80" height="30"/></svg>');
    // An owner's own setting gives way, once; a self-closing root and text without one survive.
    expect(stretched(`<svg viewBox="0 0 2 1" preserveAspectRatio='xMinYMin slice'/>`)).toBe('<svg viewBox="0 0 2 1" preserveAspectRatio="none"/>');
    expect(stretched('not a drawing')).toBe('not a drawing');
    expect(decodeURIComponent(svgUrl(strip))).toContain('preserveAspectRatio="none"');
    expect(stretched(stretched(strip))).toBe(stretched(strip));
  });

  it('turns a door on a side wall', () => {
    const door = newObject(room, item('door'), { x: 0, y: 5, w: 1, h: 3 });
    expect(painted(art, room, door)).toContain('rotate(90)');
  });

  it('guesses old objects from their names', () => {
    expect(guess(art, { ...object('x', 0, 0), name: 'Rocking Chair' })?.id).toBe('rocking_chair');
    expect(guess(art, { ...object('x', 0, 0), name: 'Reading lamp' })?.id).toBe('floor_lamp');
    expect(guess(art, { ...object('x', 0, 0), name: 'Mystery' })).toBeUndefined();
  });

  it('searches labels, keywords and categories', () => {
    expect(search(art, 'couch').map((i) => i.id)).toContain('sofa');
    expect(search(art, 'floor lamp').map((i) => i.id)).toEqual(['floor_lamp']);
    expect(search(art, 'zeppelin')).toEqual([]);
  });

  it('shares one class among objects drawn alike', () => {
    const sheet = new ArtSheet();
    const a = sheet.classFor('<svg/>');
    expect(sheet.classFor('<svg/>')).toBe(a);
    expect(sheet.classFor('<svg><rect/></svg>')).not.toBe(a);
    expect(sheet.size).toBe(2);
    expect(sheet.css).toContain('data:image/svg+xml');
  });
});
