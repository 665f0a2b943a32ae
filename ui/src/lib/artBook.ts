// The catalogue and its drawings, asked of the app once per run: they are built into it.
import { call } from './ipc';
import type { ArtBook } from './types';

let book: Promise<ArtBook> | null = null;

export function artBook(): Promise<ArtBook> {
  book ??= call<ArtBook>('room_art').catch((e) => {
    book = null; // asked again next time rather than failing for the rest of the run
    throw e;
  });
  return book;
}
