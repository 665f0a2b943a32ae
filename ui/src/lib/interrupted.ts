// A change cut off midway (the app closed, the computer died, the connection dropped), as
// Home shows it: what was happening, by whom, how far it got, the server's state now, and
// the ways forward the app offers (`server_interrupted`); each runs through the one operation
// view (`server_recover`). The words and the rules here are pure and unit-tested; the api
// reads the server and chooses the ways.
import type { Home, HomeLevel, Interrupted, Recovered, Way } from './types';

const capital = (text: string): string => (text ? text[0].toUpperCase() + text.slice(1) : text);

/** "An update to DeskMate 1.1.0, from 1.0.0, was cut off". */
export function title(seen: Interrupted): string {
  return `${capital(seen.what)}${seen.what.includes(',') ? ',' : ''} ${seen.liveness === 'working' ? 'is under way' : 'was cut off'}`;
}

/** The backend versions answering now, each once, in order. */
export function answeringVersions(seen: Interrupted): string[] {
  return [...new Set(seen.answering.filter((a) => a.service === 'backend').map((a) => a.version))].sort();
}

export interface HomeStatusShown {
  heading: string;
  reason: string;
  fix: string | null;
  level: HomeLevel;
}

/**
 * Home's status while a change is interrupted: never a plain "Healthy" (the health check
 * may pass while two versions answer in turn); a server that is down stays down.
 */
export function homeStatus(home: Home, seen: Interrupted | null, levelWord: Record<HomeLevel, string>): HomeStatusShown {
  const plain = { heading: levelWord[home.status.level], reason: home.status.reason, fix: home.status.fix, level: home.status.level };
  if (!seen || home.status.level === 'down' || home.status.level === 'not_installed') return plain;
  if (seen.liveness === 'working') {
    return { heading: 'A change is under way', reason: `${capital(seen.what)}: ${seen.liveness_words}`, fix: null, level: 'warning' };
  }
  return {
    heading: seen.mixed ? 'Two versions answer at once' : 'A change was cut off',
    reason: `${title(seen)}. ${seen.state}`,
    fix: 'Choose a way forward below: finish it, undo it, or clear the lock.',
    level: 'warning',
  };
}

/** Home's line about the release: both versions when two answer, not only the one recorded. */
export function releaseLine(home: Home, seen: Interrupted | null): string | null {
  const versions = seen ? answeringVersions(seen) : [];
  if (seen && versions.length > 1) {
    return `DeskMate ${versions.join(' and ')} answer at once; the server counts ${seen.current ?? 'none of them'} as the one it runs.`;
  }
  return home.release ? `DeskMate ${home.release} is running.` : null;
}

/** What `server_recover` takes for `way`, exactly as it was shown (the lock by its time). */
export function recoverArgs(seen: Interrupted, way: Way): Record<string, unknown> {
  return { name: seen.server, environment: seen.environment, way: way.kind, to: way.to, lockTaken: seen.lock.holder.taken };
}

export const MAY_BE_WORKING = 'The program that took the lock may still be working: only go ahead if you know nothing is changing the server now.';

const CONFIRM: Record<Way['kind'], string> = { finish: 'Finish', undo: 'Go back', run_again: 'Run again', clear: 'Clear the lock' };

/** The question before a way runs. */
export function askFor(seen: Interrupted, way: Way): { title: string; message: string; confirmLabel: string } {
  const careful = seen.liveness === 'gone' ? '' : ` ${MAY_BE_WORKING}`;
  return { title: `${way.label}?`, message: `${way.does} Afterwards: ${way.effect}${careful}`, confirmLabel: CONFIRM[way.kind] };
}

/** The operation view's label while a way runs. */
export function runLabel(seen: Interrupted, way: Way): string {
  return `${way.label} (${seen.server})`;
}

/** What the owner is told once a way has run. */
export function doneWords(seen: Interrupted, way: Way, done: Recovered): string {
  const lock = done.cleared ? 'The deploy lock is cleared' : 'The deploy lock had been cleared already';
  if (done.update) return `${lock}, and ${seen.server} now runs DeskMate ${done.update.version} alone, healthy.`;
  if (done.maintenance) return `${lock}, and maintenance ran to the end.`;
  return `${lock}. ${way.effect}`;
}
