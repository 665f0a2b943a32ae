// Object art in the editor: which drawing draws an object and its colours. The rules are the
// room engine's (crates/rooms/src/art.rs), so the editor and `room render` draw the same
// picture; the art itself comes from the app once (`room_art`). Pure: no DOM.
import type { ArtBook, CatalogueItem, Room, RoomObject } from '../types';
import { KIND_ROLE } from './geometry';

const FALLBACK = 'box';

/** The catalogue item an object is drawn as: its `art`, else a guess from its name. */
export function artName(book: ArtBook, o: RoomObject): string {
  if (o.art) return o.art;
  return guess(book, o)?.id ?? FALLBACK;
}

/** Same matching as `Catalogue::guess`: two-word labels first, then single words from the end. */
export function guess(book: ArtBook, o: RoomObject): CatalogueItem | undefined {
  const text = `${o.name} ${o.object_type ?? ''}`.toLowerCase();
  const items = book.catalogue.items;
  const byLabel = items.find((i) => i.label.includes(' ') && text.includes(i.label.toLowerCase()));
  if (byLabel) return byLabel;
  const words = text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 2).reverse();
  for (const word of words) {
    const item = items.find((i) => i.id === word || i.label.toLowerCase() === word || i.keywords.includes(word));
    if (item) return item;
  }
  return undefined;
}

/** The unpainted SVG that draws `o`: the owner's picture, else the most specific drawing. */
export function chooseDrawing(book: ArtBook, room: Room, o: RoomObject): string {
  const pictures = room.pictures ?? {};
  if (o.sprite_name && pictures[o.sprite_name]) return pictureSvg(pictures[o.sprite_name]);
  const art = artName(book, o);
  const theme = room.theme.name;
  const names: string[] = [];
  // States in key order, as the engine's BTreeMap walks them.
  for (const key of Object.keys(o.states ?? {}).sort()) {
    const value = o.states![key];
    names.push(`${art}~${theme}.${value}`, `${art}.${value}`);
  }
  names.push(`${art}~${theme}`, art);
  for (const name of names) {
    const carried = pictures[`${name}.svg`];
    if (carried && 'svg' in carried) return carried.svg;
    const builtIn = book.drawings[name];
    if (builtIn) return builtIn;
  }
  return book.drawings[FALLBACK];
}

type PictureValue = NonNullable<Room['pictures']>[string];

function pictureSvg(picture: PictureValue): string {
  if ('svg' in picture) return picture.svg;
  const [w, h] = pngSize(picture.png) ?? [1, 1];
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}"><image width="${w}" height="${h}" preserveAspectRatio="none" href="data:image/png;base64,${picture.png}"/></svg>`;
}

/** Width and height from a base64 PNG's header. */
function pngSize(base64: string): [number, number] | null {
  try {
    const head = atob(base64.slice(0, 32));
    if (head.slice(12, 16) !== 'IHDR') return null;
    const word = (at: number) => ((head.charCodeAt(at) << 24) | (head.charCodeAt(at + 1) << 16) | (head.charCodeAt(at + 2) << 8) | head.charCodeAt(at + 3)) >>> 0;
    return [word(16), word(20)];
  } catch {
    return null;
  }
}

/** A palette role, custom name or #rrggbb as #rrggbb; grey when it names nothing. */
function resolve(room: Room, ref: string): string {
  if (/^#[0-9a-fA-F]{6}$/.test(ref)) return ref;
  const roles = room.theme.palette as unknown as Record<string, string>;
  return roles[ref] ?? room.theme.custom?.[ref] ?? '#808080';
}

/** The engine's shades: dark is ×0.62, light is 35% of the way to white. */
export function shade(hex: string, how: 'dark' | 'light'): string {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const out = channels.map((c) => Math.round(how === 'dark' ? c * 0.62 : c + (255 - c) * 0.35));
  return '#' + out.map((c) => c.toString(16).padStart(2, '0')).join('');
}


/** What each `var(--name)` in an object's drawing stands for. */
export function coloursFor(book: ArtBook, room: Room, o: RoomObject): (name: string) => string {
  const item = book.catalogue.items.find((i) => i.id === artName(book, o));
  const primary = resolve(room, o.color_scheme ?? item?.color ?? KIND_ROLE[o.kind]);
  const secondary = resolve(room, item?.secondary ?? 'wood');
  return roleColours(room, primary, secondary);
}

/** The room's own colours, for floors and walls. */
export function roomColours(room: Room): (name: string) => string {
  return roleColours(room, resolve(room, 'floor'), resolve(room, 'wall'));
}

function roleColours(room: Room, primary: string, secondary: string): (name: string) => string {
  return (name) => {
    const m = name.match(/^(.*)-(dark|light)$/);
    const base = m ? m[1] : name;
    const colour = base === 'primary' ? primary : base === 'secondary' ? secondary : resolve(room, base);
    return m ? shade(colour, m[2] as 'dark' | 'light') : colour;
  };
}

/** `svg` with each `var(--name)` replaced by its colour. */
export function paint(svg: string, colour: (name: string) => string): string {
  return svg.replace(/var\(--([A-Za-z0-9_-]+)\)/g, (_, name: string) => colour(name));
}

function viewBoxSize(svg: string): [number, number] | null {
  const m = svg.match(/viewBox="0[ ,]+0[ ,]+([\d.]+)[ ,]+([\d.]+)"/);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** A landscape drawing turned a quarter, for a door or window on a side wall. */
function quarterTurn(svg: string): string | null {
  const size = viewBoxSize(svg);
  if (!size || size[0] <= size[1]) return null;
  const [w, h] = size;
  const root = svg.indexOf('<svg');
  const start = svg.indexOf('>', root) + 1;
  const end = svg.lastIndexOf('</svg>');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${h} ${w}"><g transform="translate(${h} 0) rotate(90)">${svg.slice(start, end)}</g></svg>`;
}

/** The painted SVG that draws `o`, as the engine's `art::painted` makes it. */
export function painted(book: ArtBook, room: Room, o: RoomObject): string {
  const svg = paint(chooseDrawing(book, room, o), coloursFor(book, room, o));
  const sideWall = (o.kind === 'door' || o.kind === 'window') && o.size_height * room.cell.height > o.size_width * room.cell.width;
  return (sideWall && quarterTurn(svg)) || svg;
}

/** A CSS `url(…)` for an SVG, stretched to fill its box (see `stretched`). */
export function svgUrl(svg: string): string {
  return `url("data:image/svg+xml,${encodeURIComponent(stretched(svg))}")`;
}

/**
 * `svg` told to fill whatever box it is drawn in, as `room render` draws every drawing and
 * texture. An SVG's own default keeps its shape and centres it, so a 24-cell light strip drawn
 * for 4 cells showed as a 4-cell strip in the middle of its footprint.
 */
export function stretched(svg: string): string {
  const root = svg.indexOf('<svg');
  if (root < 0) return svg;
  let end = svg.indexOf('>', root);
  if (end < 0) return svg;
  if (svg[end - 1] === '/') end -= 1;
  const tag = svg.slice(root, end).replace(/\s+preserveAspectRatio\s*=\s*("[^"]*"|'[^']*')/, '');
  return `${svg.slice(0, root)}${tag} preserveAspectRatio="none"${svg.slice(end)}`;
}

/**
 * Gives each distinct painted drawing a class name and keeps the style sheet that draws it,
 * so a thousand objects share a few dozen images (the browser decodes each once) instead of
 * each carrying a long data URL in its style attribute.
 */
export class ArtSheet {
  private classes = new Map<string, string>();
  private rules: string[] = [];

  /** `prefix` keeps two sheets on one page from sharing class names. */
  constructor(private prefix = 'art') {}

  classFor(svg: string): string {
    let name = this.classes.get(svg);
    if (!name) {
      name = `${this.prefix}-${this.classes.size}`;
      this.classes.set(svg, name);
      this.rules.push(`.${name}{background-image:${svgUrl(svg)}}`);
    }
    return name;
  }

  get css(): string {
    return this.rules.join('\n');
  }

  get size(): number {
    return this.classes.size;
  }
}

/** Items whose label, id, category or keywords contain every word of `query`. */
export function search(book: ArtBook, query: string): CatalogueItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return book.catalogue.items.filter((i) => {
    const hay = `${i.label.toLowerCase()} ${i.id.replace(/_/g, ' ')} ${i.category} ${i.keywords.join(' ')}`;
    return words.every((w) => hay.includes(w));
  });
}
