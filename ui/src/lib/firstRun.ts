// The first-run path's rules, apart from the page that shows it: its steps, the name a new
// server gets, where a left path resumes, and what is kept between visits (only the step and
// the server's name: never a secret).
import type { Home } from './types';

export const STEPS = [
  { id: 'server', title: 'Your server' },
  { id: 'trust', title: 'Is this your server?' },
  { id: 'check', title: 'Can it run DeskMate?' },
  { id: 'address', title: 'Your address' },
  { id: 'install', title: 'Install' },
  { id: 'backups', title: 'Backups' },
  { id: 'alerts', title: 'Alerts' },
  { id: 'companion', title: 'Your companion' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];

/** The profile name for a host: what the owner typed, made plain (letters, digits, `.`, `-`). */
export function serverNameFor(host: string): string {
  const plain = host
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return plain || 'my-server';
}

/** A name not yet taken: `base`, else `base-2`, `base-3`… */
export function freeName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base.slice(0, 60)}-${n}`;
    if (!taken.includes(name)) return name;
  }
}

export interface Saved {
  server: string;
  step: StepId;
}

const KEY = 'deskmate.firstRun';

export function load(storage: Pick<Storage, 'getItem'>): Saved | null {
  try {
    const saved = JSON.parse(storage.getItem(KEY) ?? 'null');
    if (saved && typeof saved.server === 'string' && STEPS.some((s) => s.id === saved.step)) return saved;
  } catch {
    // A damaged entry only means starting at the beginning.
  }
  return null;
}

export function save(storage: Pick<Storage, 'setItem' | 'removeItem'>, saved: Saved | null) {
  if (saved) storage.setItem(KEY, JSON.stringify(saved));
  else storage.removeItem(KEY);
}

/**
 * Where a path left at `saved.step` goes on, from what the server says now: a step whose
 * result is already there is not asked again, and one whose result went missing (DeskMate
 * removed by hand, say) is asked again.
 */
export function resumeAt(saved: StepId, home: Home): StepId {
  const index = (id: StepId) => STEPS.findIndex((s) => s.id === id);
  if (home.status.level === 'not_installed') return index(saved) < index('check') ? saved : 'check';
  if (!home.last_verified_backup) return 'backups';
  if (index(saved) <= index('backups')) return 'alerts';
  return saved;
}

/** The step after `id`. */
export function next(id: StepId): StepId | null {
  const i = STEPS.findIndex((s) => s.id === id);
  return i + 1 < STEPS.length ? STEPS[i + 1].id : null;
}
