// The one way the window talks to the app. Every command returns its report or throws an
// AppError carrying the api layer's {code, message, hint}; nothing else ever reaches the UI.
import { Channel, invoke } from '@tauri-apps/api/core';

export class AppError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly details: Record<string, string>;

  constructor(code: string, message: string, hint: string, details: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.hint = hint;
    this.details = details;
  }
}

/** Turns whatever a rejected invoke carried into an AppError with a plain message. */
export function toAppError(raw: unknown): AppError {
  if (raw instanceof AppError) return raw;
  if (raw && typeof raw === 'object' && 'code' in raw && 'message' in raw) {
    const e = raw as { code: string; message: string; hint?: string; details?: Record<string, string> };
    return new AppError(e.code, e.message, e.hint ?? '', e.details ?? {});
  }
  const text = raw instanceof Error ? raw.message : String(raw);
  if (/not allowed|ACL/i.test(text)) {
    return new AppError('ipc.not_allowed', 'The window is not allowed to do that.', 'Update DeskMate Studio; this is a bug.');
  }
  return new AppError('ipc.failed', 'DeskMate Studio could not finish that.', `Try again. If it keeps happening, look in the log. (${text})`);
}

export async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toAppError(raw);
  }
}

export interface Progress {
  done: number;
  total: number;
}

let taskCounter = 0;

/** A long task: progress as it goes, and a cancel that stops it at the next safe point. */
export function startTask<T, P = Progress>(
  command: string,
  args: Record<string, unknown>,
  onProgress: (p: P) => void,
): { result: Promise<T>; cancel: () => Promise<void> } {
  const taskId = `${command}-${Date.now()}-${++taskCounter}`;
  const channel = new Channel<P>();
  channel.onmessage = onProgress;
  const result = call<T>(command, { ...args, taskId, onProgress: channel });
  const cancel = async () => {
    await call('task_cancel', { id: taskId });
  };
  return { result, cancel };
}
