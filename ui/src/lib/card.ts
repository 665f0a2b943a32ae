// Editing a character card's JSON in place. The document is kept whole: the editor changes
// only the fields it shows, and every other key (extensions, unknown fields) stays as read.

export type CardDoc = Record<string, unknown>;

/** Where a card keeps its fields: `data` for V2 and V3, the top level for V1. */
export function fieldsOf(card: CardDoc): Record<string, unknown> {
  const spec = card.spec;
  if ((spec === 'chara_card_v2' || spec === 'chara_card_v3') && isObject(card.data)) {
    return card.data as Record<string, unknown>;
  }
  return card;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone(card: CardDoc): CardDoc {
  return structuredClone(card);
}

export const TEXT_FIELDS: { key: string; label: string; long: boolean }[] = [
  { key: 'name', label: 'Name', long: false },
  { key: 'creator', label: 'Creator', long: false },
  { key: 'character_version', label: 'Version', long: false },
  { key: 'description', label: 'Description', long: true },
  { key: 'personality', label: 'Personality', long: true },
  { key: 'scenario', label: 'Scenario', long: true },
  { key: 'first_mes', label: 'First message', long: true },
  { key: 'mes_example', label: 'Example messages', long: true },
  { key: 'system_prompt', label: 'System prompt', long: true },
  { key: 'post_history_instructions', label: 'Post-history instructions', long: true },
  { key: 'creator_notes', label: "Creator's notes", long: true },
];

export function text(card: CardDoc, key: string): string {
  const v = fieldsOf(card)[key];
  return typeof v === 'string' ? v : '';
}

export function setText(card: CardDoc, key: string, value: string): void {
  fieldsOf(card)[key] = value;
}

export function stringList(card: CardDoc, key: string): string[] {
  const v = fieldsOf(card)[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function setStringList(card: CardDoc, key: string, list: string[]): void {
  fieldsOf(card)[key] = list;
}

export interface LoreEntry {
  keys: string[];
  content: string;
  enabled: boolean;
  comment: string;
  [other: string]: unknown;
}

/** The lorebook's entries, created empty on first edit. Unknown entry keys stay. */
export function loreEntries(card: CardDoc): LoreEntry[] {
  const book = fieldsOf(card).character_book;
  if (!isObject(book) || !Array.isArray(book.entries)) return [];
  return book.entries.filter(isObject).map((e) => ({
    ...e,
    keys: Array.isArray(e.keys) ? e.keys.filter((k): k is string => typeof k === 'string') : [],
    content: typeof e.content === 'string' ? e.content : '',
    enabled: e.enabled !== false,
    comment: typeof e.comment === 'string' ? e.comment : '',
  }));
}

export function setLoreEntries(card: CardDoc, entries: LoreEntry[]): void {
  const fields = fieldsOf(card);
  const book = isObject(fields.character_book) ? fields.character_book : { entries: [] };
  fields.character_book = {
    ...book,
    entries: entries.map((e, i) => ({ insertion_order: i, extensions: {}, ...e })),
  };
}

export function newLoreEntry(): LoreEntry {
  return { keys: [], content: '', enabled: true, comment: '' };
}
