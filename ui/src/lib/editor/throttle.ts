// While dragging, the ghost asks the engine whether a drop would apply. Pointer moves come far
// faster than answers, so at most one question is in flight; the newest waiting question
// replaces older ones, and answers to stale questions are dropped.

export class LatestOnly<Q, A> {
  private inFlight = false;
  private waiting: Q | null = null;
  private generation = 0;

  constructor(
    private readonly ask: (q: Q) => Promise<A>,
    private readonly answer: (a: A, q: Q) => void,
  ) {}

  /** Queues `q`; earlier unanswered questions are forgotten. */
  push(q: Q): void {
    this.waiting = q;
    if (!this.inFlight) void this.next();
  }

  /** Forget everything: the drag ended. */
  reset(): void {
    this.waiting = null;
    this.generation++;
  }

  private async next(): Promise<void> {
    const q = this.waiting;
    if (q === null) return;
    this.waiting = null;
    this.inFlight = true;
    const generation = this.generation;
    try {
      const a = await this.ask(q);
      if (generation === this.generation && this.waiting === null) this.answer(a, q);
    } catch {
      // A failed question is just not answered; the drop itself reports errors.
    } finally {
      this.inFlight = false;
      if (this.waiting !== null) void this.next();
    }
  }
}
