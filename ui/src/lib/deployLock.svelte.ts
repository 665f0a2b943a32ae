// The server's deploy lock, as the owner meets it: a change refused because a change that
// was cut off left the lock behind, or Home showing it held. Either offers "Clear the lock…",
// which opens one dialog for the whole app (ClearLockDialog): who holds it and since when,
// what clearing means, and only then server_lock_clear.
import type { HeldLock } from './types';

/** The action a refused change's error names when it may offer to clear the lock. */
export const CLEAR_LOCK_ACTION = 'clear_deploy_lock';

export type Environment = 'production' | 'staging';

/** Which lock: a server's production or staging stack. */
export interface LockPlace {
  server: string;
  environment: Environment;
}

/** What the owner is told before clearing, in every place that offers it. */
export const CLEAR_WARNING =
  'Only do this if nothing is changing the server now: a change that was cut off may have left it part-way. After clearing, run the change again; it finishes or puts back what was left.';

export const GONE_FROM_HERE = 'The program that took it is no longer running on this computer, so nothing is working on the server now.';

/** The lock a refused change's error offers to clear, or null when it offers nothing. */
export function lockOffered(err: { details?: Record<string, string> }): LockPlace | null {
  const d = err.details ?? {};
  if (d.action !== CLEAR_LOCK_ACTION || !d.server) return null;
  return { server: d.server, environment: d.environment === 'staging' ? 'staging' : 'production' };
}

/** "14 s", "3 min", "5 h", "2 days": the holder's age as the CLI and the api say it. */
export function ago(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} days`;
}

/** Who, what and since when, one line each, for the warning and the dialog. */
export function lockFacts(held: HeldLock): { who: string; what: string; since: string } {
  return {
    who: held.holder.who || 'someone',
    what: held.holder.action || 'a change that did not say what it was',
    since: `${ago(held.holder.seconds)} ago`,
  };
}

/** The one dialog's request: which lock, and what to do once it is cleared. */
export const clearing = $state<{ place: LockPlace | null; onCleared: (() => void) | null }>({ place: null, onCleared: null });

/** Opens the dialog that shows who holds the lock and asks before clearing it. */
export function askToClearLock(place: LockPlace, onCleared?: () => void): void {
  clearing.place = place;
  clearing.onCleared = onCleared ?? null;
}
