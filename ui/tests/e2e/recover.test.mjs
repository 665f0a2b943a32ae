// A change cut off midway, as the owner meets it the next time the app starts: Home says what
// was happening and that two versions answer at once (never a plain "Healthy"), offers the ways
// forward as buttons, and the one chosen runs through the one operation view, the clear of the
// lock first. No bridge, no sshd: every command is scripted, the recovery by the runner double.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openScripted, serveDist } from './harness.mjs';

const profile = {
  created_at: 0, updated_at: 0, name: 'vps', host: '203.0.113.5', port: 22, user: 'root', auth: { kind: 'agent' },
  stack_dir: '/opt/deskmate', domain: null, backend_port: 8000,
};
const lock = {
  holder: { who: 'bob@desk', action: 'update 1.1.0', seconds: 14, taken: 1780000000, host: 'desk', pid: 4242 },
  description: 'bob@desk, for update 1.1.0, since 14 s ago', gone_from_here: true, environment: 'production',
};
const home = (held) => ({
  server: 'vps',
  // The health checks pass: both versions answer.
  status: held
    ? { level: 'warning', reason: "A change holds the server's deploy lock: bob@desk, for update 1.1.0, since 14 s ago.", fix: 'If nothing is changing the server now, clear the lock.' }
    : { level: 'healthy', reason: 'Every service is running and the companion answers.', fix: null },
  address: 'http://203.0.113.5', release: '1.0.0', update: null, last_verified_backup: null, alerts: [], alert_email: null,
  room: null, persona: null, checklist: [], live: true, lock: held ? lock : null,
});
const way = (kind, label, to, recommended, does, effect) => ({ kind, label, to, runs: kind === 'clear' ? 'nothing' : 'update', recommended, does, effect });
// Closed 14 s into a rollback-like update from 1.0.0 to 1.1.0, once 1.1.0 was healthy beside 1.0.0.
const interrupted = {
  server: 'vps', environment: 'production', lock, liveness: 'gone',
  liveness_words: 'It was started on this computer by a program that is no longer running (the app or the command line was closed, or the computer stopped), so nothing is working on it now.',
  run: {
    run: 'cut01234', operation: 'update', subject: '1.1.0', user: 'deskmate', started: '2026-12-07T18:00:02Z',
    done: [], at: { id: 'stateful', title: 'Update the database, Qdrant or proxy only if their image changed', changed: false, detail: '' }, stopped: null, undone: [],
  },
  what: 'an update to DeskMate 1.1.0, from 1.0.0',
  versions: { to: '1.1.0', from: '1.0.0' },
  progress: "It had finished: Skip the backup; Bring DeskMate 1.1.0's images onto the server; Write releases/1.1.0/; Start 1.1.0's backend and frontend beside 1.0.0's. It was cut off during: Update the database, Qdrant or proxy only if their image changed.",
  current: '1.0.0',
  answering: [
    { service: 'backend', version: '1.0.0', health: 'healthy' },
    { service: 'backend', version: '1.1.0', health: 'healthy' },
  ],
  mixed: true,
  state: 'Two versions of DeskMate answer at once: 1.0.0 and 1.1.0. Visitors reach one or the other in turn, so the companion may answer differently from one message to the next. The server counts 1.0.0 as the release it runs.',
  ways: [
    way('undo', 'Undo: go back to 1.0.0', '1.0.0', true, "Clears the lock, then puts 1.0.0 back as it was before the update: a backup first, 1.1.0's containers stopped and removed, and 1.0.0 watched.", '1.0.0 serves alone, as before the update.'),
    way('finish', 'Finish: update to 1.1.0 again', '1.1.0', false, 'Clears the lock, then updates to 1.1.0 again from where it stopped.', '1.1.0 serves alone.'),
    way('clear', 'Only clear the lock', null, false, 'Removes the lock, and changes nothing else on the server.', 'Changes can start again.'),
  ],
};
const step = (id, title) => ({ id, title, detail: 'done' });
// The undo as the app runs it: the clear first (before the update's own plan), then the update.
const undoRun = {
  operation: 'update',
  lock: true,
  stepMs: 300,
  earlier: [{ id: 'clear', title: 'Clear the deploy lock left by bob@desk, for update 1.1.0, since 14 s ago', detail: 'cleared the lock bob@desk took for update 1.1.0' }],
  steps: [
    step('backup', 'Back up first, and prove the backup by a trial restore; if it fails, stop'),
    step('images', "Bring DeskMate 1.0.0's images onto the server"),
    step('files', 'Write releases/1.0.0/'),
    step('beside', "Start 1.0.0's backend and frontend beside 1.1.0's, which keeps serving; they must turn healthy"),
    step('stateful', 'Update the database, Qdrant or proxy only if their image changed'),
    step('switch', "Switch to 1.0.0; 1.1.0's containers finish their requests and stop"),
    { ...step('watch', 'Watch 1.0.0 for 60 s; if it turns unhealthy, bring 1.1.0 back'), work: [2, 4, 6, 8, 10, 12].map((s) => ({ kind: 'heartbeat', elapsed_ms: s * 1000 })) },
    step('prune', 'Keep the last 5 releases'),
  ],
  report: {
    server: 'vps', environment: 'production', way: 'undo', cleared: true, maintenance: null,
    update: { server: 'vps', environment: 'production', version: '1.0.0', previous: '1.1.0', plan: [], planned_only: false, backup: 'a1b2c3d4', steps: [], elapsed_ms: 4000 },
  },
};

let site, app, page;

before(async () => {
  site = await serveDist();
  app = await openScripted(site.url, {
    server_list: { answer: { servers: [profile], secret_store: 'keychain' } },
    server_home: { answer: home(true) },
    server_interrupted: { answer: interrupted },
    server_recover: { operation: undoRun },
  });
  page = app.page;
});

after(async () => {
  assert.deepEqual(app?.errors ?? [], [], 'no uncaught errors in the page');
  await app?.context.close();
  site?.stop();
});

describe('a change cut off midway', () => {
  it('Home shows what it left and the ways forward, and Undo runs through the operation view to one version', async () => {
    const shown = page.getByTestId('interrupted');
    await shown.waitFor();
    // Never a plain "Healthy": the health checks pass while two versions answer in turn.
    assert.equal(await page.locator('section.status h2').innerText(), 'vps: Two versions answer at once');
    assert.equal(await page.getByTestId('home').getAttribute('data-level'), 'warning');
    assert.equal(await page.getByTestId('release-line').innerText(), 'DeskMate 1.0.0 and 1.1.0 answer at once; the server counts 1.0.0 as the one it runs. No newer release is known to this computer.');
    assert.equal(await shown.locator('h3').innerText(), 'An update to DeskMate 1.1.0, from 1.0.0, was cut off');
    await shown.getByRole('alert').getByText('Two versions answer at once.').waitFor();
    assert.equal(await shown.getByTestId('lock-who').innerText(), 'bob@desk, for update 1.1.0, since 14 s ago');
    assert.match(await shown.getByTestId('interrupted-progress').innerText(), /It was cut off during: Update the database/);
    assert.match(await shown.getByTestId('interrupted-liveness').innerText(), /no longer running/);
    assert.equal(await page.getByTestId('deploy-lock').count(), 0, 'the plain lock warning gives way to the fuller story');

    // The ways, the suggested one first and marked so.
    assert.deepEqual(await shown.locator('ul.ways > li').evaluateAll((lis) => lis.map((li) => li.dataset.way)), ['undo', 'finish', 'clear']);
    const undo = shown.getByRole('button', { name: 'Undo: go back to 1.0.0' });
    assert.ok(await undo.evaluate((b) => b.classList.contains('primary')));
    await shown.locator('li[data-way="undo"]').getByText('Afterwards: 1.0.0 serves alone, as before the update.').waitFor();

    // Asked first; a no changes nothing.
    await undo.click();
    const ask = page.getByRole('dialog');
    await ask.getByText('Undo: go back to 1.0.0?').waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    assert.ok(!(await page.evaluate(() => window.__mock.scriptedCalls.some((c) => c.cmd === 'server_recover'))));

    // Once it is done the server has one version and no lock: what Home reads next.
    await page.evaluate((healthy) => {
      window.__mock.script('server_home', { answer: healthy });
      window.__mock.script('server_interrupted', { answer: null });
    }, home(false));
    await undo.click();
    await ask.getByRole('button', { name: 'Go back' }).click();

    // Live in the one view: the clear first, then the update's own steps, with Stop.
    const view = shown.locator('section.operation');
    await view.locator('[data-step-id="watch"][data-status="running"]').waitFor({ timeout: 10000 });
    assert.deepEqual(
      await view.locator('ol.plan > li').evaluateAll((lis) => lis.map((li) => `${li.dataset.stepId}:${li.dataset.status}`)),
      ['clear:done', 'lock:done', 'backup:done', 'images:done', 'files:done', 'beside:done', 'stateful:done', 'switch:done', 'watch:running', 'prune:pending'],
    );
    assert.doesNotMatch(await view.locator('[data-step-id="clear"]').innerText(), /not in the plan/);
    await view.getByRole('button', { name: 'Stop' }).waitFor();
    assert.equal(await shown.locator('ul.ways').count(), 0, 'one way at a time');
    const call = await page.evaluate(() => window.__mock.scriptedCalls.find((c) => c.cmd === 'server_recover').args);
    assert.deepEqual(
      { name: call.name, environment: call.environment, way: call.way, to: call.to, lockTaken: call.lockTaken },
      { name: 'vps', environment: 'production', way: 'undo', to: '1.0.0', lockTaken: 1780000000 },
      'only the lock and the way shown',
    );

    await page.getByText('The deploy lock is cleared, and vps now runs DeskMate 1.0.0 alone, healthy.').waitFor({ timeout: 10000 });
    // Home has looked again: one version, no lock, healthy.
    await page.locator('section.status h2', { hasText: 'vps: Healthy' }).waitFor();
    assert.equal(await page.getByTestId('interrupted').count(), 0);
    assert.equal(await page.getByTestId('release-line').innerText(), 'DeskMate 1.0.0 is running. No newer release is known to this computer.');
  });
});
