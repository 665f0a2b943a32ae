// End-to-end, the servers: the test bridge's own guard, then a real sshd and the real Docker
// engine: adding a server, its changed key, installing DeskMate, backups, publishing a room
// and watching it. The built UI in headless Chromium, its IPC going to the real command table.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startSshd, useApp } from './harness.mjs';

let bridge, page;
useApp((opened) => ({ bridge, page } = opened));

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
    await panel.locator('section.operation[data-phase="cancelled"]').getByText(/^Stopped\./).first().waitFor();
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

    // The offsite copy starts by showing the host's key and the line for the server's own,
    // pinning nothing.
    await backups.getByText('Offsite copy', { exact: true }).click();
    await backups.getByLabel('Where').fill(`sftp://${sshd.user}@127.0.0.1:${sshd.port}${dirname(sshd.stackDir)}/offsite`);
    await backups.getByRole('button', { name: 'Look up the host' }).click();
    const host = backups.getByTestId('offsite-host');
    // (The first server test may have given this sshd a new key: any SHA256 fingerprint.)
    await host.getByText(/^SHA256:[A-Za-z0-9+/]{43}$/).first().waitFor({ timeout: 60000 });
    // The line for the offsite account: the server's key, allowed only rclone's append-only
    // restic server on that folder.
    await host.getByText(/^command="rclone serve restic --stdio --append-only \/.*",restrict ssh-ed25519 /).waitFor();

    // The room editor publishes to this server: the backend makes it its active floor plan.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Rooms', exact: true }).click();
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
