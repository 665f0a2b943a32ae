import { describe, expect, it } from 'vitest';
import { AppError } from './ipc';
import { dismissAll, notices, showError } from './notices.svelte';
import { clearing } from './deployLock.svelte';

describe('an error that names a next step', () => {
  it('offers to clear a deploy lock left behind, and the button opens the dialog for that lock', () => {
    dismissAll();
    showError(new AppError('release.locked', 'Another change is under way on this server', 'Wait for it to finish.', { action: 'clear_deploy_lock', server: 'home', environment: 'production' }));
    const [notice] = notices;
    expect(notice.code).toBe('release.locked');
    expect(notice.action?.label).toBe('Clear the lock…');
    notice.action?.run();
    expect(clearing.place).toEqual({ server: 'home', environment: 'production' });
  });
  it('offers nothing for an error without that step', () => {
    dismissAll();
    showError(new AppError('ssh.timeout', 'slow', 'try again'));
    expect(notices[0].action).toBeUndefined();
  });
});
