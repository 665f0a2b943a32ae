// The server page's health chart, as plain geometry: status bands per round, the backend's
// response time, disk and memory as lines, and the incidents as marks: the watchdog's
// changes (alerts) and what was done to the server (installs, updates, rollbacks, restores). Pure, so it
// is tested without a browser; the WatchPanel only draws what this returns.
import type { HealthSample, Incident, WatchEvent, WatchLevel } from './types';

export interface Band { x: number; width: number; level: WatchLevel }
/** A change the watchdog saw (its level), or something done to the server (`done`). */
export interface Mark { x: number; label: string; level: WatchLevel | 'done' }
export interface Chart {
  width: number;
  height: number;
  bands: Band[];
  /** SVG path data (`M x y L x y …`), in the plot's coordinates. */
  response: string;
  disk: string;
  memory: string;
  /** The response time at the top of the plot, in ms. */
  responseMax: number;
  marks: Mark[];
  from: string;
  to: string;
}

const time = (t: string) => Date.parse(t);

/** Lays out `samples` (oldest first) and the `events` that fall in their period. */
export function healthChart(samples: HealthSample[], events: WatchEvent[], incidents: Incident[] = [], width = 640, height = 160): Chart {
  const empty: Chart = { width, height, bands: [], response: '', disk: '', memory: '', responseMax: 0, marks: [], from: '', to: '' };
  if (samples.length === 0) return empty;
  const start = time(samples[0].time);
  const end = Math.max(time(samples[samples.length - 1].time), start + 60_000);
  const x = (t: string) => ((time(t) - start) / (end - start)) * width;
  const responseMax = Math.max(100, ...samples.map((s) => s.response_ms ?? 0));
  const y = (value: number, max: number) => height - (value / max) * height;
  const line = (pick: (s: HealthSample) => number | null, max: number) => {
    let path = '';
    let pen = 'M';
    for (const s of samples) {
      const v = pick(s);
      if (v === null) {
        pen = 'M'; // a gap where the round had no figure (the backend did not answer)
        continue;
      }
      path += `${pen}${x(s.time).toFixed(1)} ${y(v, max).toFixed(1)} `;
      pen = 'L';
    }
    return path.trim();
  };
  const bands: Band[] = samples.map((s, i) => {
    const left = x(s.time);
    const right = i + 1 < samples.length ? x(samples[i + 1].time) : width;
    return { x: left, width: Math.max(right - left, 1), level: s.overall };
  });
  const marks = events
    .filter((e) => e.from !== null && time(e.time) >= start && time(e.time) <= end)
    .map((e): Mark => ({ x: x(e.time), level: e.to, label: `${e.time.slice(0, 16).replace('T', ' ')} ${e.check}: ${e.message}` }))
    .concat(
      incidents
        .filter((i) => time(i.time) >= start && time(i.time) <= end)
        .map((i): Mark => ({ x: x(i.time), level: 'done', label: `${i.time.slice(0, 16).replace('T', ' ')} ${i.kind}: ${i.detail}` })),
    );
  return {
    width,
    height,
    bands,
    response: line((s) => s.response_ms, responseMax),
    disk: line((s) => s.disk_pct, 100),
    memory: line((s) => s.memory_pct, 100),
    responseMax,
    marks,
    from: samples[0].time,
    to: samples[samples.length - 1].time,
  };
}

/** "Last week was healthy": the share of rounds that were ok, and the longest bad stretch. */
export function summary(samples: HealthSample[]): { okShare: number; worst: WatchLevel | null } {
  if (samples.length === 0) return { okShare: 0, worst: null };
  const ok = samples.filter((s) => s.overall === 'ok').length;
  const worst = samples.some((s) => s.overall === 'fail') ? 'fail' : samples.some((s) => s.overall === 'warn') ? 'warn' : 'ok';
  return { okShare: ok / samples.length, worst };
}
