import { describe, expect, it } from 'vitest';
import type { ReleaseEntry } from './types';
import { offeredAsWayBack, releaseStatus, wayBack } from './releases';

const entry = (version: string, current: boolean, served: boolean): ReleaseEntry => ({
  version,
  source: 'the test bed',
  time: '2026-12-01T05:00:00Z',
  current,
  served,
});

// good-1, good-2 (serving), then broken, which failed its health check: newest first.
const afterAFailedUpdate = [entry('1.2.0-broken', false, false), entry('1.1.0', true, true), entry('1.0.0', false, true)];

describe('the way back', () => {
  it('is the newest release other than the serving one that served, never one that failed', () => {
    expect(wayBack(afterAFailedUpdate)?.version).toBe('1.0.0');
    expect(afterAFailedUpdate.map((r) => releaseStatus(r, afterAFailedUpdate))).toEqual(['never served', 'serving', 'previous']);
    expect(afterAFailedUpdate.map(offeredAsWayBack)).toEqual([false, false, true]);
  });

  it('is none when nothing else served', () => {
    const list = afterAFailedUpdate.slice(0, 2);
    expect(wayBack(list)).toBeNull();
    expect(list.some(offeredAsWayBack)).toBe(false);
  });

  it('names only the newest of several as previous', () => {
    const list = [...afterAFailedUpdate, entry('0.9.0', false, true)];
    expect(list.map((r) => releaseStatus(r, list))).toEqual(['never served', 'serving', 'previous', 'served']);
  });
});
