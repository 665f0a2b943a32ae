// The one way a panel runs a server operation: ask for its plan, run it with its events going
// into the model (lib/operation.ts), stop it, and hand the report or the error back to the
// panel, which decides what success means there. OperationView.svelte shows it.
import { call as realCall, startTask as realStartTask, toAppError, type AppError } from './ipc';
import { initial, isBusy, reduce, type Action, type Failure, type OperationMessage, type OperationState } from './operation';
import type { PlannedStep } from './generated/PlannedStep';
import type { StepReport } from './generated/StepReport';

/** What the run needs from the app; tests give fakes. */
export interface RunDeps {
  call: <T>(command: string, args: Record<string, unknown>) => Promise<T>;
  startTask: <T>(command: string, args: Record<string, unknown>, onMessage: (m: OperationMessage) => void) => { result: Promise<T>; cancel: () => Promise<void> };
  now: () => number;
}

const appDeps: RunDeps = {
  call: realCall,
  startTask: (command, args, onMessage) => realStartTask(command, args, onMessage),
  now: () => Date.now(),
};

const failure = (err: AppError): Failure => ({ code: err.code, message: err.message, hint: err.hint, details: err.details });

/** The steps a report lists, when it lists them (install, update, rollback and restore do). */
function reportSteps(report: unknown): StepReport[] {
  const steps = (report as { steps?: unknown } | null)?.steps;
  return Array.isArray(steps) && steps.every((s) => s && typeof s === 'object' && 'id' in s && 'changed' in s) ? (steps as StepReport[]) : [];
}

export class OperationRun {
  state: OperationState = $state.raw(initial());
  #cancel: (() => Promise<void>) | null = null;
  readonly #deps: RunDeps;

  constructor(deps: RunDeps = appDeps) {
    this.#deps = deps;
  }

  get busy(): boolean {
    return isBusy(this.state.phase);
  }

  #send(action: Action): void {
    this.state = reduce(this.state, action);
  }

  /**
   * Asks `command` for its plan (`plan: true`: no events, nothing changes) and shows its steps
   * for the owner to confirm. Resolves with the report; rejects with the AppError.
   */
  async plan<T extends { plan: PlannedStep[] }>(command: string, args: Record<string, unknown>): Promise<T> {
    this.#send({ type: 'plan' });
    try {
      const report = await this.#deps.call<T>(command, { ...args, plan: true });
      this.#send({ type: 'planned', steps: report.plan ?? [] });
      return report;
    } catch (raw) {
      this.#send({ type: 'plan-failed' });
      throw toAppError(raw);
    }
  }

  /**
   * Runs `command` as a task: every `{ event }` goes into the model as it comes. Resolves with
   * the report; rejects with the AppError (`ssh.cancelled` after a stop) once the model has it.
   */
  async run<T>(command: string, args: Record<string, unknown>, label: string): Promise<T> {
    if (this.busy) throw toAppError({ code: 'app.busy', message: 'Another change to this server is under way.', hint: 'Wait for it to finish, or stop it.' });
    this.#send({ type: 'start', label });
    const task = this.#deps.startTask<T>(command, args, (message) => {
      // Anything else on the channel is not the contract's (an older app's step messages).
      if (message && typeof message === 'object' && 'event' in message && message.event) {
        this.#send({ type: 'event', event: message.event, at: this.#deps.now() });
      }
    });
    this.#cancel = task.cancel;
    try {
      const report = await task.result;
      this.#send({ type: 'settled', steps: reportSteps(report) });
      return report;
    } catch (raw) {
      const err = toAppError(raw);
      this.#send({ type: 'settled', error: failure(err) });
      throw err;
    } finally {
      this.#cancel = null;
    }
  }

  /** Stops the run at its next safe point; the runner puts back what it changed first. */
  async stop(): Promise<void> {
    if (this.state.phase !== 'running' || !this.#cancel) return;
    this.#send({ type: 'stop' });
    await this.#cancel();
  }

  /** Back to nothing shown (a new release file chosen, the plan dismissed). */
  reset(): void {
    this.#send({ type: 'reset' });
  }
}
