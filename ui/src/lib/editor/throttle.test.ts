import { describe, expect, it } from 'vitest';
import { LatestOnly } from './throttle';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('LatestOnly', () => {
  it('keeps one question in flight and asks only the newest waiting one next', async () => {
    const asked: number[] = [];
    const answered: number[] = [];
    const pending: { q: number; d: ReturnType<typeof deferred<number>> }[] = [];
    const latest = new LatestOnly<number, number>(
      (q) => {
        asked.push(q);
        const d = deferred<number>();
        pending.push({ q, d });
        return d.promise;
      },
      (a) => answered.push(a),
    );
    latest.push(1);
    latest.push(2);
    latest.push(3);
    expect(asked).toEqual([1]);
    pending[0].d.resolve(10);
    await new Promise((r) => setTimeout(r, 0));
    // 1's answer is stale (3 is waiting), so it is not shown; 3 is asked, 2 never is.
    expect(answered).toEqual([]);
    expect(asked).toEqual([1, 3]);
    pending[1].d.resolve(30);
    await new Promise((r) => setTimeout(r, 0));
    expect(answered).toEqual([30]);
  });

  it('drops answers that arrive after a reset', async () => {
    const answered: number[] = [];
    const d = deferred<number>();
    const latest = new LatestOnly<number, number>(() => d.promise, (a) => answered.push(a));
    latest.push(1);
    latest.reset();
    d.resolve(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(answered).toEqual([]);
  });
});
