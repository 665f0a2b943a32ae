// What an operation's state says to the owner: sizes, counts, how long a step has worked, each
// step's line, and the result. Pure (time comes in as `now`), so it is tested as text.
import { CANCELLED, LOCK_STEP, type Failure, type OperationState, type StepProgress, type StepView } from './operation';

const COUNT = new Intl.NumberFormat('en');

/** 1536 → "1.5 KiB"; the panels' own sizes use the same binary units. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Whole percent done, or null when the total is not known (or is zero). */
export function percent(p: StepProgress): number | null {
  if (p.total === null || p.total <= 0) return null;
  return Math.max(0, Math.min(100, Math.floor((p.done * 100) / p.total)));
}

/** "12.0 MiB of 40.0 MiB", "1,200 of 5,000 rows", "3 of 7"; "… so far" without a total. */
export function progressWords(p: StepProgress): string {
  const amount = (n: number) => (p.unit === 'bytes' ? formatBytes(n) : COUNT.format(n));
  const rows = p.unit === 'rows' ? ' rows' : '';
  if (p.total === null) return `${amount(p.done)}${rows} so far`;
  return `${amount(p.done)} of ${amount(p.total)}${rows}`;
}

/** 40 → "40 s", 125 → "2 min 5 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const rest = s % 60;
  return rest ? `${Math.floor(s / 60)} min ${rest} s` : `${Math.floor(s / 60)} min`;
}

/** Silence this long is worth saying: the runner beats every 2 s while a step works. */
export const QUIET_AFTER_MS = 15_000;

/**
 * The "still working… 40 s" line of a running step that has sent heartbeats: how long it has
 * worked (the runner's count, carried on since its last beat), and how long nothing was heard.
 */
export function stillWorking(step: StepView, now: number): string | null {
  if (step.status !== 'running' || !step.beat) return null;
  // The view's clock ticks once a second, so a heartbeat may be newer than `now`.
  const worked = duration((step.beat.elapsedMs + Math.max(0, now - step.beat.at)) / 1000);
  const quiet = now - (step.lastSignAt ?? step.beat.at);
  return quiet >= QUIET_AFTER_MS ? `still working… ${worked} (nothing heard for ${duration(quiet / 1000)})` : `still working… ${worked}`;
}

/** The words after a step's title: what became of it. Empty while it waits. */
export function stepWords(step: StepView): string {
  const did = step.id === LOCK_STEP ? `done: ${step.detail}` : `${step.changed ? 'done' : 'already so'}: ${step.detail}`;
  const undo = step.undo?.detail ? `: ${step.undo.detail}` : '';
  switch (step.status) {
    case 'pending':
      return '';
    case 'skipped':
      return 'not reached';
    case 'running':
      return 'working…';
    case 'done':
      return did;
    case 'failed':
      return `failed: ${step.error?.message ?? ''}`;
    case 'stopped':
      return 'stopped';
    case 'let_go':
      return step.changed === null ? 'let go' : `${did}; let go`;
    case 'undone':
      return `${step.error ? (step.error.code === CANCELLED ? 'stopped' : `failed: ${step.error.message}`) : step.changed === null ? 'started' : did}; put back${undo}`;
    case 'not_undone':
      return `could not be put back${undo}`;
  }
}

export interface Summary {
  /** Titles of the steps that changed something and stay changed. */
  done: string[];
  /** Titles of the steps put back. */
  putBack: string[];
  /** Steps whose change could not be put back, with why. */
  notPutBack: { title: string; detail: string }[];
}

/** What the run left behind, for the result; the lock is the runner's own and not listed. */
export function summary(state: OperationState): Summary {
  const steps = state.steps.filter((s) => s.id !== LOCK_STEP);
  return {
    done: steps.filter((s) => s.status === 'done' && s.changed).map((s) => s.title),
    putBack: steps.filter((s) => s.status === 'undone').map((s) => s.title),
    notPutBack: steps.filter((s) => s.status === 'not_undone').map((s) => ({ title: s.title, detail: s.undo?.detail ?? '' })),
  };
}

/** The hint without the state words the api puts first (the result shows those already). */
export function ownerHint(error: Failure, state: string): string {
  const hint = error.hint.trim();
  return state && hint.startsWith(state) ? hint.slice(state.length).trim() : hint;
}

/** Everything technical about a failure as text, for "Copy" (a support request, a bug report). */
export function technicalText(error: Failure, state: OperationState): string {
  const step = error.details.step;
  const lines = [`code: ${error.code}`, `message: ${error.message}`];
  if (step) lines.push(`step: ${step} (${state.steps.find((s) => s.id === step)?.title ?? 'not in the plan'})`);
  for (const [key, value] of Object.entries(error.details)) if (key !== 'step') lines.push(`${key}: ${value}`);
  if (state.operation) lines.push(`operation: ${state.operation}`);
  if (state.state) lines.push(`state: ${state.state}`);
  const hint = ownerHint(error, state.state);
  if (hint) lines.push(`hint: ${hint}`);
  for (const s of state.steps) {
    if (s.status !== 'pending') lines.push(`  ${s.id}: ${s.status}${s.error ? ` (${s.error.code}: ${s.error.message})` : ''}${s.undo ? ` [undo: ${s.undo.detail}]` : ''}`);
  }
  return lines.join('\n');
}
