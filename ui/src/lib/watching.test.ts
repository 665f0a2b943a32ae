import { describe, expect, it } from 'vitest';
import { newChanges } from './watching.svelte';
import type { WatchEvent } from './types';

const event = (time: string, from: WatchEvent['from'], to: WatchEvent['to']): WatchEvent => ({ time, check: 'services', from, to, message: 'm' });

describe('newChanges', () => {
  const events = [
    event('2026-12-02T10:00:00Z', null, 'ok'),
    event('2026-12-02T10:05:00Z', 'ok', 'fail'),
    event('2026-12-02T10:10:00Z', 'fail', 'ok'),
  ];
  it('replays nothing on a first read', () => {
    expect(newChanges(events, null)).toEqual([]);
  });
  it('gives the changes after the last one seen, not first rounds', () => {
    expect(newChanges(events, '2026-12-02T10:00:00Z').map((e) => e.to)).toEqual(['fail', 'ok']);
    expect(newChanges(events, '2026-12-02T10:10:00Z')).toEqual([]);
  });
});
