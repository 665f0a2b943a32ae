import { describe, expect, it } from 'vitest';
import { changeWords, closeQuestion } from './closing';

describe('closing while a server changes', () => {
  it('names the server and the change, and says what stopping does', () => {
    expect(closeQuestion([{ id: 't1', command: 'server_release_rollback', server: 'home' }])).toBe(
      'A change to home is under way (a rollback). Closing now stops it: what it changed is put back first, which can take a minute.',
    );
  });
  it('lists several changes at once', () => {
    const text = closeQuestion([
      { id: 't1', command: 'server_release_deploy', server: 'home' },
      { id: 't2', command: 'server_backup_create', server: 'vps' },
    ]);
    expect(text).toContain('home (an update), vps (a backup)');
    expect(text).toContain('Closing now stops them');
  });
  it('has words for an unknown command too', () => {
    expect(changeWords('server_something_new')).toBe('a change');
    expect(changeWords('server_recover')).toBe('finishing or undoing a change that was cut off');
  });
});
