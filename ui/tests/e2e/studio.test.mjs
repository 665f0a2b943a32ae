// End-to-end: the built UI in headless Chromium, its IPC going to the real command table.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { openApp, openRooms, repoRoot, serveDist, startBridge, startSshd } from './harness.mjs';

const here = new URL('.', import.meta.url).pathname;
let bridge, site, app, page;

before(async () => {
  bridge = await startBridge();
  site = await serveDist();
  app = await openApp(bridge, site.url);
  page = app.page;
});

// A failed test may leave a dialog open or the editor dirty. Reloading the page puts the app back
// on its home screen, so one failure is reported once instead of failing every suite after it.
afterEach(async (t) => {
  if (!t.passed) await openRooms(page, site.url);
});

after(async () => {
  await app?.context.close();
  site?.stop();
  bridge?.stop();
});

/** Each object's cell rectangle, read from the editor's own labels. */
async function objects() {
  return page.$$eval('[data-object-id]', (els) =>
    els.map((el) => {
      const m = el.getAttribute('aria-label').match(/at (-?\d+), (-?\d+), (\d+) by (\d+)$/);
      const name = el.getAttribute('aria-label').replace(/ at -?\d+, -?\d+, \d+ by \d+$/, '');
      return { id: el.dataset.objectId, name, x: +m[1], y: +m[2], w: +m[3], h: +m[4], solid: !el.classList.contains('see-through') };
    }),
  );
}

/** The page position of the centre of a cell (the editor may be zoomed to fit). */
async function cellPoint(x, y) {
  const box = await page.locator('.canvas').boundingBox();
  const [cw, ch] = [box.width / 64, box.height / 16];
  return { x: box.x + (x + 0.5) * cw, y: box.y + (y + 0.5) * ch };
}

function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** A free spot for `o` (ignoring itself), scanning the 64x16 grid. */
function freeSpotFor(o, all) {
  for (let y = 0; y + o.h <= 16; y++) {
    for (let x = 0; x + o.w <= 64; x++) {
      const r = { x, y, w: o.w, h: o.h };
      if ((x !== o.x || y !== o.y) && all.every((p) => p.id === o.id || !overlaps(r, p))) return r;
    }
  }
  throw new Error('no free spot');
}

/** Finds a 1x1 catalogue item by `search`, drags it to the first free cell and waits for it. */
async function placeFromPalette(search, itemId, before) {
  const free = freeSpotFor({ id: '', x: -1, y: -1, w: 1, h: 1 }, before);
  await page.getByLabel('Search objects').fill(search);
  const item = await page.locator(`.palette-item[data-item="${itemId}"]`).boundingBox();
  const to = await cellPoint(free.x, free.y);
  await page.mouse.move(item.x + 10, item.y + 10);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.locator('[data-testid="ghost"].valid').waitFor({ timeout: 5000 });
  await page.mouse.up();
  await page.waitForFunction((n) => document.querySelectorAll('[data-object-id]').length === n + 1, before.length);
  await page.getByLabel('Search objects').fill('');
}

describe('rooms', () => {
  it('creates a room from a template', async () => {
    await page.getByRole('button', { name: /Cozy/ }).first().waitFor();
    await page.locator('[data-template="cozy"]').click();
    await page.locator('.canvas').waitFor();
    const list = await objects();
    assert.ok(list.length > 5, `the cozy template has objects (got ${list.length})`);
    assert.equal(await page.locator('[data-testid="validation"]').isVisible(), true);
    // The room is the page's main surface: it fills the stage's height (up to 120%), not a
    // thin strip.
    const canvas = await page.locator('.canvas').boundingBox();
    const window = page.viewportSize();
    const stage = await page.locator('.stage').boundingBox();
    assert.ok(canvas.height >= Math.min(0.8 * stage.height, 1.2 * 16 * 30 - 1), `the room fills the stage's height (${canvas.height} of ${stage.height})`);
    // Its scrollbar is right beneath it, not at the bottom of the window.
    const scroller = await page.locator('.scroller').boundingBox();
    const below = scroller.y + scroller.height - (canvas.y + canvas.height);
    assert.ok(below >= 0 && below <= 16, `the scrollbar is ${below}px below the room`);
    const shown = Math.min(canvas.width, stage.width) * canvas.height;
    assert.ok(shown / (window.width * window.height) > 0.3, `the room is ${Math.round((100 * shown) / (window.width * window.height))}% of the window`);
    // Every object is drawn as a picture, not a coloured box.
    const drawn = await page.$$eval('[data-object-id]', (els) => els.filter((el) => getComputedStyle(el).backgroundImage.startsWith('url("data:image/svg+xml')).length);
    assert.equal(drawn, list.length, 'every object has its drawing');
    // The rest of these tests see the whole room.
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
  });

  it('finds objects in the catalogue by name, keyword and category', async () => {
    const search = page.getByLabel('Search objects');
    await search.fill('couch');
    await page.locator('.palette-item[data-item="sofa"]').waitFor();
    await search.fill('lighting');
    assert.ok((await page.locator('.palette-item[data-kind="lighting"]').count()) >= 5, 'the lighting category');
    await search.fill('zeppelin');
    await page.locator('[data-testid="palette-empty"]').waitFor();
    await search.fill('');
    assert.ok((await page.locator('.palette-item').count()) >= 40, 'at least 40 kinds of object');
    // The icon is the object's true footprint: a 4x2 sofa at 20x30 a cell is 4:3, a 1x1 lamp 2:3.
    const sofa = await page.locator('.palette-item[data-item="sofa"] .icon').boundingBox();
    const lamp = await page.locator('.palette-item[data-item="floor_lamp"] .icon').boundingBox();
    assert.ok(Math.abs(sofa.width / sofa.height - 4 / 3) < 0.05, `sofa icon ${sofa.width}x${sofa.height}`);
    assert.ok(Math.abs(lamp.width / lamp.height - 2 / 3) < 0.05, `lamp icon ${lamp.width}x${lamp.height}`);
  });

  it('places an object from the catalogue, redraws it when its state changes, and deletes it with the button', async () => {
    const before = await objects();
    await placeFromPalette('floor lamp', 'floor_lamp', before);
    const lamp = page.locator('[data-object-id="floor_lamp"]');
    assert.match(await lamp.getAttribute('aria-label'), /^Floor lamp at /);
    const picture = () => lamp.evaluate((el) => getComputedStyle(el).backgroundImage);
    const on = await picture();
    assert.ok(on.startsWith('url("data:image/svg+xml'), 'drawn');
    // Switched off, the lamp is drawn dark; switched on again, lit as before.
    await page.locator('[data-testid="properties"] label', { hasText: 'power' }).locator('select').selectOption('off');
    await page.waitForFunction((was) => getComputedStyle(document.querySelector('[data-object-id="floor_lamp"]')).backgroundImage !== was, on);
    const off = await picture();
    assert.notEqual(off, on);
    await page.locator('[data-testid="properties"] label', { hasText: 'power' }).locator('select').selectOption('on');
    await page.waitForFunction((was) => getComputedStyle(document.querySelector('[data-object-id="floor_lamp"]')).backgroundImage === was, on);
    // A visible Delete button, not only the key.
    await page.locator('[data-testid="properties"]').getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-object-id]').length === n, before.length);
    await page.keyboard.press('Control+z');
    await page.waitForFunction((n) => document.querySelectorAll('[data-object-id]').length === n + 1, before.length);
    await lamp.click();
    await page.locator('[data-testid="properties"]').getByRole('button', { name: 'Delete' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-object-id]').length === n, before.length);
  });

  it('shows a red ghost and the nearest free spot when dragging onto another object, then drops in a free spot and undoes', async () => {
    const all = await objects();
    const solids = all.filter((o) => o.solid && o.w <= 4 && o.h <= 4);
    const [mover, target] = [solids[0], solids.find((o) => o.id !== solids[0].id && !overlaps(o, solids[0]))];
    const start = await cellPoint(mover.x, mover.y);
    const onto = await cellPoint(target.x, target.y);

    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(onto.x, onto.y, { steps: 8 });
    const ghost = page.locator('[data-testid="ghost"].invalid');
    await ghost.waitFor({ timeout: 5000 });
    await page.locator('[data-testid="nearest-free"]').waitFor();
    assert.match(await page.locator('[data-testid="drop-feedback"]').innerText(), /Can't drop here: .*overlap/);
    assert.ok(await page.locator(`[data-conflict="${target.id}"]`).count(), "the object in the way is marked");

    const free = freeSpotFor(mover, all);
    const to = await cellPoint(free.x, free.y);
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.locator('[data-testid="ghost"].valid').waitFor({ timeout: 5000 });
    await page.mouse.up();
    await page.waitForFunction(
      ([id, x, y]) => document.querySelector(`[data-object-id="${id}"]`)?.getAttribute('aria-label')?.includes(`at ${x}, ${y},`),
      [mover.id, free.x, free.y],
    );

    await page.keyboard.press('Control+z');
    await page.waitForFunction(
      ([id, x, y]) => document.querySelector(`[data-object-id="${id}"]`)?.getAttribute('aria-label')?.includes(`at ${x}, ${y},`),
      [mover.id, mover.x, mover.y],
    );
  });

  it('refuses a drop onto another object and offers the nearest free spot', async () => {
    const all = await objects();
    const solids = all.filter((o) => o.solid && o.w <= 4 && o.h <= 4);
    const [mover, target] = [solids[1], solids.find((o) => o.id !== solids[1].id && !overlaps(o, solids[1]))];
    const start = await cellPoint(mover.x, mover.y);
    const onto = await cellPoint(target.x, target.y);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(onto.x, onto.y, { steps: 5 });
    await page.locator('[data-testid="ghost"].invalid').waitFor({ timeout: 5000 });
    await page.mouse.up();
    const offer = page.getByRole('button', { name: /instead$/ });
    await offer.waitFor();
    assert.deepEqual((await objects()).find((o) => o.id === mover.id), mover, 'the refused drop changed nothing');
    // The owner's names, not ids, and the way to the free spot in words.
    const said = await page.locator('[data-testid="drop-feedback"]').innerText();
    assert.ok(said.includes(`the ${mover.name} would overlap the ${target.name}`), said);
    assert.match(said, /the nearest free spot is \d+ cells? (to the (left|right)|up|down)/);
    if (mover.id !== mover.name) assert.ok(!said.includes(mover.id), `no internal id: ${said}`);
    await offer.click();
    await page.waitForFunction(
      ([id, x, y]) => !document.querySelector(`[data-object-id="${id}"]`)?.getAttribute('aria-label')?.includes(`at ${x}, ${y},`),
      [mover.id, mover.x, mover.y],
    );
    await page.keyboard.press('Control+z');
  });

  it('adds an object by dragging it from the palette and saves the room', async () => {
    const before = await objects();
    await placeFromPalette('lamp', 'floor_lamp', before);

    await page.getByLabel('Save as').fill('E2E room');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved “E2E room” in your library.').last().waitFor();
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await page.locator('[data-testid="saved-rooms"]').getByRole('button', { name: 'E2E room', exact: true }).waitFor();
  });

  it('keeps a new name: reopened, saved again and exported, the room is still the one saved', async () => {
    const savedList = page.locator('[data-testid="saved-rooms"]');
    await savedList.getByRole('button', { name: 'E2E room', exact: true }).click();
    await page.locator('.canvas').waitFor();
    assert.equal(await page.getByLabel('Save as').inputValue(), 'E2E room', 'the saved name, not the template\'s');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved “E2E room” in your library.').last().waitFor();
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await savedList.getByRole('button', { name: 'E2E room', exact: true }).waitFor();
    assert.equal(await savedList.getByRole('listitem').count(), 1, 'saving again replaced it');
  });

  it('shows saved rooms as pictures, and duplicates, renames and deletes them', async () => {
    const savedList = page.locator('[data-testid="saved-rooms"]');
    const card = (name) => savedList.getByRole('listitem').filter({ has: page.getByRole('button', { name, exact: true }) });
    await card('E2E room').locator('img').waitFor();
    const src = await card('E2E room').locator('img').getAttribute('src');
    assert.ok(src.startsWith('data:image/png;base64,'), 'a drawn thumbnail');
    await card('E2E room').getByRole('button', { name: 'Duplicate' }).click();
    await card('E2E room (copy)').waitFor();
    await card('E2E room (copy)').getByRole('button', { name: 'Rename' }).click();
    const name = page.getByLabel('New name for E2E room (copy)');
    await name.fill('Reading den');
    await name.press('Enter');
    await card('Reading den').locator('img').waitFor();
    await card('Reading den').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await card('Reading den').waitFor({ state: 'detached' });
    assert.equal(await savedList.getByRole('listitem').count(), 1, 'only the copy went');
  });

  it('puts a refused size back in the box, and says why in the owner\'s words', async () => {
    await page.locator('[data-testid="saved-rooms"]').getByRole('button', { name: 'E2E room', exact: true }).click();
    await page.locator('.canvas').waitFor();
    const all = await objects();
    const object = all.find((o) => o.solid && o.x + o.w < 60);
    await page.locator(`[data-object-id="${object.id}"]`).click();
    const width = page.locator('[data-testid="properties"] input[name="width"]');
    await width.fill('60');
    await width.press('Enter');
    await width.blur();
    const alert = page.getByRole('alert').last();
    await alert.waitFor();
    assert.ok((await alert.innerText()).includes(`the ${object.name} would`), await alert.innerText());
    assert.equal(await width.inputValue(), String(object.w), 'the box shows the real width again');
    await page.getByRole('button', { name: 'Back to rooms' }).click();
  });
});

describe('room templates', () => {
  it('draws every template with its art, in the gallery and the editor (screenshots in target/screenshots)', async () => {
    const shots = join(repoRoot, 'target/screenshots');
    mkdirSync(shots, { recursive: true });
    await page.getByRole('button', { name: 'Rooms', exact: true }).click();
    const back = page.getByRole('button', { name: 'Back to rooms' });
    if (await back.isVisible()) await back.click();
    const drawn = () => page.waitForFunction(() => [...document.querySelectorAll('[data-object-id]')].every((el) => getComputedStyle(el).backgroundImage.startsWith('url("data:image/svg+xml')));
    // Earlier tests' notices would cover the room in the pictures.
    const dismiss = page.getByRole('button', { name: 'Dismiss' });
    while (await dismiss.count()) await dismiss.first().click();
    const viewport = page.viewportSize();
    try {
      // The room as it opens in the 1280x800 window: the main surface, its scrollbar
      // right beneath it.
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.locator('[data-template="modern"]').click();
      await page.locator('.canvas').waitFor();
      await drawn();
      await page.screenshot({ path: join(shots, 'room-editor.png') });
      await page.getByRole('button', { name: 'Back to rooms' }).click();
      // In a full-HD window each template opens whole, so every object is in the picture.
      await page.setViewportSize({ width: 1920, height: 1080 });
      for (const theme of ['modern', 'cozy', 'office', 'futuristic']) {
        const preview = page.locator(`[data-template="${theme}"] img`);
        await preview.waitFor();
        assert.ok((await preview.getAttribute('src')).startsWith('data:image/png;base64,'), `${theme} gallery preview`);
        await page.locator(`[data-template="${theme}"]`).click();
        await page.locator('.canvas').waitFor();
        await drawn();
        const canvas = await page.locator('.canvas').boundingBox();
        const scroller = await page.locator('.scroller').boundingBox();
        assert.ok(canvas.width <= scroller.width && canvas.width >= 0.8 * 64 * 20, `the whole ${theme} room at a readable size: ${canvas.width} of ${scroller.width}`);
        await page.screenshot({ path: join(shots, `room-editor-${theme}.png`) });
        await page.getByRole('button', { name: 'Back to rooms' }).click();
      }
    } finally {
      await page.setViewportSize(viewport);
    }
    await page.screenshot({ path: join(shots, 'room-gallery.png'), fullPage: true });
  });
});

describe('own pictures', () => {
  it('draws an object with the owner\'s PNG, refuses a scripted SVG with a reason, and goes back to the drawing', async () => {
    await page.getByRole('button', { name: 'Rooms', exact: true }).click();
    await page.locator('[data-template="modern"]').click();
    await page.locator('.canvas').waitFor();
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    const sofa = page.locator('[data-object-id="sofa"]');
    await sofa.click();
    const picture = () => sofa.evaluate((el) => getComputedStyle(el).backgroundImage);
    const drawn = await picture();
    const fixtures = join(repoRoot, 'ui/tests/e2e/fixtures');
    await page.evaluate((p) => window.__mock.answerDialog([p]), join(fixtures, 'own-sofa.png'));
    await page.getByRole('button', { name: 'Own picture…' }).click();
    await page.locator('[data-testid="own-picture"]', { hasText: 'own-sofa.png' }).waitFor();
    assert.ok((await picture()).includes('image%2Fpng'), 'the owner\'s PNG draws it');

    await page.getByRole('button', { name: 'Use the drawing' }).click();
    await page.waitForFunction((was) => getComputedStyle(document.querySelector('[data-object-id="sofa"]')).backgroundImage === was, drawn);
    await page.evaluate((p) => window.__mock.answerDialog([p]), join(fixtures, 'scripted.svg'));
    await page.getByRole('button', { name: 'Own picture…' }).click();
    // An earlier notice (say, a refused drop) may still be on screen: wait for this one.
    const alert = page.getByRole('alert').filter({ hasText: /refused/ });
    await alert.waitFor();
    assert.match(await alert.innerText(), /refused/);
    assert.equal(await picture(), drawn, 'nothing changed');
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Leave without saving' }).click();
    await page.getByRole('heading', { name: 'Start from a template' }).waitFor();
  });
});

describe('personas', () => {
  it('imports a card, edits it, and exports it as JSON and PNG', async () => {
    await page.getByRole('button', { name: 'Personas' }).click();
    await page.getByText('Your library is empty').waitFor();
    const card = join(repoRoot, 'templates/personas/nyx-holloway.png');
    await page.evaluate((p) => window.__mock.answerDialog([p]), card);
    await page.getByRole('button', { name: 'Import cards…' }).click();
    await page.getByText(/Imported 1, skipped 0, failed 0/).last().waitFor();
    const tile = page.locator('[data-testid="persona-grid"] li').first();
    await tile.waitFor();
    await tile.getByRole('button', { name: /^Open / }).click();

    await page.locator('[data-field="description"]').fill('Edited in the end-to-end test.');
    await page.getByRole('button', { name: 'Add a greeting' }).click();
    await page.getByLabel(/Greeting \d+/).last().fill('A new greeting from the test.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();

    const out = mkdtempSync(join(tmpdir(), 'deskmate-export-'));
    const json = join(out, 'nyx.json');
    await page.evaluate((p) => window.__mock.answerDialog(p), json);
    await page.getByRole('button', { name: 'Export JSON…' }).click();
    await page.getByText(`Exported to ${json}`).waitFor();
    const exported = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(exported.data.description, 'Edited in the end-to-end test.');
    assert.ok(exported.data.alternate_greetings.includes('A new greeting from the test.'));

    const png = join(out, 'nyx.png');
    await page.evaluate((p) => window.__mock.answerDialog(p), png);
    await page.getByRole('button', { name: 'Export PNG…' }).click();
    await page.getByText(`Exported to ${png}`).waitFor();
    assert.ok(existsSync(png));
    const bytes = readFileSync(png);
    assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(bytes.includes(Buffer.from('chara')), 'the PNG carries the card');

    const sprites = mkdtempSync(join(tmpdir(), 'deskmate-sprites-'));
    copyFileSync(card, join(sprites, 'joy.png'));
    await page.getByRole('tab', { name: /Expressions/ }).click();
    await page.getByText('No expression pictures yet').waitFor();
    await page.evaluate((p) => window.__mock.answerDialog(p), sprites);
    await page.getByRole('button', { name: 'Upload a folder…' }).click();
    const picture = page.locator('[data-testid="sprites"] img');
    await picture.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="sprites"] img')?.naturalWidth > 0);
    assert.match(await picture.getAttribute('alt'), /, joy$/);
  });

  it('imports files dropped onto the window', async () => {
    await page.getByRole('button', { name: '← Personas' }).click();
    const cards = ['aster-vale.json', 'bram-copperkettle.json'].map((f) => join(repoRoot, 'templates/personas', f));
    await page.evaluate((paths) => window.__mock.dropFiles(paths), cards);
    await page.getByText(/Imported 2, skipped 0, failed 0/).last().waitFor();
    assert.equal(await page.locator('[data-testid="persona-grid"] li').count(), 3);
  });

  it('exports the personas shown as one zip', async () => {
    const zip = join(mkdtempSync(join(tmpdir(), 'deskmate-export-')), 'all.zip');
    await page.evaluate((p) => window.__mock.answerDialog(p), zip);
    await page.getByRole('button', { name: 'Export these…' }).click();
    await page.getByText(`Exported 3 personas to ${zip}.`).waitFor();
    const bytes = readFileSync(zip);
    let entries = 0;
    for (let at = bytes.indexOf('PK\x03\x04'); at >= 0; at = bytes.indexOf('PK\x03\x04', at + 4)) entries++;
    assert.equal(entries, 3, 'one card file per persona');
  });

  it('shows a plain error with a hint, never a raw one', async () => {
    await page.evaluate(() => window.__mock.answerDialog(['/nonexistent/card.png']));
    await page.getByRole('button', { name: 'Import cards…' }).click();
    const alert = page.getByRole('alert').last();
    await alert.waitFor();
    const text = await alert.innerText();
    assert.doesNotMatch(text, /undefined|\[object|Error:/);
    assert.match(text, /card\.png/);
  });
});

after(() => {
  assert.deepEqual(app?.errors ?? [], [], 'no uncaught errors in the page');
});

describe('the test bridge', () => {
  it('answers only calls with its token, from loopback pages', async () => {
    const call = (headers) =>
      fetch(`${bridge.url}/invoke/persona_list`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    assert.equal((await call({})).status, 403, 'no token');
    assert.equal((await call({ 'x-bridge-token': 'f'.repeat(32) })).status, 403, 'a wrong token');
    const foreign = await call({ 'x-bridge-token': bridge.token, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403, 'a page from elsewhere');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    const fine = await call({ 'x-bridge-token': bridge.token });
    assert.equal(fine.status, 200);
    assert.ok(Array.isArray((await fine.json()).ok));
  });
});

describe('servers', () => {
  let sshd;
  before(async () => (sshd = await startSshd()));
  after(() => sshd?.stop());

  it('adds a server after a first-contact check, and replaces a changed key only once its fingerprint is typed', async () => {
    await page.getByRole('button', { name: 'Servers' }).click();
    const form = page.locator('form');
    await form.getByLabel('Name', { exact: true }).fill('home');
    await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await form.getByLabel('User', { exact: true }).fill(sshd.user);
    // A password typed, then the owner switches to a key: the password must not follow.
    await form.getByLabel('Sign in with').selectOption('password');
    await form.getByLabel('Password', { exact: true }).fill('typed-for-the-password');
    await form.getByLabel('Sign in with').selectOption('key');
    assert.equal(await form.getByLabel('Passphrase (if the key has one)').inputValue(), '', 'no secret moved between fields');
    // The key file comes from the app's dialog, not from a typed path.
    await page.evaluate((p) => window.__mock.answerDialog([p]), sshd.clientKey);
    await form.getByRole('button', { name: 'Choose the key file…' }).click();
    await form.getByTestId('key-file').getByText(sshd.clientKey).waitFor();
    await form.getByRole('button', { name: 'Add server' }).click();

    const dialog = page.getByRole('dialog');
    await dialog.getByText('First connection to 127.0.0.1').waitFor();
    assert.equal(await dialog.getByTestId('fingerprint').textContent(), sshd.fingerprint);
    await dialog.getByRole('button', { name: 'Trust and connect' }).click();
    await page.getByText(`${sshd.user}@127.0.0.1:${sshd.port}`).waitFor();
    const secrets = join(bridge.dataDir, 'secrets.json');
    assert.ok(!existsSync(secrets) || !readFileSync(secrets, 'utf8').includes('typed-for-the-password'), 'the password was never stored');

    // The server is reinstalled: a check meets the changed key.
    const pinned = sshd.fingerprint;
    const fresh = await sshd.rekey();
    await page.getByRole('button', { name: 'Check' }).click();
    await dialog.getByText('The key of 127.0.0.1 has changed').waitFor();
    assert.equal(await dialog.getByTestId('pinned-fingerprint').textContent(), pinned);
    assert.equal(await dialog.getByTestId('fingerprint').textContent(), fresh);
    const replace = dialog.getByRole('button', { name: 'Replace the key and connect' });
    assert.ok(await replace.isDisabled(), 'one click is not enough');
    await dialog.getByTestId('typed-fingerprint').fill(pinned);
    await dialog.getByText('That is not the key the server shows').waitFor();
    assert.ok(await replace.isDisabled(), 'the old key does not unlock it');
    await dialog.getByTestId('typed-fingerprint').fill(`256 ${fresh} root@vps (ED25519)`);
    assert.ok(await replace.isEnabled(), 'the real key, as ssh-keygen prints it, does');
    await replace.click();
    await page.getByRole('heading', { name: /^Preflight of home/ }).waitFor();
  });

  it('installs DeskMate after a passing check: the plan first, then each step, then where it answers', async () => {
    await page.getByRole('button', { name: 'Servers' }).click();
    const form = page.locator('form');
    await form.getByLabel('Name', { exact: true }).fill('vps');
    await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await form.getByLabel('User', { exact: true }).fill(sshd.user);
    await form.getByLabel('Sign in with').selectOption('key');
    await page.evaluate((p) => window.__mock.answerDialog([p]), sshd.clientKey);
    await form.getByRole('button', { name: 'Choose the key file…' }).click();
    await form.getByLabel('DeskMate folder on the server').fill(sshd.stackDir);
    await form.getByRole('button', { name: 'Add server' }).click();
    const row = page.locator('.servers li', { hasText: 'vps' });
    // Run alone, this is the first contact with the test sshd; after the test above, its key
    // is already trusted.
    const trust = page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' });
    await Promise.race([row.waitFor(), trust.waitFor()]);
    if (await trust.isVisible()) await trust.click();
    await row.waitFor();

    assert.equal(await row.getByRole('button', { name: 'Install DeskMate…' }).count(), 0, 'no install before a check');
    await row.getByRole('button', { name: 'Check' }).click();
    await page.getByRole('heading', { name: /^Preflight of vps/ }).waitFor();
    await row.getByRole('button', { name: 'Install DeskMate…' }).click();

    const panel = page.locator('section.install');
    await panel.getByLabel('How visitors reach it').selectOption('none');
    await panel.getByText('Ports (only if another web server').click();
    const port = 20000 + Math.floor(Math.random() * 20000);
    await panel.getByLabel('HTTP port').fill(String(port));

    // A release that never turns healthy, cancelled while the install waits for it: the
    // install stops, says so, and leaves no container behind.
    await page.evaluate((p) => window.__mock.answerDialog([p]), join(sshd.releases, 'broken.json'));
    await panel.getByRole('button', { name: 'Choose the release file…' }).click();
    await panel.getByRole('button', { name: 'Show the plan' }).click();
    await panel.getByRole('button', { name: 'Install', exact: true }).click();
    await panel.getByText(/Point .*current at release 1\.2\.0-broken — done/).waitFor({ timeout: 120000 });
    await panel.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('The install was cancelled.').waitFor({ timeout: 60000 });
    // The view says what the runner put back: the first install's stack, its switch.
    await panel.locator('section.operation[data-phase="cancelled"]').getByText(/^Stopped\./).waitFor();
    const project = basename(sshd.stackDir).toLowerCase().replace(/[^a-z0-9_-]/g, '-');
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]).toString().trim();
    assert.equal(left, '', 'the cancelled install left containers');

    await page.evaluate((p) => window.__mock.answerDialog([p]), join(sshd.releases, 'good-1.json'));
    await panel.getByRole('button', { name: 'Choose the release file…' }).click();
    await panel.getByRole('button', { name: 'Show the plan' }).click();
    await panel.getByText(`will be reachable at http://127.0.0.1:${port}`).waitFor();
    await panel.getByText(/Bring DeskMate 1\.0\.0's 5 images onto the server/).waitFor();
    await panel.getByRole('button', { name: 'Install', exact: true }).click();
    await panel.getByText(`DeskMate 1.0.0 answers at http://127.0.0.1:${port}`).waitFor({ timeout: 180000 });
    await panel.getByText(/Start the 5 services .* done: started; every service is healthy/).waitFor();
    const health = await (await fetch(`http://127.0.0.1:${port}/api/health`)).json();
    assert.equal(health.status, 'healthy');
    await panel.getByRole('button', { name: 'Close' }).click();

    // Backups: one now, proven by a trial restore, then restored side by side.
    const memory = await fetch(`http://127.0.0.1:${port}/api/memories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: 'aria', text: 'kept' }) });
    assert.equal(memory.status, 201);
    await row.getByRole('button', { name: 'Backups' }).click();
    const backups = page.locator('section.backups');
    await backups.getByText('No backups yet.').waitFor();
    await backups.getByRole('button', { name: 'Back up now' }).click();
    await backups.getByText(/^database: 2 tables/).waitFor({ timeout: 120000 });
    await page.getByText(/is verified: a trial restore brought it all back/).waitFor({ timeout: 180000 });
    await backups.locator('tr[data-backup]').getByText('verified', { exact: true }).waitFor();
    await fetch(`http://127.0.0.1:${port}/api/memories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: 'aria', text: 'later' }) });
    await backups.locator('tr[data-backup]').first().getByRole('button', { name: 'Restore…' }).click();
    const ask = page.getByRole('dialog').filter({ hasText: 'Nothing is deleted' });
    await ask.getByRole('button', { name: 'Restore' }).click();
    await page.getByText(/is back to .*The data from before is kept/).waitFor({ timeout: 300000 });
    const after = await (await fetch(`http://127.0.0.1:${port}/api/memories`)).json();
    assert.deepEqual(after.memories.map((m) => m.text), ['kept'], 'the backup\'s memories are back');

    // A checked copy on this computer, in a folder chosen in the app's dialog.
    const copy = mkdtempSync(join(tmpdir(), 'deskmate-e2e-copy-'));
    await backups.getByText('A copy on this computer').click();
    await page.evaluate((p) => window.__mock.answerDialog([p]), copy);
    await backups.getByRole('button', { name: 'Download a copy…' }).click();
    await page.getByText(/holds vps's backups .*restic check passed/).waitFor({ timeout: 120000 });
    assert.ok(existsSync(join(copy, 'config')), 'the copy is a restic repository');

    // The offsite copy starts by showing the host's key and the server's own, pinning nothing.
    await backups.getByText('Offsite copy', { exact: true }).click();
    await backups.getByLabel('Where').fill(`sftp://${sshd.user}@127.0.0.1:${sshd.port}${dirname(sshd.stackDir)}/offsite`);
    await backups.getByRole('button', { name: 'Look up the host' }).click();
    const host = backups.getByTestId('offsite-host');
    // (The first server test may have given this sshd a new key: any SHA256 fingerprint.)
    await host.getByText(/^SHA256:[A-Za-z0-9+/]{43}$/).first().waitFor({ timeout: 60000 });
    await host.getByText(/^ssh-ed25519 /).waitFor();

    // The room editor publishes to this server: the backend makes it its active floor plan.
    await page.getByRole('button', { name: 'Rooms', exact: true }).click();
    await page.locator('[data-template="cozy"]').click();
    await page.locator('.canvas').waitFor();
    const publish = page.getByTestId('publish-to-server');
    await publish.getByLabel('Server to publish to').selectOption('vps');
    await publish.getByRole('button', { name: 'Publish to server' }).click();
    await page.getByText(/is version 1 on vps: .* is the backend's active floor plan/).waitFor({ timeout: 60000 });
    const active = await (await fetch(`http://127.0.0.1:${port}/api/rooms/floor-plans/active`)).json();
    assert.match(active.id, /-v1$/, JSON.stringify(active));
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await page.getByRole('heading', { name: 'Start from a template' }).waitFor();

    // Watching it: a round now, the chart, alerts to an SMTP server that is not there,
    // maintenance's plan, and the logs.
    await page.getByRole('button', { name: 'Servers', exact: true }).click();
    await row.getByRole('button', { name: 'Watch' }).click();
    const watch = page.locator('section.panel', { hasText: 'Watching vps' });
    await watch.getByRole('button', { name: 'Check now' }).click();
    await watch.getByTestId('check-services').getByText('OK').waitFor({ timeout: 60000 });
    await watch.getByTestId('check-backup').waitFor();
    await watch.getByTestId('health-chart').waitFor();
    // The backend stops: the next round is a desktop notification and a mark on the page.
    const backend = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=backend']).toString().trim();
    execFileSync('docker', ['stop', backend]);
    await watch.getByRole('button', { name: 'Check now' }).click();
    await watch.getByTestId('check-services').getByText('Problem').waitFor({ timeout: 60000 });
    const shown = await (await fetch(`${bridge.url}/test/notifications`, { method: 'POST', headers: { 'x-bridge-token': bridge.token }, body: '{}' })).json();
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.equal(shown[0].title, 'DeskMate: vps');
    assert.match(shown[0].body, /^Problem \(services\): not running: backend \(exited\)/);
    await row.getByTestId('watch-flag').getByText('problem').waitFor();
    execFileSync('docker', ['start', backend]);
    // Until the backend is healthy again: a round every few seconds, as Check now would be.
    const checkNow = watch.getByRole('button', { name: 'Check now' });
    for (let i = 0; i < 30 && !(await watch.getByTestId('check-services').getByText('OK').count()); i++) {
      await page.waitForTimeout(3000);
      await checkNow.click();
      await page.waitForFunction(() => ![...document.querySelectorAll('section.panel button')].find((b) => b.textContent === 'Check now')?.disabled);
    }
    await watch.getByTestId('check-services').getByText('OK').waitFor();
    const later = await (await fetch(`${bridge.url}/test/notifications`, { method: 'POST', headers: { 'x-bridge-token': bridge.token }, body: '{}' })).json();
    assert.match(later.at(-1).body, /^Well again \(services\)/, JSON.stringify(later));
    await watch.getByLabel('Send alerts to').fill('owner@example.org');
    await watch.getByLabel('SMTP server').fill('127.0.0.1');
    await watch.getByLabel('Port').fill('9');
    await watch.getByRole('button', { name: 'Save alerts' }).click();
    // Everything is well (a verified backup exists), so no alert is due; the test e-mail
    // says plainly why it did not go.
    await watch.getByTestId('alerts-outcome').getByText(/not installed: it runs only when the app asks/).waitFor({ timeout: 60000 });
    await watch.getByRole('button', { name: 'Send a test e-mail' }).click();
    await page.getByRole('alert').getByText(/the test e-mail was not sent: .*could not send through 127\.0\.0\.1:9/).waitFor({ timeout: 60000 });
    await watch.getByRole('button', { name: 'Plan maintenance' }).click();
    const steps = watch.getByTestId('maintenance').locator('tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="maintenance"] tbody tr').length === 4, null, { timeout: 60000 });
    assert.match(await steps.first().innerText(), /database/);
    await watch.getByText(/It would give back/).waitFor();
    await watch.getByRole('button', { name: 'Read the logs' }).click();
    await watch.getByTestId('error-groups').waitFor({ timeout: 60000 });
    await watch.getByRole('button', { name: 'Show the lines' }).click();
    assert.match(await watch.getByTestId('log-lines').innerText(), /backend|proxy/);
    await watch.getByRole('button', { name: 'Close' }).click();
  });
});

describe('unsaved work and notices', () => {
  const ask = () => page.getByRole('dialog').filter({ hasText: 'Leave without saving?' });

  it('asks before leaving a room with unsaved changes, by the menu or by Back', async () => {
    await page.getByRole('button', { name: 'Rooms', exact: true }).click();
    await page.locator('[data-template="office"]').click();
    await page.locator('.canvas').waitFor();
    const first = (await objects())[0];
    await page.locator(`[data-object-id="${first.id}"]`).click();
    const name = page.locator('[data-testid="properties"]').getByLabel('Name', { exact: true });
    await name.fill('Renamed in the test');
    await name.press('Tab');
    await page.locator('[data-testid="properties"] h2', { hasText: 'Renamed in the test' }).waitFor();

    await page.getByRole('button', { name: 'Personas', exact: true }).click();
    await ask().waitFor();
    await ask().getByRole('button', { name: 'Cancel' }).click();
    assert.ok(await page.locator('.canvas').isVisible(), 'still editing, the change still there');
    await page.getByRole('button', { name: 'Back to rooms' }).click();
    await ask().getByRole('button', { name: 'Leave without saving' }).click();
    await page.getByRole('heading', { name: 'Start from a template' }).waitFor();
  });

  it('asks before leaving a persona with unsaved changes, and not once they are saved', async () => {
    await page.getByRole('button', { name: 'Personas', exact: true }).click();
    await page.locator('[data-testid="persona-grid"] li').first().getByRole('button', { name: /^Open / }).click();
    await page.locator('[data-field="description"]').fill('Changed, not saved yet.');
    await page.getByRole('button', { name: '← Personas' }).click();
    await ask().waitFor();
    await ask().getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.locator('[data-field="description"]').inputValue(), 'Changed, not saved yet.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('button', { name: '← Personas' }).click();
    await page.locator('[data-testid="persona-grid"]').waitFor();
    assert.equal(await ask().count(), 0, 'nothing to lose, nothing asked');
  });

  it('keeps a long error readable with its close button on screen, and leaves it behind on another page', async () => {
    // A path with no place to break a line: 400 letters in two folder names.
    const dir = join(mkdtempSync(join(tmpdir(), 'deskmate-long-')), 'x'.repeat(200));
    mkdirSync(dir);
    const long = join(dir, `${'y'.repeat(200)}.json`);
    writeFileSync(long, '[1, 2, 3]');
    await page.evaluate((p) => window.__mock.answerDialog([p]), long);
    await page.getByRole('button', { name: 'Import cards…' }).click();
    const alert = page.getByRole('alert').last();
    await alert.waitFor();
    const close = alert.getByRole('button', { name: 'Dismiss' });
    const box = await close.boundingBox();
    const viewport = page.viewportSize();
    assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, `the close button is on screen: ${JSON.stringify(box)}`);
    await page.getByRole('button', { name: 'Plugins', exact: true }).click();
    await page.getByRole('heading', { name: 'Plugins' }).first().waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'the import error stayed on its page');
  });
});

describe('plugins', () => {
  it('installs an example plugin, says it is on, and its hint names a palette entry that exists', async () => {
    await page.getByRole('button', { name: 'Plugins', exact: true }).click();
    const folder = join(repoRoot, 'target/plugins/room-essentials');
    assert.ok(existsSync(folder), 'cargo xtask plugins builds the examples first');
    await page.evaluate((p) => window.__mock.answerDialog(p), folder);
    await page.getByRole('button', { name: /Install/ }).first().click();
    const said = page.getByRole('status').filter({ hasText: 'installed' });
    await said.waitFor();
    assert.match(await said.innerText(), /is installed and on/);

    await page.getByRole('button', { name: 'Rooms', exact: true }).click();
    await page.locator('[data-template="office"]').click();
    await page.locator('.canvas').waitFor();
    const finding = page.locator('[data-testid="validation"] li', { hasText: 'nowhere to sleep' });
    await finding.waitFor();
    const hint = await finding.innerText();
    const named = hint.match(/search the palette for “(\w+)”/);
    assert.ok(named, hint);
    await page.getByLabel('Search objects').fill(named[1]);
    assert.ok((await page.locator('.palette-item').count()) >= 1, `the palette finds a ${named[1]}`);
    await page.getByLabel('Search objects').fill('');
    await page.getByRole('button', { name: 'Back to rooms' }).click();
  });
});

describe('cards that carry their expressions', () => {
  it('shows the 28 pictures a RisuAI card carries, not "0 sprites"', async () => {
    await page.getByRole('button', { name: 'Personas', exact: true }).click();
    const card = join(here, 'fixtures/risu-lantern-28-expressions.png');
    await page.evaluate((p) => window.__mock.answerDialog([p]), card);
    await page.getByRole('button', { name: 'Import cards…' }).click();
    await page.getByText(/Imported 1, skipped 0, failed 0/).last().waitFor();
    const tile = page.locator('[data-testid="persona-grid"] li', { hasText: 'Risu Lantern' });
    await tile.getByText('28 sprites').waitFor();
    await tile.getByRole('button', { name: /^Open / }).click();
    await page.getByRole('tab', { name: /Expressions/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sprites"] img').length === 28);
    await page.getByRole('button', { name: '← Personas' }).click();

    // The same card again: skipped, and the notice says which file and why.
    await page.evaluate((p) => window.__mock.answerDialog([p]), card);
    await page.getByRole('button', { name: 'Import cards…' }).click();
    const said = page.getByRole('status').filter({ hasText: 'Imported 0, skipped 1, failed 0' });
    await said.waitFor();
    const text = await said.innerText();
    assert.ok(text.includes('risu-lantern-28-expressions.png') && text.includes('already in the library'), text);
  });
});

describe('paths the owner chose', () => {
  it('refuses a path that came from neither a dialog nor a drop', async () => {
    const code = await page.evaluate(() =>
      window.__TAURI_INTERNALS__.invoke('persona_import', { paths: ['/etc/passwd'] }).then(() => 'accepted', (e) => e.code),
    );
    assert.equal(code, 'ipc.path_not_chosen');
  });
});

describe('repairing a card', () => {
  it('offers Repair for what the checks can fix, lists each change, and the finding is gone', async () => {
    await page.getByRole('button', { name: 'Personas', exact: true }).click();
    const dir = mkdtempSync(join(tmpdir(), 'deskmate-repair-'));
    const card = JSON.parse(readFileSync(join(repoRoot, 'templates/personas/aster-vale.json'), 'utf8'));
    card.data.name = 'Millis Keeper';
    card.data.creation_date = 1700000000000; // JavaScript's Date.now(): milliseconds, not seconds
    const path = join(dir, 'millis.json');
    writeFileSync(path, JSON.stringify(card));
    await page.evaluate((p) => window.__mock.answerDialog([p]), path);
    await page.getByRole('button', { name: 'Import cards…' }).click();
    await page.getByText(/Imported 1, skipped 0, failed 0/).last().waitFor();
    await page.locator('[data-testid="persona-grid"] li', { hasText: 'Millis Keeper' }).getByRole('button', { name: /^Open / }).click();
    await page.locator('.findings', { hasText: 'milliseconds' }).waitFor();
    assert.doesNotMatch(await page.locator('.findings').innerText(), /deskmate card repair/, 'no CLI command in the app');

    await page.getByTestId('repair').click();
    const changes = page.getByTestId('repaired');
    await changes.waitFor();
    assert.match(await changes.innerText(), /creation_date/);
    assert.equal(await page.locator('.findings', { hasText: 'milliseconds' }).count(), 0, 'repaired');
    await page.getByRole('button', { name: '← Personas' }).click();
  });
});

describe('plain words', () => {
  it('shows the persona\'s portrait in its editor, and says what each room export is for', async () => {
    await page.getByRole('button', { name: 'Personas', exact: true }).click();
    await page.locator('[data-testid="persona-grid"] li', { hasText: 'Nyx' }).getByRole('button', { name: /^Open / }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="portrait"]')?.naturalWidth > 0);
    await page.getByRole('button', { name: '← Personas' }).click();

    await page.getByRole('button', { name: 'Rooms', exact: true }).click();
    await page.locator('[data-template="modern"]').click();
    await page.locator('.canvas').waitFor();
    const about = page.getByTestId('export-about');
    const said = new Set();
    for (const format of ['room', 'package', 'floor-plan', 'grid-objects']) {
      await page.getByLabel('Export format').selectOption(format);
      const text = await about.innerText();
      assert.ok(text.length > 20, `${format} is explained: ${text}`);
      said.add(text);
    }
    assert.equal(said.size, 4, 'each export has its own explanation');
    await page.getByRole('button', { name: 'Back to rooms' }).click();
  });
});

describe('one picture at a time', () => {
  it('adds one expression picture, removes one, and measures against one label set at a time', async () => {
    await page.getByRole('button', { name: 'Personas', exact: true }).click();
    await page.locator('[data-testid="persona-grid"] li', { hasText: 'Nyx' }).getByRole('button', { name: /^Open / }).click();
    await page.getByRole('tab', { name: /Expressions/ }).click();
    const dir = mkdtempSync(join(tmpdir(), 'deskmate-one-'));
    const picture = join(dir, 'surprise.png');
    copyFileSync(join(repoRoot, 'templates/personas/nyx-holloway.png'), picture);
    await page.evaluate((p) => window.__mock.answerDialog(p), picture);
    await page.getByRole('button', { name: 'Add one picture…' }).click();
    const sprites = page.locator('[data-testid="sprites"] li');
    await sprites.filter({ hasText: 'surprise.png' }).waitFor();

    await page.getByRole('button', { name: 'Remove surprise.png' }).click();
    await page.getByRole('dialog').filter({ hasText: 'Remove surprise.png?' }).getByRole('button', { name: 'Remove' }).click();
    await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid="sprites"] li')].some((li) => li.textContent.includes('surprise.png')));

    assert.equal(await page.getByTestId('label-set-title').count(), 1, 'one label set shown');
    assert.match(await page.getByTestId('label-set-title').innerText(), /^SillyTavern labels/);
    await page.getByTestId('label-set').selectOption('deskmate');
    assert.match(await page.getByTestId('label-set-title').innerText(), /^DeskMate server labels: \d+ of 16/);
    await page.getByRole('button', { name: '← Personas' }).click();
  });
});

describe('example plugins', () => {
  it('lists the examples that ship with the app and installs one in one click', async () => {
    await page.getByRole('button', { name: 'Plugins', exact: true }).click();
    const examples = page.getByTestId('examples');
    await examples.waitFor();
    const rating = examples.locator('li', { hasText: 'Persona rating' });
    await rating.getByRole('button', { name: /^Install / }).click();
    await page.getByRole('status').filter({ hasText: 'is installed and on' }).last().waitFor();
    await rating.getByText('installed').waitFor();
    assert.equal(await examples.locator('li', { hasText: 'Room essentials' }).getByText('installed').count(), 1, 'the one installed earlier says so');
  });
});
