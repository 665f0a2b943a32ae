import { describe, expect, it } from 'vitest';
import { OperationRun, type RunDeps } from './operationRun.svelte';
import { AppError } from './ipc';
import type { OperationMessage, OperationEvent } from './operation';

/** A task whose messages and answer the test gives by hand, and which records a cancel. */
function fakeTask() {
  let send: (m: OperationMessage) => void = () => {};
  let settle: { ok: (v: unknown) => void; fail: (e: unknown) => void } = { ok: () => {}, fail: () => {} };
  const calls: { command: string; args: Record<string, unknown> }[] = [];
  let cancelled = 0;
  const deps: RunDeps = {
    call: async <T>(command: string, args: Record<string, unknown>) => {
      calls.push({ command, args });
      if (command === 'refuse') throw { code: 'release.bad', message: 'not a release file', hint: 'Choose another.' };
      return { plan: [{ id: 'lock', title: 'Lock' }, { id: 'files', title: 'Files' }], version: '1.2.0' } as T;
    },
    startTask: <T>(command: string, args: Record<string, unknown>, onMessage: (m: OperationMessage) => void) => {
      calls.push({ command, args });
      send = onMessage;
      const result = new Promise<T>((ok, fail) => (settle = { ok: ok as (v: unknown) => void, fail }));
      return { result, cancel: async () => void cancelled++ };
    },
    now: () => 42,
  };
  return {
    deps,
    calls,
    emit: (event: OperationEvent) => send({ event }),
    raw: (message: unknown) => send(message as OperationMessage),
    answer: (v: unknown) => settle.ok(v),
    reject: (e: unknown) => settle.fail(e),
    cancelled: () => cancelled,
  };
}

describe('OperationRun', () => {
  it('asks for the plan with plan: true and waits for the confirm', async () => {
    const t = fakeTask();
    const op = new OperationRun(t.deps);
    const report = await op.plan<{ plan: { id: string; title: string }[]; version: string }>('server_install', { name: 'vps' });
    expect(report.version).toBe('1.2.0');
    expect(t.calls).toEqual([{ command: 'server_install', args: { name: 'vps', plan: true } }]);
    expect(op.state.phase).toBe('planned');
    expect(op.state.steps.map((s) => s.id)).toEqual(['lock', 'files']);
  });

  it('a refused plan goes back to nothing, and the panel gets the AppError', async () => {
    const op = new OperationRun(fakeTask().deps);
    await expect(op.plan('refuse', {})).rejects.toBeInstanceOf(AppError);
    expect(op.state.phase).toBe('idle');
  });

  it('runs: each { event } goes into the model, other messages are ignored, the report comes back', async () => {
    const t = fakeTask();
    const op = new OperationRun(t.deps);
    const done = op.run<{ ok: number }>('server_backup_create', { name: 'vps' }, 'Backing up vps');
    expect(op.busy).toBe(true);
    t.emit({ kind: 'plan', operation: 'backup', steps: [{ id: 'backup', title: 'Back up' }] });
    t.emit({ kind: 'started', step: 'backup', title: 'Back up' });
    t.raw({ part: 'database', detail: 'old shape' });
    t.raw({ step: { id: 'x' } });
    t.emit({ kind: 'note', step: 'backup', detail: 'database: 2 tables' });
    expect(op.state.steps[0]).toMatchObject({ status: 'running', notes: ['database: 2 tables'], lastSignAt: 42 });
    t.emit({ kind: 'finished', step: 'backup', changed: true, detail: 'made' });
    t.emit({ kind: 'done', outcome: 'succeeded', state: 'Done.' });
    t.answer({ ok: 1 });
    expect(await done).toEqual({ ok: 1 });
    expect(op.state.phase).toBe('succeeded');
    expect(op.busy).toBe(false);
  });

  it('stops: cancelling at once, the task cancelled, and the rejection is the cancel', async () => {
    const t = fakeTask();
    const op = new OperationRun(t.deps);
    const done = op.run('server_install', {}, 'Installing');
    t.emit({ kind: 'plan', operation: 'install', steps: [{ id: 'files', title: 'Files' }] });
    t.emit({ kind: 'started', step: 'files', title: 'Files' });
    await op.stop();
    expect(op.state.phase).toBe('cancelling');
    expect(t.cancelled()).toBe(1);
    await op.stop(); // a second press does nothing more
    expect(t.cancelled()).toBe(1);
    t.emit({ kind: 'failed', step: 'files', code: 'ssh.cancelled', message: 'the operation was cancelled' });
    t.emit({ kind: 'undone', step: 'files', ok: true, detail: 'removed' });
    t.emit({ kind: 'done', outcome: 'cancelled', state: 'Nothing on the server was changed.' });
    t.reject({ code: 'ssh.cancelled', message: 'the operation was cancelled', hint: '' });
    await expect(done).rejects.toMatchObject({ code: 'ssh.cancelled' });
    expect(op.state.phase).toBe('cancelled');
    expect(op.state.error?.code).toBe('ssh.cancelled');
  });

  it('refuses a second run while one is under way', async () => {
    const t = fakeTask();
    const op = new OperationRun(t.deps);
    void op.run('server_install', {}, 'Installing');
    await expect(op.run('server_maintain', {}, 'Maintaining')).rejects.toMatchObject({ code: 'app.busy' });
    expect(t.calls).toHaveLength(1);
  });

  it('keeps the error with its details for the result', async () => {
    const t = fakeTask();
    const op = new OperationRun(t.deps);
    const done = op.run('server_release_deploy', {}, 'Updating');
    t.reject({ code: 'release.locked', message: 'held', hint: 'Clear it.', details: { step: 'lock', action: 'clear_deploy_lock', server: 'vps' } });
    await expect(done).rejects.toBeInstanceOf(AppError);
    expect(op.state).toMatchObject({ phase: 'failed', error: { code: 'release.locked', hint: 'Clear it.', details: { step: 'lock' } } });
    op.reset();
    expect(op.state.phase).toBe('idle');
  });
});
