// Runs in the page before the app, beside tauri-mock.js. A double of the operation runner
// (crates/remote/src/ops/runner.rs) for the browser tests that drive an operation by script
// instead of a real server: it sends the same `{ event }` sequence in the same order — the
// plan, the lock step, each step started → (progress | heartbeat | note)* → finished or failed,
// then after a failure or a stop each completed step's undo in reverse (the failed step's
// own first), the lock let go, and `done` with the state in the runner's words — and answers
// as the command would: the report, or the error with `details.step`.
//
// A scenario: { operation, lock, earlier: [{ id, title, changed, detail }], steps: [{ id,
// title, changed, detail, work: [event without `step`], fail: { code, message }, undo: 'what
// was put back' | { ok: false, detail } }], report, hint, details, stepMs, undoMs }. `earlier`
// steps run first, under a plan of their own (`recover`) whose end is not sent, as a
// recovery's clear of the lock left behind runs before the update it then runs.
(() => {
  const LOCK = { id: 'lock', title: "Take the server's deploy lock, so no other change runs at the same time" };
  const CANCELLED = { code: 'ssh.cancelled', message: 'the operation was cancelled' };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** runner.rs's `state_words`, in the same cases. */
  function stateWords(undone, notUndone, kept) {
    const stays = kept.length ? ` These stay as they are, ready for the next try: ${kept.join('; ')}.` : '';
    if (notUndone.length) {
      return `The server is part-way: these changes could not be put back: ${notUndone.join('; ')}.${stays} Run the same action again to finish it; the audit log shows each step.`;
    }
    if (undone.length && !kept.length) return 'What was changed has been put back: the server is as it was before.';
    if (undone.length) return `What serves was put back as it was.${stays}`;
    if (kept.length) return `Nothing that serves was put back.${stays}`;
    return 'Nothing on the server was changed.';
  }

  /** The plan as `plan: true` answers it (and the plan event says it). */
  function planOf(scenario) {
    return [...(scenario.lock ? [LOCK] : []), ...scenario.steps.map(({ id, title }) => ({ id, title }))];
  }

  /** Runs `scenario`, sending each event to `emit`; `cancelled()` is the task's cancel flag. */
  async function run(scenario, emit, cancelled) {
    const stepMs = scenario.stepMs ?? 150;
    const steps = scenario.steps;
    if (scenario.earlier) emit({ kind: 'plan', operation: 'recover', steps: scenario.earlier.map(({ id, title }) => ({ id, title })) });
    for (const step of scenario.earlier ?? []) {
      emit({ kind: 'started', step: step.id, title: step.title });
      await sleep(stepMs);
      emit({ kind: 'finished', step: step.id, changed: step.changed ?? true, detail: step.detail ?? 'done' });
    }
    emit({ kind: 'plan', operation: scenario.operation, steps: planOf(scenario) });
    if (scenario.lock) {
      emit({ kind: 'started', step: 'lock', title: LOCK.title });
      await sleep(stepMs);
      emit({ kind: 'finished', step: 'lock', changed: false, detail: 'held by you@this-computer' });
    }
    const finished = [];
    let failure = null;
    let at = 0;
    for (; at < steps.length && !failure; at++) {
      const step = steps[at];
      if (cancelled()) {
        failure = { ...CANCELLED, ran: false };
        break;
      }
      emit({ kind: 'started', step: step.id, title: step.title });
      for (const said of step.work ?? []) {
        await sleep(stepMs);
        if (cancelled()) break;
        emit({ ...said, step: step.id });
      }
      await sleep(stepMs);
      if (cancelled()) failure = { ...CANCELLED, ran: true };
      else if (step.fail) failure = { ...step.fail, ran: true };
      else {
        emit({ kind: 'finished', step: step.id, changed: step.changed ?? true, detail: step.detail ?? 'done' });
        finished.push(step);
      }
      if (failure) break;
    }
    if (!failure) {
      if (scenario.lock) emit({ kind: 'undone', step: 'lock', ok: true, detail: 'let go' });
      emit({ kind: 'done', outcome: 'succeeded', state: 'Done.' });
      return { ok: { ...(scenario.report ?? {}), plan: planOf(scenario), planned_only: false } };
    }

    const stopped = steps[at];
    emit({ kind: 'failed', step: stopped.id, code: failure.code, message: failure.message });
    const undone = [];
    const notUndone = [];
    for (const step of steps.slice(0, failure.ran ? at + 1 : at).reverse()) {
      if (step.undo === undefined || step.undo === null) continue;
      await sleep(scenario.undoMs ?? stepMs);
      const undo = typeof step.undo === 'string' ? { ok: true, detail: step.undo } : step.undo;
      emit({ kind: 'undone', step: step.id, ok: undo.ok, detail: undo.detail });
      if (undo.ok) undone.push(step.id);
      else notUndone.push(`${step.title}: ${undo.detail}`);
    }
    if (scenario.lock) emit({ kind: 'undone', step: 'lock', ok: true, detail: 'let go' });
    const kept = finished.filter((s) => (s.changed ?? true) && !undone.includes(s.id)).map((s) => s.title);
    const state = stateWords(undone, notUndone, kept);
    const outcome = failure.code === CANCELLED.code ? 'cancelled' : 'failed';
    emit({ kind: 'done', outcome, state });
    // As the api's `stopped_error` makes it: the state words lead the hint; the step is named.
    const hint = `${state} ${outcome === 'failed' ? (scenario.hint ?? '') : ''}`.trim();
    return { error: { code: failure.code, message: failure.message, hint, details: { ...(scenario.details ?? {}), step: stopped.id } } };
  }

  window.__runnerDouble = { run, planOf };
})();
