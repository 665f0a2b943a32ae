// Messages for the owner: errors with their hint, and short confirmations. Errors stay until
// dismissed; confirmations fade after a few seconds.
import { AppError, toAppError } from './ipc';
import { askToClearLock, lockOffered } from './deployLock.svelte';

export interface Notice {
  id: number;
  kind: 'error' | 'success' | 'info';
  message: string;
  hint?: string;
  code?: string;
  action?: { label: string; run: () => void };
}

let nextId = 0;

export const notices = $state<Notice[]>([]);

export function notify(kind: Notice['kind'], message: string, extra: Partial<Notice> = {}): number {
  const id = ++nextId;
  notices.push({ id, kind, message, ...extra });
  if (kind !== 'error') setTimeout(() => dismiss(id), 5000);
  return id;
}

/** A new page starts clean: what went wrong on the last one no longer applies here. */
export function dismissAll(): void {
  notices.splice(0, notices.length);
}

export function dismiss(id: number): void {
  const i = notices.findIndex((n) => n.id === id);
  if (i >= 0) notices.splice(i, 1);
}

/** An error with its hint, and the step it names when the app can take it from here. */
export function showError(raw: unknown): AppError {
  const err = toAppError(raw);
  const lock = lockOffered(err);
  const action = lock ? { label: 'Clear the lock…', run: () => askToClearLock(lock) } : undefined;
  notify('error', err.message, { hint: err.hint, code: err.code, action });
  return err;
}

/** Runs an action and turns any failure into a notice, so no raw error reaches the screen. */
export async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (raw) {
    showError(raw);
    return undefined;
  }
}
