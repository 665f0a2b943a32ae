import { describe, expect, it } from 'vitest';
import { CANCELLED, initial, isBusy, MAX_NOTES, reduce, type Action, type OperationState, type OperationEvent } from './operation';
import type { PlannedStep } from './generated/PlannedStep';

const LOCK_TITLE = "Take the server's deploy lock, so no other change runs at the same time";
const plan: PlannedStep[] = [
  { id: 'lock', title: LOCK_TITLE },
  { id: 'images', title: 'Bring the images onto the server' },
  { id: 'switch', title: 'Point current at release 1.2.0' },
  { id: 'start', title: 'Start the 5 services' },
];

/** Runs `actions` from `from`; events get a clock that moves a second each. */
function run(events: OperationEvent[], from: OperationState = reduce(initial(), { type: 'start', label: 'Installing' })): OperationState {
  return events.reduce((s, event, i) => reduce(s, { type: 'event', event, at: 1000 * (i + 1) }), from);
}
const planEvent: OperationEvent = { kind: 'plan', operation: 'install', steps: plan };
const lockTaken: OperationEvent[] = [
  { kind: 'started', step: 'lock', title: LOCK_TITLE },
  { kind: 'finished', step: 'lock', changed: false, detail: 'held by alice@laptop' },
];
const step = (s: OperationState, id: string) => s.steps.find((x) => x.id === id)!;
const statuses = (s: OperationState) => s.steps.map((x) => `${x.id}:${x.status}`);

describe('the phases', () => {
  it('go idle → planning → planned → running, and a failed plan goes back to idle', () => {
    let s = reduce(initial(), { type: 'plan' });
    expect(s.phase).toBe('planning');
    expect(isBusy(s.phase)).toBe(true);
    expect(reduce(s, { type: 'plan-failed' })).toEqual(initial());
    s = reduce(s, { type: 'planned', steps: plan });
    expect(s.phase).toBe('planned');
    expect(statuses(s)).toEqual(['lock:pending', 'images:pending', 'switch:pending', 'start:pending']);
    s = reduce(s, { type: 'start', label: 'Installing DeskMate on vps' });
    expect(s.phase).toBe('running');
    expect(s.label).toBe('Installing DeskMate on vps');
    expect(s.steps).toHaveLength(4); // the confirmed plan stays until the runner's own arrives
    expect(s.announcement).toBe('Installing DeskMate on vps: started.');
  });

  it('ignores what makes no sense where it is', () => {
    const idle = initial();
    const ignored: Action[] = [
      { type: 'planned', steps: plan },
      { type: 'stop' },
      { type: 'event', event: planEvent, at: 1 },
      { type: 'settled' },
    ];
    for (const a of ignored) expect(reduce(idle, a)).toBe(idle);
    const running = reduce(idle, { type: 'start', label: 'x' });
    for (const a of [{ type: 'plan' }, { type: 'start', label: 'y' }, { type: 'reset' }] as Action[]) expect(reduce(running, a)).toBe(running);
    const planned = reduce(reduce(idle, { type: 'plan' }), { type: 'planned', steps: plan });
    expect(reduce(planned, { type: 'event', event: lockTaken[0], at: 1 })).toBe(planned); // nothing runs before the confirm
  });

  it('starts without a plan view for operations that have none: the plan event brings the steps', () => {
    const s = run([{ kind: 'plan', operation: 'backup', steps: [{ id: 'backup', title: 'Back up and verify' }] }]);
    expect(s.operation).toBe('backup');
    expect(statuses(s)).toEqual(['backup:pending']);
  });

  it('can run again after it ended, from a clean slate', () => {
    const failed = run([planEvent, { kind: 'failed', step: 'lock', code: 'release.locked', message: 'held by bob' }, { kind: 'done', outcome: 'failed', state: 'Nothing on the server was changed.' }]);
    expect(failed.phase).toBe('failed');
    const again = reduce(failed, { type: 'start', label: 'Again' });
    expect(again.phase).toBe('running');
    expect(again.steps).toEqual([]);
    expect(again.state).toBe('');
    expect(reduce(failed, { type: 'plan' }).phase).toBe('planning');
    expect(reduce(failed, { type: 'reset' })).toEqual(initial());
  });
});

describe('a whole run', () => {
  const events: OperationEvent[] = [
    planEvent,
    ...lockTaken,
    { kind: 'started', step: 'images', title: plan[1].title },
    { kind: 'progress', step: 'images', done: 1024, total: 4096, unit: 'bytes' },
    { kind: 'finished', step: 'images', changed: true, detail: '5 images loaded' },
    { kind: 'started', step: 'switch', title: plan[2].title },
    { kind: 'finished', step: 'switch', changed: true, detail: 'current → 1.2.0' },
    { kind: 'started', step: 'start', title: plan[3].title },
    { kind: 'heartbeat', step: 'start', elapsed_ms: 2000 },
    { kind: 'finished', step: 'start', changed: false, detail: 'already running' },
    { kind: 'undone', step: 'lock', ok: true, detail: 'let go' },
    { kind: 'done', outcome: 'succeeded', state: 'Done.' },
  ];

  it('marks each step as it goes, and ends succeeded with the state words', () => {
    const midway = run(events.slice(0, 5));
    expect(midway.current).toBe('images');
    expect(step(midway, 'images').status).toBe('running');
    expect(step(midway, 'images').progress).toEqual({ done: 1024, total: 4096, unit: 'bytes' });
    expect(midway.announcement).toBe(`Now: ${plan[1].title}`);

    const s = run(events);
    expect(s.phase).toBe('succeeded');
    expect(s.outcome).toBe('succeeded');
    expect(s.state).toBe('Done.');
    expect(s.current).toBeNull();
    expect(statuses(s)).toEqual(['lock:let_go', 'images:done', 'switch:done', 'start:done']);
    expect(step(s, 'images')).toMatchObject({ changed: true, detail: '5 images loaded', planned: true });
    expect(step(s, 'start')).toMatchObject({ changed: false, detail: 'already running' });
    // The lock's release is its undo, but not something "put back".
    expect(step(s, 'lock').undo).toEqual({ ok: true, detail: 'let go' });
    expect(s.announcement).toBe('Finished. Done.');
  });

  it('keeps the time of the last sign of life per step', () => {
    const s = run(events.slice(0, 10));
    expect(step(s, 'start')).toMatchObject({ startedAt: 9000, beat: { elapsedMs: 2000, at: 10000 }, lastSignAt: 10000 });
  });

  it('then takes the report, and no later event changes it', () => {
    const s = run(events);
    const settled = reduce(s, { type: 'settled', steps: [] });
    expect(settled.phase).toBe('succeeded');
    expect(settled.error).toBeNull();
    expect(reduce(settled, { type: 'event', event: { kind: 'started', step: 'x', title: 'x' }, at: 1 })).toBe(settled);
  });
});

describe('a failure mid-way', () => {
  const events: OperationEvent[] = [
    planEvent,
    ...lockTaken,
    { kind: 'started', step: 'images', title: plan[1].title },
    { kind: 'finished', step: 'images', changed: true, detail: '5 images loaded' },
    { kind: 'started', step: 'switch', title: plan[2].title },
    { kind: 'finished', step: 'switch', changed: true, detail: 'current → 1.2.0' },
    { kind: 'started', step: 'start', title: plan[3].title },
    { kind: 'failed', step: 'start', code: 'compose.unhealthy', message: 'backend did not turn healthy' },
    { kind: 'undone', step: 'start', ok: true, detail: 'stopped the new services' },
    { kind: 'undone', step: 'switch', ok: true, detail: 'current → 1.0.0 again' },
    { kind: 'undone', step: 'images', ok: false, detail: 'docker rmi failed' },
    { kind: 'undone', step: 'lock', ok: true, detail: 'let go' },
    { kind: 'done', outcome: 'failed', state: 'The server is part-way: these changes could not be put back: images.' },
  ];

  it('shows the failed step, each undo in turn, and the state words', () => {
    const failedAt = run(events.slice(0, 9));
    expect(failedAt.phase).toBe('running'); // the undos are still to come
    expect(step(failedAt, 'start')).toMatchObject({ status: 'failed', error: { code: 'compose.unhealthy', message: 'backend did not turn healthy' } });
    expect(failedAt.announcement).toBe(`Failed: ${plan[3].title}: backend did not turn healthy`);

    const s = run(events);
    expect(s.phase).toBe('failed');
    expect(statuses(s)).toEqual(['lock:let_go', 'images:not_undone', 'switch:undone', 'start:undone']);
    expect(step(s, 'start').error?.code).toBe('compose.unhealthy'); // still says it failed
    expect(step(s, 'switch').undo).toEqual({ ok: true, detail: 'current → 1.0.0 again' });
    expect(step(s, 'images').undo).toEqual({ ok: false, detail: 'docker rmi failed' });
    expect(s.state).toMatch(/^The server is part-way/);
  });

  it('announces the undos, not the lock being let go', () => {
    const afterSwitch = run(events.slice(0, 11));
    expect(afterSwitch.announcement).toBe(`Put back: ${plan[2].title}`);
    const afterImages = run(events.slice(0, 12));
    expect(afterImages.announcement).toBe(`Could not be put back: ${plan[1].title}`);
    expect(run(events.slice(0, 13)).announcement).toBe(afterImages.announcement);
  });

  it('takes the error when the command rejects, after the done event', () => {
    const error = { code: 'compose.unhealthy', message: 'backend did not turn healthy', hint: 'The server is part-way… Look at its logs.', details: { step: 'start' } };
    const s = reduce(run(events), { type: 'settled', error });
    expect(s.phase).toBe('failed');
    expect(s.error).toEqual(error);
    expect(step(s, 'start').status).toBe('undone'); // the error does not undo what the events said
  });

  it('marks steps after the failure as not reached', () => {
    const early = run([planEvent, ...lockTaken, { kind: 'started', step: 'images', title: plan[1].title }, { kind: 'failed', step: 'images', code: 'ssh.disconnected', message: 'gone' }, { kind: 'undone', step: 'lock', ok: true, detail: 'let go' }, { kind: 'done', outcome: 'failed', state: 'Nothing on the server was changed.' }]);
    expect(statuses(early)).toEqual(['lock:let_go', 'images:failed', 'switch:skipped', 'start:skipped']);
  });

  it('a refused lock fails the lock step and nothing else ran', () => {
    const s = run([planEvent, { kind: 'started', step: 'lock', title: LOCK_TITLE }, { kind: 'failed', step: 'lock', code: 'release.locked', message: 'held by bob@old-laptop' }, { kind: 'done', outcome: 'failed', state: 'Nothing on the server was changed.' }]);
    expect(statuses(s)).toEqual(['lock:failed', 'images:skipped', 'switch:skipped', 'start:skipped']);
  });
});

describe('a stop', () => {
  const before: OperationEvent[] = [planEvent, ...lockTaken, { kind: 'started', step: 'images', title: plan[1].title }, { kind: 'progress', step: 'images', done: 3, total: null, unit: 'items' }];

  it('goes running → cancelling → cancelled, with the stopped step and what was put back', () => {
    let s = run(before);
    s = reduce(s, { type: 'stop' });
    expect(s.phase).toBe('cancelling');
    expect(isBusy(s.phase)).toBe(true);
    expect(reduce(s, { type: 'stop' })).toBe(s);
    s = run(
      [
        { kind: 'failed', step: 'images', code: CANCELLED, message: 'the operation was cancelled' },
        { kind: 'undone', step: 'images', ok: true, detail: 'removed the half-loaded image' },
        { kind: 'undone', step: 'lock', ok: true, detail: 'let go' },
        { kind: 'done', outcome: 'cancelled', state: 'What was changed has been put back: the server is as it was before.' },
      ],
      s,
    );
    expect(s.phase).toBe('cancelled');
    expect(statuses(s)).toEqual(['lock:let_go', 'images:undone', 'switch:skipped', 'start:skipped']);
    expect(s.announcement).toBe('Stopped. What was changed has been put back: the server is as it was before.');
    s = reduce(s, { type: 'settled', error: { code: CANCELLED, message: 'the operation was cancelled', hint: '', details: { step: 'images' } } });
    expect(s.phase).toBe('cancelled');
  });

  it('between steps names the next step, which stays not reached', () => {
    const s = run([
      planEvent, ...lockTaken,
      { kind: 'started', step: 'images', title: plan[1].title },
      { kind: 'finished', step: 'images', changed: true, detail: 'loaded' },
      { kind: 'failed', step: 'switch', code: CANCELLED, message: 'the operation was cancelled' },
      { kind: 'undone', step: 'images', ok: true, detail: 'nothing to put back' },
      { kind: 'undone', step: 'lock', ok: true, detail: 'let go' },
      { kind: 'done', outcome: 'cancelled', state: 'Nothing on the server was changed.' },
    ]);
    expect(statuses(s)).toEqual(['lock:let_go', 'images:undone', 'switch:skipped', 'start:skipped']);
    expect(step(s, 'switch').error?.code).toBe(CANCELLED);
  });

  it('that the command answers without a done event still ends as cancelled', () => {
    const s = reduce(reduce(run(before), { type: 'stop' }), { type: 'settled', error: { code: CANCELLED, message: 'cancelled', hint: '', details: {} } });
    expect(s.phase).toBe('cancelled');
    expect(statuses(s)).toEqual(['lock:done', 'images:stopped', 'switch:skipped', 'start:skipped']);
  });
});

describe('progress', () => {
  it('keeps the latest count, with or without a total', () => {
    let s = run([planEvent, { kind: 'started', step: 'images', title: plan[1].title }, { kind: 'progress', step: 'images', done: 10, total: null, unit: 'rows' }]);
    expect(step(s, 'images').progress).toEqual({ done: 10, total: null, unit: 'rows' });
    s = run([{ kind: 'progress', step: 'images', done: 50, total: 200, unit: 'rows' }], s);
    expect(step(s, 'images').progress).toEqual({ done: 50, total: 200, unit: 'rows' });
    expect(step(s, 'images').lastSignAt).toBe(1000);
  });

  it('starts afresh when a step starts again', () => {
    let s = run([planEvent, { kind: 'started', step: 'images', title: 'x' }, { kind: 'progress', step: 'images', done: 10, total: 20, unit: 'items' }, { kind: 'heartbeat', step: 'images', elapsed_ms: 4000 }]);
    s = run([{ kind: 'started', step: 'images', title: 'x' }], s);
    expect(step(s, 'images')).toMatchObject({ progress: null, beat: null });
  });

  it('keeps notes in order, bounded', () => {
    let s = run([planEvent, { kind: 'started', step: 'images', title: 'x' }]);
    s = run(Array.from({ length: MAX_NOTES + 5 }, (_, i) => ({ kind: 'note', step: 'images', detail: `line ${i}` }) as OperationEvent), s);
    const notes = step(s, 'images').notes;
    expect(notes).toHaveLength(MAX_NOTES);
    expect(notes[0]).toBe('line 5');
    expect(notes.at(-1)).toBe(`line ${MAX_NOTES + 4}`);
  });
});

describe('events for a step not in the plan', () => {
  it('add the step at the end, marked as unplanned, with the title it came with', () => {
    const s = run([planEvent, { kind: 'started', step: 'docker', title: 'Install Docker first' }, { kind: 'finished', step: 'docker', changed: true, detail: 'docker.io installed' }]);
    expect(s.steps.at(-1)).toMatchObject({ id: 'docker', title: 'Install Docker first', planned: false, status: 'done' });
    expect(s.steps).toHaveLength(5);
  });

  it('without a title use the id, and a late plan keeps them, first, since they came first', () => {
    let s = run([{ kind: 'note', step: 'prepare', detail: 'reading' }]);
    expect(s.steps).toEqual([expect.objectContaining({ id: 'prepare', title: 'prepare', planned: false, notes: ['reading'] })]);
    s = run([{ kind: 'started', step: 'prepare', title: 'Prepare' }, planEvent], s);
    expect(s.steps.map((x) => x.id)).toEqual(['prepare', 'lock', 'images', 'switch', 'start']);
  });

  it("a recovery's clear, run under a plan of its own, stays first and planned when the update's plan comes", () => {
    const s = run([
      { kind: 'plan', operation: 'recover', steps: [{ id: 'clear', title: 'Clear the deploy lock left by bob@desk' }] },
      { kind: 'started', step: 'clear', title: 'Clear the deploy lock left by bob@desk' },
      { kind: 'finished', step: 'clear', changed: true, detail: 'cleared' },
      planEvent,
    ]);
    expect(s.steps.map((x) => x.id)).toEqual(['clear', 'lock', 'images', 'switch', 'start']);
    expect(step(s, 'clear')).toMatchObject({ planned: true, status: 'done', detail: 'cleared' });
    expect(s.phase).toBe('running');
  });

  it('a plan event keeps what already happened to a step it lists', () => {
    const s = run([{ kind: 'started', step: 'images', title: 'old title' }, planEvent]);
    expect(step(s, 'images')).toMatchObject({ status: 'running', title: plan[1].title, planned: true });
  });
});

describe('the command answering', () => {
  it('without any event (an older app): success, with the report filling in the steps', () => {
    const planned = reduce(reduce(initial(), { type: 'plan' }), { type: 'planned', steps: plan });
    const s = reduce(reduce(planned, { type: 'start', label: 'x' }), {
      type: 'settled',
      steps: [{ id: 'images', title: plan[1].title, changed: true, detail: 'loaded' }],
    });
    expect(s.phase).toBe('succeeded');
    expect(statuses(s)).toEqual(['lock:pending', 'images:done', 'switch:pending', 'start:pending']);
  });

  it('failing before the runner began: failed, with the step the error names', () => {
    const planned = reduce(reduce(initial(), { type: 'plan' }), { type: 'planned', steps: plan });
    const error = { code: 'ssh.connect', message: 'could not reach vps', hint: 'Check it is on.', details: { step: 'images' } };
    const s = reduce(reduce(planned, { type: 'start', label: 'x' }), { type: 'settled', error });
    expect(s.phase).toBe('failed');
    expect(s.error).toEqual(error);
    expect(statuses(s)).toEqual(['lock:skipped', 'images:failed', 'switch:skipped', 'start:skipped']);
    expect(s.announcement).toBe('It failed and stopped. could not reach vps');
  });
});
