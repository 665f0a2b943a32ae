// Frame time while dragging in a 1,000-object room, in headless Chromium, against the real
// command table (each pointer move asks the engine about the drop, one question in flight).
//
// A frame's time is the main-thread work it costs: the pointer move's handlers (timed from
// a capturing listener that runs first to a task queued behind them) plus the next frame's
// rendering (from the start of its animation frame to a message posted from it, which runs
// once the frame is drawn). The wait for the display's next refresh is not work and is not
// counted; it is reported apart, as the latency from the move to the painted frame.
//
// It runs twice in one go: first with the catalogue's drawings held back (the app asks for
// them once, `room_art`; until they come, objects are plain boxes, as before the art), then
// with every object drawn, so the cost of the art is measured against the same machine state.
// Run: cargo build -p deskmate-studio-bridge && npm run build && node tests/bench/drag.mjs
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, repoRoot, serveDist, startBridge } from '../e2e/harness.mjs';

const OBJECTS = 1000;
const MOVES = 600;

// 1x1 catalogue items, so the room holds many different drawings, lamps on and off.
const ART = ['floor_lamp', 'potted_plant', 'side_table', 'stool', 'speaker', 'cactus', 'filing_cabinet', 'candles', 'vase', 'desk_lamp'];

function bigRoom() {
  const room = JSON.parse(readFileSync(join(repoRoot, 'templates/rooms/cozy.json'), 'utf8'));
  room.id = 'crowded';
  room.name = 'Crowded';
  room.spawn = { x: 63, y: 15 };
  room.objects = [];
  for (let i = 0; i < OBJECTS; i++) {
    const x = i % 64;
    const y = Math.floor(i / 64);
    room.objects.push({
      id: `box-${i}`,
      name: `Box ${i}`,
      kind: i % 3 ? 'furniture' : 'storage',
      art: ART[i % ART.length],
      states: { power: i % 2 ? 'on' : 'off' },
      position_x: x,
      position_y: y,
      size_width: 1,
      size_height: 1,
      is_solid: true,
    });
  }
  const file = join(mkdtempSync(join(tmpdir(), 'deskmate-bench-')), 'crowded.room.json');
  writeFileSync(file, JSON.stringify(room));
  return file;
}

const file = bigRoom();
const bridge = await startBridge();
const site = await serveDist();
const results = {};
for (const art of [false, true]) results[art ? 'with_art' : 'without_art'] = await measure(art);
console.log(JSON.stringify(results));
site.stop();
bridge.stop();

async function measure(art) {
const { page, context } = await openApp(bridge, site.url);
if (!art) await page.route('**/invoke/room_art', (route) => route.abort());
try {
  await page.locator('[data-template]').first().waitFor();
  await page.evaluate((f) => window.__mock.answerDialog(f), file);
  await page.getByRole('button', { name: 'Open a file…' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-object-id]').length === n, OBJECTS);
  if (art) {
    await page.waitForFunction(() => [...document.querySelectorAll('[data-object-id]')].every((el) => getComputedStyle(el).backgroundImage.startsWith('url("data:image/svg+xml')));
  }
  // The whole room on screen, as before the room filled the stage's height.
  await page.getByRole('button', { name: 'Fit', exact: true }).click();
  await page.evaluate(() => {
    window.__frames = [];
    window.__latency = [];
    let t0 = 0;
    let handlers = 0;
    let waiting = false;
    // First listener to see a move, and (bubbling on window) the last; the microtask queued
    // there runs after the editor's own, so it closes the move's script time.
    window.addEventListener('pointermove', () => (t0 = performance.now()), { capture: true });
    window.addEventListener('pointermove', () => {
      queueMicrotask(() => (handlers = performance.now() - t0));
      if (waiting) return;
      waiting = true;
      const moved = t0;
      requestAnimationFrame(() => {
        const frameStart = performance.now();
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          const end = performance.now();
          window.__frames.push(handlers + (end - frameStart));
          window.__latency.push(end - moved);
          waiting = false;
        };
        channel.port2.postMessage(0);
      });
    });
  });

  const box = await page.locator('.canvas').boundingBox();
  const start = { x: box.x + (10.5 * box.width) / 64, y: box.y + (5.5 * box.height) / 16 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (let i = 0; i < MOVES; i++) {
    // Back and forth across the room, so the ghost crosses hundreds of objects.
    const t = (i % 200) / 200;
    const x = start.x + Math.sin(t * Math.PI * 2) * 400;
    const y = start.y + Math.cos(t * Math.PI * 2) * 120;
    await page.mouse.move(x, y);
  }
  await page.mouse.up();
  await page.waitForTimeout(200);
  const frames = (await page.evaluate(() => window.__frames)).sort((a, b) => a - b);
  const latency = (await page.evaluate(() => window.__latency)).sort((a, b) => a - b);
  const pick = (list, q) => list[Math.min(list.length - 1, Math.floor(q * list.length))];
  const at = (q) => pick(frames, q);
  const probes = await page.evaluate(() => window.__mock.calls.filter((c) => c === 'room_probe').length);
  return {
      drawings: art,
      objects: OBJECTS,
      moves: MOVES,
      frames: frames.length,
      p50_ms: +at(0.5).toFixed(2),
      p95_ms: +at(0.95).toFixed(2),
      max_ms: +frames[frames.length - 1].toFixed(2),
      latency_p50_ms: +pick(latency, 0.5).toFixed(2),
      latency_p95_ms: +pick(latency, 0.95).toFixed(2),
      engine_probes: probes,
  };
} finally {
  await context.close();
}
}
