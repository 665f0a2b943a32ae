// End-to-end, the room editor: templates, the catalogue palette, dragging with the engine's
// answers, saved rooms, and the owner's own pictures. The built UI in headless Chromium, its
// IPC going to the real command table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, useApp } from './harness.mjs';
import { cellPoint, freeSpotFor, objects, overlaps, placeFromPalette } from './room-editor.mjs';

let page;
useApp((opened) => ({ page } = opened));

describe('rooms', () => {
  it('creates a room from a template', async () => {
    await page.getByRole('button', { name: /Cozy/ }).first().waitFor();
    await page.locator('[data-template="cozy"]').click();
    await page.locator('.canvas').waitFor();
    const list = await objects(page);
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
    const before = await objects(page);
    await placeFromPalette(page, 'floor lamp', 'floor_lamp', before);
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
    const all = await objects(page);
    const solids = all.filter((o) => o.solid && o.w <= 4 && o.h <= 4);
    const [mover, target] = [solids[0], solids.find((o) => o.id !== solids[0].id && !overlaps(o, solids[0]))];
    const start = await cellPoint(page, mover.x, mover.y);
    const onto = await cellPoint(page, target.x, target.y);

    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(onto.x, onto.y, { steps: 8 });
    const ghost = page.locator('[data-testid="ghost"].invalid');
    await ghost.waitFor({ timeout: 5000 });
    await page.locator('[data-testid="nearest-free"]').waitFor();
    assert.match(await page.locator('[data-testid="drop-feedback"]').innerText(), /Can't drop here: .*overlap/);
    assert.ok(await page.locator(`[data-conflict="${target.id}"]`).count(), "the object in the way is marked");

    const free = freeSpotFor(mover, all);
    const to = await cellPoint(page, free.x, free.y);
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
    const all = await objects(page);
    const solids = all.filter((o) => o.solid && o.w <= 4 && o.h <= 4);
    const [mover, target] = [solids[1], solids.find((o) => o.id !== solids[1].id && !overlaps(o, solids[1]))];
    const start = await cellPoint(page, mover.x, mover.y);
    const onto = await cellPoint(page, target.x, target.y);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(onto.x, onto.y, { steps: 5 });
    await page.locator('[data-testid="ghost"].invalid').waitFor({ timeout: 5000 });
    await page.mouse.up();
    const offer = page.getByRole('button', { name: /instead$/ });
    await offer.waitFor();
    assert.deepEqual((await objects(page)).find((o) => o.id === mover.id), mover, 'the refused drop changed nothing');
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
    const before = await objects(page);
    await placeFromPalette(page, 'lamp', 'floor_lamp', before);

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
    const all = await objects(page);
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
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Rooms', exact: true }).click();
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
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Rooms', exact: true }).click();
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
