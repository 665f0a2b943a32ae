// A server's releases as the Releases panel shows them: which one a rollback goes to, and
// which may be offered as a way back. A release that never served (it failed its health
// check) is never one, even when its folder is the newest; the app's `release_rollback`
// refuses it too.
import type { ReleaseEntry } from './types';

/** The release a rollback goes to: the newest one, other than the serving one, that served. */
export function wayBack(releases: readonly ReleaseEntry[]): ReleaseEntry | null {
  return releases.find((r) => !r.current && r.served) ?? null;
}

/** How a release is shown: serving, the way back, served before, or never served. */
export function releaseStatus(r: ReleaseEntry, releases: readonly ReleaseEntry[]): 'serving' | 'previous' | 'served' | 'never served' {
  if (r.current) return 'serving';
  if (!r.served) return 'never served';
  return wayBack(releases)?.version === r.version ? 'previous' : 'served';
}

/** Whether "Go back to this…" is offered for it. */
export function offeredAsWayBack(r: ReleaseEntry): boolean {
  return !r.current && r.served;
}
