// The real app under Xvfb, driven through tauri-driver and WebKit's WebDriver: open it, make a
// room from a template, move an object by keyboard and another by pointer drag, save, and find
// the room in the library. Screenshots go to target/screenshots/.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './webdriver.mjs';
import { launch, repo, target } from './app.mjs';

let running, webdriver, shot;

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskmate-app-'));
  // A library with the project's sample cards, imported by the CLI, so the persona page has
  // something to show in its screenshot.
  const cli = spawnSync(join(target, 'debug', 'deskmate'), ['persona', 'import', join(repo, 'templates/personas')], {
    env: { ...process.env, DESKMATE_DATA_DIR: dataDir },
  });
  assert.equal(cli.status, 0, String(cli.stderr));
  running = await launch({ DESKMATE_DATA_DIR: dataDir });
  ({ webdriver, shot } = running);
  // Start-up figures for docs/PERFORMANCE.md: until the driver has a session (the app is up
  // and its window loaded), and the page's own first paint.
  // The app opens on Home; with no server yet it offers the first run.
  await webdriver.waitFor('return document.querySelector("[data-testid=welcome]") !== null');
  const ready = Date.now() - running.launched;
  const paint = await webdriver.script(
    'const p = performance.getEntriesByType("paint"); return p.map((e) => e.name + "=" + Math.round(e.startTime)).join(" ")',
  );
  console.log(`# startup: driver launch to home page ${ready} ms; paint entries: ${paint || 'none reported'}`);
  await webdriver.script('[...document.querySelectorAll("nav button")].find((b) => b.textContent === "Rooms").click()');
  await webdriver.waitFor('return document.querySelector("[data-template]") !== null');
});

after(async () => {
  await running?.stop();
});

/** Clicks a template until the editor opens. WebKitWebDriver lost this first click in one
 * CI run of four, with no error on the page: a missed click is logged with a screenshot and
 * tried again (three times at most), while an error notice fails at once. */
async function openTemplate(name) {
  for (let attempt = 1; ; attempt++) {
    await webdriver.click(`[data-template="${name}"]`);
    try {
      return await webdriver.find('.canvas', 8000);
    } catch (err) {
      const alert = await webdriver.script('return document.querySelector("[role=alert]")?.textContent ?? null');
      if (alert || attempt === 3) throw new Error(alert ? `${err.message}; the page says: ${alert}` : err.message);
      await shot(`template-click-${attempt}-missed`);
      console.log(`# click ${attempt} on the ${name} template did not open the editor; clicking again`);
    }
  }
}

it('makes a room from a template, moves objects by keyboard and by pointer, saves it and finds it in the library', { timeout: 180000 }, async () => {
  const started = Date.now();
  await openTemplate('cozy');
  console.log(`# template to editor: ${Date.now() - started} ms`);

  const id = await webdriver.script('return document.querySelector("[data-object-id]").dataset.objectId');
  const before = await webdriver.attribute(`[data-object-id="${id}"]`, 'aria-label');
  // Select it as a keyboard user would: focus, then Enter.
  await webdriver.script('document.querySelector(`[data-object-id="${arguments[0]}"]`).focus()', [id]);
  await webdriver.keys(['\uE007']);
  // Nudge until the engine accepts a move (a neighbour may block one direction).
  for (const key of ['\uE014', '\uE012', '\uE015', '\uE013']) {
    await webdriver.keys([key]);
    await sleep(300);
    if ((await webdriver.attribute(`[data-object-id="${id}"]`, 'aria-label')) !== before) break;
  }
  const moved = await webdriver.attribute(`[data-object-id="${id}"]`, 'aria-label');
  assert.notEqual(moved, before, 'the object moved');

  // And with the pointer, as most owners will: another object, one the pointer can reach,
  // dragged two cells towards the middle of the room.
  const target = await webdriver.script(
    `const canvas = document.querySelector('.canvas').getBoundingClientRect();
     for (const el of document.querySelectorAll('[data-object-id]')) {
       const r = el.getBoundingClientRect();
       const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
       if (el.dataset.objectId !== arguments[0] && el.contains(hit)) {
         return { id: el.dataset.objectId, towards: r.x + r.width / 2 < canvas.x + canvas.width / 2 ? 1 : -1 };
       }
     }
     return null;`,
    [id],
  );
  assert.ok(target, 'an object the pointer can reach');
  const dragged = `[data-object-id="${target.id}"]`;
  const cell = await webdriver.script('return parseFloat(getComputedStyle(document.querySelector(".canvas")).getPropertyValue("--cw"))');
  const beforeDrag = await webdriver.attribute(dragged, 'aria-label');
  await webdriver.drag(dragged, target.towards * cell * 2, 0);
  // Dropped where it fits, or refused with the nearest free spot offered; either way the
  // owner ends with the object moved.
  const label = `document.querySelector('[data-object-id="' + arguments[0] + '"]').getAttribute('aria-label')`;
  const offer = `[...document.querySelectorAll('.status button')].find((b) => b.textContent.startsWith('Put it at'))`;
  await webdriver.waitFor(`return ${label} !== arguments[1] || !!${offer}`, [target.id, beforeDrag]);
  const refused = (await webdriver.script(`return ${label}`, [target.id])) === beforeDrag;
  console.log(`# pointer drag of ${target.id}: ${refused ? 'refused, took the offered spot' : 'dropped'}`);
  if (refused) await webdriver.script(`${offer}.click()`);
  await webdriver.waitFor(`return ${label} !== arguments[1]`, [target.id, beforeDrag]);

  await webdriver.type('input[aria-label="Save as"]', 'Smoke test room');
  await webdriver.click('.toolbar .primary');
  await webdriver.waitFor('return document.body.innerText.includes("Saved “Smoke test room” in your library.")');
  // Taken here, not on opening: WebKitWebDriver has never answered a screenshot taken while
  // the editor is still settling.
  await shot('room-editor');
  await webdriver.click('button[aria-label="Back to rooms"]');
  await webdriver.waitFor(
    'return [...document.querySelectorAll("[data-testid=saved-rooms] button")].some((b) => b.textContent === "Smoke test room")',
  );

  await webdriver.script('[...document.querySelectorAll("nav button")].find((b) => b.textContent === "Personas").click()');
  await webdriver.waitFor('return document.querySelectorAll("[data-testid=persona-grid] img").length >= 1');
  await sleep(300);
  await shot('personas');
});
