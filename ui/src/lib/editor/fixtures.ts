// Rooms and objects for the editor's unit tests.
import type { Room, RoomObject } from '../types';

export function object(id: string, x: number, y: number, w = 2, h = 1): RoomObject {
  return { id, name: id, kind: 'furniture', position_x: x, position_y: y, size_width: w, size_height: h, is_solid: true, is_interactive: true, is_movable: false };
}

export function room(objects: RoomObject[]): Room {
  return {
    format: 'deskmate.room/1',
    id: 't',
    name: 'T',
    grid: { width: 64, height: 16 },
    cell: { width: 20, height: 30 },
    theme: {
      name: 'modern',
      palette: {
        floor: '#000001', wall: '#000002', grid: '#000003', accent: '#000004', text: '#000005',
        wood: '#000006', fabric: '#000007', metal: '#000008', glass: '#000009', plant: '#00000a',
        light: '#00000b', screen: '#00000c',
      },
      custom: { cushion: '#d96c75' },
    },
    spawn: { x: 0, y: 0 },
    objects,
  };
}

/** The real art book, read from templates/objects as the app sends it. */
import catalogue from '../../../../templates/objects/catalogue.json';
import type { ArtBook, Catalogue, CatalogueItem } from '../types';

const svgs = import.meta.glob('../../../../templates/objects/*.svg', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export function book(): ArtBook {
  const drawings: Record<string, string> = {};
  for (const [path, svg] of Object.entries(svgs)) drawings[path.split('/').pop()!.replace(/\.svg$/, '')] = svg;
  return { catalogue: catalogue as unknown as Catalogue, drawings, textures: {} };
}

export function item(id: string): CatalogueItem {
  return book().catalogue.items.find((i) => i.id === id)!;
}
