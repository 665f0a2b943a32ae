import { describe, expect, it } from 'vitest';
import { MAY_BE_WORKING, answeringVersions, askFor, doneWords, homeStatus, recoverArgs, releaseLine, title } from './interrupted';
import type { Home, HomeLevel, Interrupted, Way } from './types';

const undo: Way = {
  kind: 'undo', label: 'Undo: go back to 1.0.0', does: 'Clears the lock, then puts 1.0.0 back.', effect: '1.0.0 serves alone.',
  to: '1.0.0', runs: 'update', recommended: true,
};
const clear: Way = { kind: 'clear', label: 'Only clear the lock', does: 'Removes the lock.', effect: 'Changes can start again.', to: null, runs: 'nothing', recommended: false };

const seen = (over: Partial<Interrupted> = {}): Interrupted => ({
  server: 'vps',
  environment: 'production',
  lock: {
    holder: { who: 'bob@desk', action: 'update 1.1.0', seconds: 14, taken: 1_780_000_000, host: 'desk', pid: 42 },
    description: 'bob@desk, for update 1.1.0, since 14 s ago', gone_from_here: true, environment: 'production',
  },
  liveness: 'gone',
  liveness_words: 'It was started on this computer by a program that is no longer running.',
  run: null,
  what: 'an update to DeskMate 1.1.0, from 1.0.0',
  versions: { to: '1.1.0', from: '1.0.0' },
  progress: 'It had finished: a; b.',
  current: '1.0.0',
  answering: [
    { service: 'backend', version: '1.1.0', health: 'healthy' },
    { service: 'backend', version: '1.0.0', health: 'healthy' },
    { service: 'frontend', version: '1.0.0', health: 'healthy' },
  ],
  mixed: true,
  state: 'Two versions of DeskMate answer at once: 1.0.0 and 1.1.0.',
  ways: [undo, clear],
  ...over,
});

const levelWord: Record<HomeLevel, string> = { healthy: 'Healthy', warning: 'Needs a look', down: 'Down', not_installed: 'Not installed yet' };
const home = (level: HomeLevel): Home => ({
  server: 'vps', status: { level, reason: 'Every service is running and the companion answers.', fix: null }, address: null, release: '1.0.0',
  update: null, last_verified_backup: null, alerts: [], alert_email: null, room: null, persona: null, checklist: [], live: true, lock: null,
});

describe('a change cut off midway', () => {
  it('is said in the owner words, with the versions answering', () => {
    expect(title(seen())).toBe('An update to DeskMate 1.1.0, from 1.0.0, was cut off');
    expect(title(seen({ what: 'maintenance', liveness: 'working' }))).toBe('Maintenance is under way');
    expect(answeringVersions(seen())).toEqual(['1.0.0', '1.1.0']);
  });

  it('never leaves Home saying Healthy plainly, and a server that is down stays down', () => {
    expect(homeStatus(home('healthy'), null, levelWord).heading).toBe('Healthy');
    const shown = homeStatus(home('healthy'), seen(), levelWord);
    expect(shown.heading).toBe('Two versions answer at once');
    expect(shown.level).toBe('warning');
    expect(shown.reason).toBe('An update to DeskMate 1.1.0, from 1.0.0, was cut off. Two versions of DeskMate answer at once: 1.0.0 and 1.1.0.');
    expect(homeStatus(home('healthy'), seen({ mixed: false }), levelWord).heading).toBe('A change was cut off');
    expect(homeStatus(home('healthy'), seen({ liveness: 'working' }), levelWord).heading).toBe('A change is under way');
    expect(homeStatus(home('down'), seen(), levelWord).heading).toBe('Down');
  });

  it('names both versions on the release line while two answer', () => {
    expect(releaseLine(home('warning'), seen())).toBe('DeskMate 1.0.0 and 1.1.0 answer at once; the server counts 1.0.0 as the one it runs.');
    expect(releaseLine(home('healthy'), null)).toBe('DeskMate 1.0.0 is running.');
    expect(releaseLine(home('warning'), seen({ answering: [{ service: 'backend', version: '1.0.0', health: 'healthy' }] }))).toBe('DeskMate 1.0.0 is running.');
  });

  it('asks before a way runs, more carefully when the holder may still work', () => {
    const asked = askFor(seen(), undo);
    expect(asked).toEqual({ title: 'Undo: go back to 1.0.0?', message: 'Clears the lock, then puts 1.0.0 back. Afterwards: 1.0.0 serves alone.', confirmLabel: 'Go back' });
    expect(askFor(seen({ liveness: 'unknown' }), clear).message).toContain(MAY_BE_WORKING);
    expect(askFor(seen(), clear).confirmLabel).toBe('Clear the lock');
  });

  it('acts only on the lock and the way shown', () => {
    expect(recoverArgs(seen(), undo)).toEqual({ name: 'vps', environment: 'production', way: 'undo', to: '1.0.0', lockTaken: 1_780_000_000 });
    expect(recoverArgs(seen(), clear).to).toBeNull();
  });

  it('says what became of it', () => {
    const update = { server: 'vps', environment: 'production', version: '1.0.0', previous: '1.1.0', plan: [], planned_only: false, backup: null, steps: [], elapsed_ms: 0 };
    expect(doneWords(seen(), undo, { server: 'vps', environment: 'production', way: 'undo', cleared: true, update, maintenance: null })).toBe(
      'The deploy lock is cleared, and vps now runs DeskMate 1.0.0 alone, healthy.',
    );
    expect(doneWords(seen(), clear, { server: 'vps', environment: 'production', way: 'clear', cleared: false, update: null, maintenance: null })).toBe(
      'The deploy lock had been cleared already. Changes can start again.',
    );
  });
});
