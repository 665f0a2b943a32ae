// End-to-end, the personas: import, edit and export, expression pictures, repair, and the
// questions before unsaved work is left behind. The built UI in headless Chromium, its IPC
// going to the real command table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, useApp } from './harness.mjs';
import { objects } from './room-editor.mjs';

const here = new URL('.', import.meta.url).pathname;

let page;
useApp((opened) => ({ page } = opened));

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

describe('unsaved work and notices', () => {
  const ask = () => page.getByRole('dialog').filter({ hasText: 'Leave without saving?' });

  it('asks before leaving a room with unsaved changes, by the menu or by Back', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Rooms', exact: true }).click();
    await page.locator('[data-template="office"]').click();
    await page.locator('.canvas').waitFor();
    const first = (await objects(page))[0];
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

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Rooms', exact: true }).click();
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
