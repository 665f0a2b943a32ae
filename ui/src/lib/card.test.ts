import { describe, expect, it } from 'vitest';
import { clone, fieldsOf, loreEntries, newLoreEntry, setLoreEntries, setStringList, setText, stringList, text } from './card';

const v3 = {
  spec: 'chara_card_v3',
  spec_version: '3.0',
  data: {
    name: 'Aria',
    alternate_greetings: ['Hi', 2, 'Hey'],
    extensions: { depth_prompt: { depth: 4 } },
    character_book: { name: 'World', entries: [{ keys: ['moon'], content: 'The moon is near.', unknown_key: 1 }] },
  },
  x_vendor: { keep: true },
};

describe('card editing', () => {
  it('reads V2/V3 fields from data and V1 fields from the top level', () => {
    expect(text(v3, 'name')).toBe('Aria');
    expect(text({ name: 'Old', description: 'v1' }, 'description')).toBe('v1');
    expect(fieldsOf({ spec: 'chara_card_v2', data: 'broken' })).toEqual({ spec: 'chara_card_v2', data: 'broken' });
  });

  it('changes only what it edits and keeps unknown keys', () => {
    const card = clone(v3);
    setText(card, 'description', 'New');
    setStringList(card, 'alternate_greetings', ['Hello']);
    expect(card.x_vendor).toEqual({ keep: true });
    expect((card.data as Record<string, unknown>).extensions).toEqual({ depth_prompt: { depth: 4 } });
    expect(text(card, 'description')).toBe('New');
    expect(stringList(card, 'alternate_greetings')).toEqual(['Hello']);
    expect(stringList(v3, 'alternate_greetings')).toEqual(['Hi', 'Hey']);
  });

  it('edits lorebook entries, keeping the book and each entry\'s other keys', () => {
    const card = clone(v3);
    const entries = loreEntries(card);
    expect(entries[0]).toMatchObject({ keys: ['moon'], enabled: true, unknown_key: 1 });
    entries[0].content = 'Changed';
    entries.push({ ...newLoreEntry(), keys: ['sun'], content: 'Warm.' });
    setLoreEntries(card, entries);
    const book = (card.data as Record<string, any>).character_book;
    expect(book.name).toBe('World');
    expect(book.entries).toHaveLength(2);
    expect(book.entries[0]).toMatchObject({ content: 'Changed', unknown_key: 1, insertion_order: 0 });
    expect(book.entries[1]).toMatchObject({ keys: ['sun'], insertion_order: 1 });
  });
});
