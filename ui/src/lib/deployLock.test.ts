import { describe, expect, it } from 'vitest';
import { ago, askToClearLock, clearing, lockFacts, lockOffered } from './deployLock.svelte';
import type { HeldLock } from './types';

const held = (seconds: number, action = 'update to 1.2.0'): HeldLock => ({
  holder: { who: 'alice@laptop', action, seconds, taken: 0, host: 'laptop', pid: 42 },
  description: 'alice@laptop, for update to 1.2.0, since 3 min ago',
  gone_from_here: true,
  environment: 'production',
});

describe('the deploy lock', () => {
  it('is offered for clearing only when the error names the action and the server', () => {
    expect(lockOffered({ details: { action: 'clear_deploy_lock', server: 'home', environment: 'staging' } })).toEqual({ server: 'home', environment: 'staging' });
    expect(lockOffered({ details: { action: 'clear_deploy_lock', server: 'home' } })).toEqual({ server: 'home', environment: 'production' });
    expect(lockOffered({ details: { action: 'restore_backup', server: 'home' } })).toBeNull();
    expect(lockOffered({ details: { action: 'clear_deploy_lock' } })).toBeNull();
    expect(lockOffered({})).toBeNull();
  });
  it('says since when as the CLI does', () => {
    expect(ago(14)).toBe('14 s');
    expect(ago(185)).toBe('3 min');
    expect(ago(3 * 3600)).toBe('3 h');
    expect(ago(3 * 86_400)).toBe('3 days');
  });
  it('says who, what and since when', () => {
    expect(lockFacts(held(185))).toEqual({ who: 'alice@laptop', what: 'update to 1.2.0', since: '3 min ago' });
    expect(lockFacts(held(5, '')).what).toBe('a change that did not say what it was');
  });
  it('opens one dialog for the lock asked about', () => {
    let cleared = false;
    askToClearLock({ server: 'home', environment: 'production' }, () => (cleared = true));
    expect(clearing.place).toEqual({ server: 'home', environment: 'production' });
    clearing.onCleared?.();
    expect(cleared).toBe(true);
  });
});
