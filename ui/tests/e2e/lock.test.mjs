// End-to-end: a deploy lock left behind on a real sshd (made by hand, no Docker needed), and
// the question asked before closing while a server changes. The built UI in headless
// Chromium, its IPC going to the real command table.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { openApp, serveDist, startBridge, startSshd } from './harness.mjs';

let bridge, site, app, page;

before(async () => {
  bridge = await startBridge();
  site = await serveDist();
  app = await openApp(bridge, site.url);
  page = app.page;
});

after(async () => {
  await app?.context.close();
  site?.stop();
  bridge?.stop();
});

describe('a deploy lock left behind', () => {
  let sshd;
  before(async () => (sshd = await startSshd()));
  after(() => sshd?.stop());

  it('a change refused by a held lock shows who holds it, and clearing it after the confirm removes it', async () => {
    await page.getByRole('button', { name: 'Servers', exact: true }).click();
    const form = page.locator('form');
    await form.getByLabel('Name', { exact: true }).fill('locked');
    await form.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await form.getByLabel('Port', { exact: true }).fill(String(sshd.port));
    await form.getByLabel('User', { exact: true }).fill(sshd.user);
    await form.getByLabel('Sign in with').selectOption('key');
    await page.evaluate((p) => window.__mock.answerDialog([p]), sshd.clientKey);
    await form.getByRole('button', { name: 'Choose the key file…' }).click();
    await form.getByLabel('DeskMate folder on the server').fill(sshd.stackDir);
    await form.getByRole('button', { name: 'Add server' }).click();
    const row = page.locator('.servers li', { hasText: 'locked' });
    const trust = page.getByRole('dialog').getByRole('button', { name: 'Trust and connect' });
    await Promise.race([row.waitFor(), trust.waitFor()]);
    if (await trust.isVisible()) await trust.click();
    await row.waitFor();

    // A rollback cut off five minutes ago, on another computer, left its lock (made by hand,
    // as the lock's own shell code writes it).
    const lock = join(sshd.stackDir, '.lock', 'deploy');
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, 'holder'), `${Math.floor(Date.now() / 1000) - 300}\tbob@old-laptop\n`);
    writeFileSync(join(lock, 'action'), 'rollback 1.0.0\n');
    execFileSync('chown', ['-R', sshd.user, sshd.stackDir]);

    // Saving the alert settings is a change, so it needs the lock: it is refused, and the
    // error offers to clear it.
    await row.getByRole('button', { name: 'Watch' }).click();
    const watch = page.locator('section.panel', { hasText: 'Watching locked' });
    await watch.getByLabel('Send alerts to').fill('owner@example.org');
    await watch.getByLabel('SMTP server').fill('smtp.example.org');
    await watch.getByRole('button', { name: 'Save alerts' }).click({ timeout: 60000 });
    const refused = page.locator('[data-code="release.locked"]');
    await refused.getByText(/bob@old-laptop, for rollback 1\.0\.0, since 5 min ago/).waitFor({ timeout: 60000 });
    await refused.getByRole('button', { name: 'Clear the lock…' }).click();

    const ask = page.getByTestId('clear-lock');
    await ask.getByTestId('lock-holder').getByText('Held by bob@old-laptop, for rollback 1.0.0, since 5 min ago.').waitFor({ timeout: 60000 });
    await ask.getByText(/Only do this if nothing is changing the server now/).waitFor();
    assert.ok(existsSync(lock), 'nothing is cleared before the confirm');
    await ask.getByRole('button', { name: 'Clear the lock' }).click();
    await page.getByText('The deploy lock of locked is cleared.', { exact: false }).waitFor({ timeout: 60000 });
    assert.ok(!existsSync(lock), 'the lock is gone');
    await watch.getByRole('button', { name: 'Close' }).click();
  });

  it('asks before closing while a server changes, and closes only after stopping', async () => {
    const change = [{ id: 'server_release_rollback-1', command: 'server_release_rollback', server: 'home' }];
    await page.evaluate((c) => window.__mock.emit('app-close-asked', c), change);
    const ask = page.getByTestId('close-guard');
    await ask.getByText('A change to home is under way (a rollback). Closing now stops it: what it changed is put back first, which can take a minute.').waitFor();
    await ask.getByRole('button', { name: 'Keep working' }).click();
    await ask.getByText(/under way/).waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => window.__mock.closed), false, 'keep working keeps the window');

    await page.evaluate((c) => window.__mock.emit('app-close-asked', c), change);
    await ask.getByRole('button', { name: 'Stop it and close' }).click();
    // Nothing really runs in the bridge, so the stop returns at once and the window closes.
    await page.waitForFunction(() => window.__mock.closed === true);
    assert.ok((await page.evaluate(() => window.__mock.calls)).includes('app_stop_changes'));
  });
});
