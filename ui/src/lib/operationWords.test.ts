import { describe, expect, it } from 'vitest';
import { initial, reduce, type OperationState, type OperationEvent, type StepView } from './operation';
import { duration, formatBytes, ownerHint, percent, progressWords, stepWords, stillWorking, summary, technicalText } from './operationWords';

const base: StepView = {
  id: 'images', title: 'Bring the images', planned: true, status: 'pending', changed: null, detail: '', notes: [], progress: null,
  startedAt: null, lastSignAt: null, beat: null, error: null, undo: null,
};
const with_ = (s: Partial<StepView>): StepView => ({ ...base, ...s });

describe('progress in words', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * 2 ** 20)).toBe('12.0 MiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });

  it('says how far, with the total when known', () => {
    expect(progressWords({ done: 12 * 2 ** 20, total: 40 * 2 ** 20, unit: 'bytes' })).toBe('12.0 MiB of 40.0 MiB');
    expect(progressWords({ done: 12 * 2 ** 20, total: null, unit: 'bytes' })).toBe('12.0 MiB so far');
    expect(progressWords({ done: 1200, total: 5000, unit: 'rows' })).toBe('1,200 of 5,000 rows');
    expect(progressWords({ done: 1200, total: null, unit: 'rows' })).toBe('1,200 rows so far');
    expect(progressWords({ done: 3, total: 7, unit: 'items' })).toBe('3 of 7');
  });

  it('gives a percent only when there is a total', () => {
    expect(percent({ done: 1, total: 3, unit: 'items' })).toBe(33);
    expect(percent({ done: 5, total: 4, unit: 'items' })).toBe(100);
    expect(percent({ done: 5, total: null, unit: 'bytes' })).toBeNull();
    expect(percent({ done: 0, total: 0, unit: 'bytes' })).toBeNull();
  });
});

describe('still working', () => {
  it('counts on from the last heartbeat', () => {
    const step = with_({ status: 'running', startedAt: 0, beat: { elapsedMs: 38_000, at: 100_000 }, lastSignAt: 100_000 });
    expect(stillWorking(step, 102_000)).toBe('still working… 40 s');
    expect(duration(125)).toBe('2 min 5 s');
    expect(duration(120)).toBe('2 min');
  });

  it('never counts back when the clock is older than the heartbeat', () => {
    const step = with_({ status: 'running', beat: { elapsedMs: 40_000, at: 10_500 }, lastSignAt: 10_500 });
    expect(stillWorking(step, 10_000)).toBe('still working… 40 s');
  });

  it('says so when nothing was heard for a while', () => {
    const step = with_({ status: 'running', beat: { elapsedMs: 10_000, at: 0 }, lastSignAt: 0 });
    expect(stillWorking(step, 20_000)).toBe('still working… 30 s (nothing heard for 20 s)');
  });

  it('is not shown before a heartbeat, or once the step is over', () => {
    expect(stillWorking(with_({ status: 'running', startedAt: 0 }), 5000)).toBeNull();
    expect(stillWorking(with_({ status: 'done', beat: { elapsedMs: 1, at: 0 } }), 5000)).toBeNull();
  });
});

describe('a step in words', () => {
  it('says what became of it', () => {
    expect(stepWords(base)).toBe('');
    expect(stepWords(with_({ status: 'running' }))).toBe('working…');
    expect(stepWords(with_({ status: 'done', changed: true, detail: 'loaded' }))).toBe('done: loaded');
    expect(stepWords(with_({ status: 'done', changed: false, detail: 'all there' }))).toBe('already so: all there');
    expect(stepWords(with_({ status: 'failed', error: { code: 'x', message: 'no space' } }))).toBe('failed: no space');
    expect(stepWords(with_({ status: 'stopped' }))).toBe('stopped');
    expect(stepWords(with_({ status: 'skipped' }))).toBe('not reached');
  });

  it('says what was put back, and what could not be', () => {
    expect(stepWords(with_({ status: 'undone', changed: true, detail: 'switched', undo: { ok: true, detail: 'back at 1.0.0' } }))).toBe('done: switched; put back: back at 1.0.0');
    expect(stepWords(with_({ status: 'undone', error: { code: 'x', message: 'unhealthy' }, undo: { ok: true, detail: 'stopped them' } }))).toBe('failed: unhealthy; put back: stopped them');
    expect(stepWords(with_({ status: 'undone', error: { code: 'ssh.cancelled', message: 'c' }, undo: { ok: true, detail: '' } }))).toBe('stopped; put back');
    expect(stepWords(with_({ status: 'not_undone', undo: { ok: false, detail: 'rm failed' } }))).toBe('could not be put back: rm failed');
  });

  it('says the lock was taken and let go', () => {
    expect(stepWords(with_({ id: 'lock', status: 'done', changed: false, detail: 'held by alice' }))).toBe('done: held by alice');
    expect(stepWords(with_({ id: 'lock', status: 'let_go', changed: false, detail: 'held by alice', undo: { ok: true, detail: 'let go' } }))).toBe('done: held by alice; let go');
  });
});

function ran(events: OperationEvent[]): OperationState {
  return events.reduce((s, event) => reduce(s, { type: 'event', event, at: 0 }), reduce(initial(), { type: 'start', label: 'x' }));
}

describe('the result', () => {
  const state = ran([
    { kind: 'plan', operation: 'install', steps: [{ id: 'lock', title: 'Lock' }, { id: 'files', title: 'Put the files' }, { id: 'images', title: 'Load images' }, { id: 'switch', title: 'Switch' }, { id: 'start', title: 'Start' }] },
    { kind: 'started', step: 'lock', title: 'Lock' },
    { kind: 'finished', step: 'lock', changed: false, detail: 'held' },
    { kind: 'started', step: 'files', title: 'Put the files' },
    { kind: 'finished', step: 'files', changed: true, detail: '3 files' },
    { kind: 'started', step: 'images', title: 'Load images' },
    { kind: 'finished', step: 'images', changed: true, detail: 'loaded' },
    { kind: 'started', step: 'switch', title: 'Switch' },
    { kind: 'finished', step: 'switch', changed: true, detail: 'switched' },
    { kind: 'started', step: 'start', title: 'Start' },
    { kind: 'failed', step: 'start', code: 'compose.unhealthy', message: 'unhealthy' },
    { kind: 'undone', step: 'switch', ok: true, detail: 'back' },
    { kind: 'undone', step: 'images', ok: false, detail: 'rmi failed' },
    { kind: 'undone', step: 'lock', ok: true, detail: 'let go' },
    { kind: 'done', outcome: 'failed', state: 'The server is part-way.' },
  ]);

  it('lists what stays done, what was put back and what could not be, never the lock', () => {
    expect(summary(state)).toEqual({ done: ['Put the files'], putBack: ['Switch'], notPutBack: [{ title: 'Load images', detail: 'rmi failed' }] });
  });

  it('leaves the state words out of the hint when the api put them first', () => {
    const error = { code: 'compose.unhealthy', message: 'unhealthy', hint: 'The server is part-way. Look at the backend log.', details: {} };
    expect(ownerHint(error, state.state)).toBe('Look at the backend log.');
    expect(ownerHint({ ...error, hint: 'Try again.' }, state.state)).toBe('Try again.');
    expect(ownerHint(error, '')).toBe(error.hint);
  });

  it('gives the technical detail as text to copy', () => {
    const error = { code: 'compose.unhealthy', message: 'unhealthy', hint: 'Look.', details: { step: 'start', service: 'backend' } };
    const text = technicalText(error, state);
    expect(text).toContain('code: compose.unhealthy');
    expect(text).toContain('step: start (Start)');
    expect(text).toContain('service: backend');
    expect(text).toContain('operation: install');
    expect(text).toContain('state: The server is part-way.');
    expect(text).toContain('  images: not_undone [undo: rmi failed]');
    expect(technicalText({ ...error, hint: 'The server is part-way. Look.' }, state)).toContain('hint: Look.');
    expect(technicalText({ ...error, details: { step: 'gone' } }, state)).toContain('step: gone (not in the plan)');
  });
});
