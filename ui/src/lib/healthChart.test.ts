import { describe, expect, it } from 'vitest';
import { healthChart, summary } from './healthChart';
import type { HealthSample, WatchEvent } from './types';

const sample = (minute: number, overall: 'ok' | 'warn' | 'fail', ms: number | null): HealthSample => ({
  time: `2026-12-02T10:${String(minute).padStart(2, '0')}:00Z`,
  overall,
  response_ms: ms,
  disk_pct: 40,
  memory_pct: 30,
});

describe('healthChart', () => {
  const samples = [sample(0, 'ok', 20), sample(5, 'fail', null), sample(10, 'ok', 40)];
  const events: WatchEvent[] = [
    { time: '2026-12-02T10:05:00Z', check: 'services', from: 'ok', to: 'fail', message: 'not running: backend' },
    { time: '2026-12-02T09:00:00Z', check: 'disk', from: null, to: 'ok', message: 'first round' },
  ];

  it('spreads the rounds over the width and colours each by its level', () => {
    const chart = healthChart(samples, events, [], 100, 50);
    expect(chart.bands.map((b) => [b.x, b.level])).toEqual([[0, 'ok'], [50, 'fail'], [100, 'ok']]);
  });

  it('leaves a gap in the response line where the backend did not answer', () => {
    const chart = healthChart(samples, events, [], 100, 50);
    expect(chart.response).toBe('M0.0 40.0 M100.0 30.0');
    expect(chart.responseMax).toBe(100);
    expect(chart.disk).toBe('M0.0 30.0 L50.0 30.0 L100.0 30.0');
  });

  it('marks changes in the period, not first rounds or older ones', () => {
    const chart = healthChart(samples, events, [], 100, 50);
    expect(chart.marks).toHaveLength(1);
    expect(chart.marks[0]).toMatchObject({ x: 50, level: 'fail' });
    expect(chart.marks[0].label).toContain('not running: backend');
  });

  it('marks updates and restores in the period beside the alerts', () => {
    const chart = healthChart(samples, events, [{ time: '2026-12-02T10:10:00Z', kind: 'update', detail: 'production 1.1.0' }], 100, 50);
    expect(chart.marks.map((m) => [m.x, m.level])).toEqual([[50, 'fail'], [100, 'done']]);
    expect(chart.marks[1].label).toContain('update: production 1.1.0');
  });

  it('says how much of the period was healthy', () => {
    expect(summary(samples)).toEqual({ okShare: 2 / 3, worst: 'fail' });
    expect(summary([])).toEqual({ okShare: 0, worst: null });
  });
});
