// One server operation as the owner sees it: plan → confirm → progress → stop → result.
//
// A pure state machine (tldraw's shape: explicit states, one function that takes an action and
// gives the next state) over the runner's event stream (`OperationEvent`, generated from
// `remote::ops::event`). Every server panel shows an operation through this one model, so the
// rules for "which step is where" live here once and are unit-tested without a window.
//
//   idle ─plan─► planning ─planned─► planned ─start─► running ─stop─► cancelling
//     └───────────────start──────────────────────────┘   │                 │
//                          done event / the command settles ▼             ▼
//                               succeeded | failed | cancelled  (─plan/start─► again)
import type { OperationEvent } from './generated/OperationEvent';
export type { OperationEvent };
import type { Outcome } from './generated/Outcome';
import type { PlannedStep } from './generated/PlannedStep';
import type { StepReport } from './generated/StepReport';
import type { Unit } from './generated/Unit';


/** The message every operation's task channel carries. */
export interface OperationMessage {
  event: OperationEvent;
}

/** The step the runner adds for the deploy lock; "let go" is its undo, even after a success. */
export const LOCK_STEP = 'lock';
/** The code of a stop the owner asked for (`RemoteError::Cancelled`). */
export const CANCELLED = 'ssh.cancelled';
/** Notes kept per step: a backup's script says a dozen lines; a bound keeps a chatty one small. */
export const MAX_NOTES = 100;

export type Phase = 'idle' | 'planning' | 'planned' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export type StepStatus =
  | 'pending' // not reached (yet)
  | 'running'
  | 'done' // finished; `changed` says whether it changed anything
  | 'failed'
  | 'stopped' // cancelled while it ran
  | 'undone' // put back after a failure or a stop
  | 'not_undone' // its undo failed: the server keeps this change
  | 'let_go' // the lock step, released
  | 'skipped'; // never reached: the run stopped before it

export interface StepProgress {
  done: number;
  total: number | null;
  unit: Unit;
}

export interface StepView {
  id: string;
  title: string;
  /** False for a step the events named but the plan did not list. */
  planned: boolean;
  status: StepStatus;
  changed: boolean | null;
  /** What it did, from its `finished` event. */
  detail: string;
  notes: string[];
  progress: StepProgress | null;
  startedAt: number | null;
  /** When anything was last heard about this step (a heartbeat, progress, a note). */
  lastSignAt: number | null;
  /** The last heartbeat: how long the runner says the step has worked, and when it came. */
  beat: { elapsedMs: number; at: number } | null;
  error: { code: string; message: string } | null;
  undo: { ok: boolean; detail: string } | null;
}

/** An error as the command's rejection carried it (AppError's fields, plain data). */
export interface Failure {
  code: string;
  message: string;
  hint: string;
  details: Record<string, string>;
}

export interface OperationState {
  phase: Phase;
  /** What the panel calls this run ("Backing up vps"). */
  label: string;
  /** The runner's name for it (`install`, `backup`), from the plan event. */
  operation: string;
  steps: StepView[];
  /** The step running now. */
  current: string | null;
  outcome: Outcome | null;
  /** The server's state in plain words, from the `done` event. */
  state: string;
  error: Failure | null;
  /** The latest step change in words, for the live region (never a progress tick). */
  announcement: string;
}

export type Action =
  | { type: 'plan' }
  | { type: 'planned'; steps: PlannedStep[] }
  | { type: 'plan-failed' }
  | { type: 'start'; label: string }
  | { type: 'event'; event: OperationEvent; at: number }
  | { type: 'stop' }
  | { type: 'settled'; error?: Failure; steps?: StepReport[] }
  | { type: 'reset' };

export function initial(): OperationState {
  return { phase: 'idle', label: '', operation: '', steps: [], current: null, outcome: null, state: '', error: null, announcement: '' };
}

const FINAL: readonly Phase[] = ['succeeded', 'failed', 'cancelled'];
export const isFinal = (phase: Phase): boolean => FINAL.includes(phase);
/** A run is under way (or being worked out): the panel's other changes wait. */
export const isBusy = (phase: Phase): boolean => phase === 'planning' || phase === 'running' || phase === 'cancelling';

function pending(step: PlannedStep, planned = true): StepView {
  return {
    id: step.id, title: step.title, planned, status: 'pending', changed: null, detail: '', notes: [], progress: null,
    startedAt: null, lastSignAt: null, beat: null, error: null, undo: null,
  };
}

/** `steps` with step `id` changed by `change`; a step the plan did not list is added at the end. */
function touch(steps: StepView[], id: string, change: (s: StepView) => Partial<StepView>, title = id): StepView[] {
  const at = steps.findIndex((s) => s.id === id);
  if (at < 0) {
    const fresh = pending({ id, title }, false);
    return [...steps, { ...fresh, ...change(fresh) }];
  }
  const next = steps.slice();
  next[at] = { ...steps[at], ...change(steps[at]) };
  return next;
}

const titleOf = (state: OperationState, id: string) => state.steps.find((s) => s.id === id)?.title ?? id;

/** The next state. An action that makes no sense in the current phase changes nothing. */
export function reduce(state: OperationState, action: Action): OperationState {
  switch (action.type) {
    case 'plan':
      if (isBusy(state.phase)) return state;
      return { ...initial(), phase: 'planning' };
    case 'planned':
      if (state.phase !== 'planning') return state;
      return { ...state, phase: 'planned', steps: action.steps.map((s) => pending(s)) };
    case 'plan-failed':
      return state.phase === 'planning' ? initial() : state;
    case 'start': {
      if (isBusy(state.phase)) return state;
      // After a plan, its steps wait as pending; otherwise the plan event brings them.
      const steps = state.phase === 'planned' ? state.steps : [];
      return { ...initial(), phase: 'running', label: action.label, steps, announcement: `${action.label}: started.` };
    }
    case 'stop':
      return state.phase === 'running' ? { ...state, phase: 'cancelling', announcement: 'Stopping; what was changed is put back first.' } : state;
    case 'event':
      // Only a run listens: a stray message before the start or after `done` is not this run's.
      return state.phase === 'running' || state.phase === 'cancelling' ? apply(state, action.event, action.at) : state;
    case 'settled':
      return settle(state, action.error ?? null, action.steps ?? []);
    case 'reset':
      return isBusy(state.phase) ? state : initial();
  }
}

function apply(state: OperationState, event: OperationEvent, at: number): OperationState {
  switch (event.kind) {
    case 'plan': {
      // The runner's list is the truth (it may differ from a plan made earlier); what already
      // happened to a step it names is kept. A step it does not name that already ran (the
      // clear of a lock left behind, before a recovery's update) happened first, so it stays
      // first.
      const known = new Map(state.steps.map((s) => [s.id, s]));
      const listed = event.steps.map((p) => ({ ...(known.get(p.id) ?? pending(p)), title: p.title, planned: true }));
      const extra = state.steps.filter((s) => !event.steps.some((p) => p.id === s.id) && s.status !== 'pending');
      return { ...state, operation: event.operation, steps: [...extra, ...listed] };
    }
    case 'started':
      return {
        ...state,
        current: event.step,
        steps: touch(state.steps, event.step, () => ({ status: 'running', startedAt: at, lastSignAt: at, progress: null, beat: null }), event.title),
        announcement: `Now: ${event.title}`,
      };
    case 'progress':
      return { ...state, steps: touch(state.steps, event.step, () => ({ progress: { done: event.done, total: event.total, unit: event.unit }, lastSignAt: at })) };
    case 'heartbeat':
      return { ...state, steps: touch(state.steps, event.step, () => ({ beat: { elapsedMs: event.elapsed_ms, at }, lastSignAt: at })) };
    case 'note':
      return { ...state, steps: touch(state.steps, event.step, (s) => ({ notes: [...s.notes, event.detail].slice(-MAX_NOTES), lastSignAt: at })) };
    case 'finished':
      return {
        ...state,
        current: state.current === event.step ? null : state.current,
        steps: touch(state.steps, event.step, () => ({ status: 'done', changed: event.changed, detail: event.detail, lastSignAt: at })),
        announcement: `Done: ${titleOf(state, event.step)}`,
      };
    case 'failed': {
      const title = titleOf(state, event.step);
      const cancelled = event.code === CANCELLED;
      const error = { code: event.code, message: event.message };
      return {
        ...state,
        current: null,
        // A stop between steps names the next one, which never started: it stays pending
        // (and shows as not reached once the run is done).
        steps: touch(state.steps, event.step, (s) => ({ error, status: cancelled && s.status === 'pending' ? 'pending' : cancelled ? 'stopped' : 'failed' })),
        announcement: cancelled ? `Stopped at: ${title}` : `Failed: ${title}: ${event.message}`,
      };
    }
    case 'undone': {
      const title = titleOf(state, event.step);
      const status: StepStatus = !event.ok ? 'not_undone' : event.step === LOCK_STEP ? 'let_go' : 'undone';
      return {
        ...state,
        steps: touch(state.steps, event.step, () => ({ status, undo: { ok: event.ok, detail: event.detail } })),
        announcement: event.step === LOCK_STEP && event.ok ? state.announcement : event.ok ? `Put back: ${title}` : `Could not be put back: ${title}`,
      };
    }
    case 'done':
      return {
        ...state,
        phase: event.outcome,
        outcome: event.outcome,
        state: event.state,
        current: null,
        steps: event.outcome === 'succeeded' ? state.steps : state.steps.map(unreached),
        announcement: `${OUTCOME_WORDS[event.outcome]} ${event.state}`,
      };
  }
}

export const OUTCOME_WORDS: Record<Outcome, string> = { succeeded: 'Finished.', failed: 'It failed and stopped.', cancelled: 'Stopped.' };

/** After a run that did not finish: what never started is "not reached", what ran is stopped. */
function unreached(step: StepView): StepView {
  if (step.status === 'pending') return { ...step, status: 'skipped' };
  if (step.status === 'running') return { ...step, status: 'stopped' };
  return step;
}

/**
 * The command answered. Usually `done` came first and this only adds the error; without a
 * `done` (the connection failed before the runner began, say) the answer decides the outcome.
 * The report's finished steps fill in any step whose event never came.
 */
function settle(state: OperationState, error: Failure | null, reported: StepReport[]): OperationState {
  if (!isFinal(state.phase) && state.phase !== 'running' && state.phase !== 'cancelling') return state;
  let steps = state.steps;
  for (const r of reported) {
    const s = steps.find((x) => x.id === r.id);
    if (!s || s.status === 'pending' || s.status === 'running' || s.status === 'skipped') {
      steps = touch(steps, r.id, () => ({ status: 'done', changed: r.changed, detail: r.detail }), r.title);
    }
  }
  // The error names the step that stopped it (`details.step`); mark it if no event did.
  const named = error?.details.step;
  if (error && named && error.code !== CANCELLED && steps.some((s) => s.id === named && !s.error && (s.status === 'pending' || s.status === 'running'))) {
    steps = touch(steps, named, () => ({ status: 'failed', error: { code: error.code, message: error.message } }));
  }
  if (isFinal(state.phase)) return { ...state, steps, error };
  const phase: Phase = !error ? 'succeeded' : error.code === CANCELLED ? 'cancelled' : 'failed';
  return {
    ...state,
    phase,
    outcome: phase,
    current: null,
    steps: phase === 'succeeded' ? steps : steps.map(unreached),
    error,
    announcement: error ? `${OUTCOME_WORDS[phase]} ${error.message}` : OUTCOME_WORDS.succeeded,
  };
}
