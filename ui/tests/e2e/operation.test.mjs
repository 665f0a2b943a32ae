// The one operation view, driven by the runner double (runner-double.js) instead of a real
// server: the events come in the real runner's order, so these show what an owner sees when an
// update fails part-way and when they press Stop. No bridge, no sshd: every command is scripted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openScripted, serveDist } from './harness.mjs';

const profile = {
  created_at: 0, updated_at: 0, name: 'vps', host: '203.0.113.5', port: 22, user: 'root', auth: { kind: 'agent' },
  stack_dir: '/opt/deskmate', domain: null, backend_port: 8000,
};
// What the pages read on their way to the panels: one server, healthy, watched.
const scripts = {
  server_list: { answer: { servers: [profile], secret_store: 'keychain' } },
  server_home: {
    answer: {
      server: 'vps', status: { level: 'healthy', reason: 'DeskMate answers.', fix: null }, address: 'http://203.0.113.5', release: '1.1.0',
      update: null, last_verified_backup: null, alerts: [], alert_email: null, room: null, persona: null, checklist: [], live: true, lock: null,
    },
  },
  server_watch: {
    answer: { server: 'vps', environment: 'production', overall: null, checks: [], events: [], samples: [], incidents: [], email: null, smtp: null, smtp_user: null, smtp_from: null, has_smtp_password: false },
  },
  server_release_list: {
    answer: [
      { version: '1.1.0', source: 'deskmate-1.1.0.json', time: '2026-01-02T10:00:00Z', current: true, served: true },
      { version: '1.0.0', source: 'deskmate-1.0.0.json', time: '2026-01-01T10:00:00Z', current: false, served: true },
    ],
  },
  server_backup_list: { answer: [] },
  server_backup_schedule: {
    answer: { server: 'vps', environment: 'production', at: '03:30', timers: ['deskmate-backup.timer'], keep_daily: 7, keep_weekly: 4, keep_monthly: 6 },
  },
  dialog_pick: { answer: ['/home/owner/deskmate-1.2.0.json'] },
};

const MiB = 2 ** 20;
// An update that fails its health check: the lock, a backup first, the images, the new release
// started beside the old one, then the health wait that fails; what serves is put back.
const failingUpdate = {
  operation: 'update',
  lock: true,
  stepMs: 400,
  report: { server: 'vps', environment: 'production', version: '1.2.0', previous: '1.1.0', backup: null, steps: [], elapsed_ms: 0 },
  hint: 'Look at the backend log under Watch → Logs; this release may be broken.',
  details: { service: 'backend' },
  steps: [
    {
      id: 'backup', title: 'Back up vps first, and prove the backup by a trial restore', detail: 'backup 4f2a9c1e, proven by a trial restore',
      work: [{ kind: 'note', detail: 'database: 2 tables, 1.2 MB' }, { kind: 'note', detail: 'vectors: 1 collection' }],
    },
    {
      id: 'images', title: "Bring DeskMate 1.2.0's 5 images onto the server", detail: '5 images loaded',
      work: [10, 25, 40].map((n) => ({ kind: 'progress', done: n * MiB, total: 40 * MiB, unit: 'bytes' })),
    },
    {
      id: 'start', title: 'Start 1.2.0 beside the release serving now', detail: 'started beside 1.1.0',
      undo: "stopped 1.2.0's containers; 1.1.0 serves as before",
    },
    {
      id: 'health', title: 'Wait for 1.2.0 to answer healthy',
      work: [36, 38, 40, 42, 44, 46, 48].map((s) => ({ kind: 'heartbeat', elapsed_ms: s * 1000 })),
      fail: { code: 'release.unhealthy', message: 'DeskMate 1.2.0 did not turn healthy within 2 minutes: backend exited (1)' },
      undo: 'nothing to put back',
    },
    { id: 'switch', title: 'Switch current to 1.2.0', undo: 'current → 1.1.0' },
  ],
};

// A backup (no deploy lock: the backup scripts keep their own) that works for a while.
const longBackup = {
  operation: 'backup',
  lock: false,
  stepMs: 200,
  undoMs: 1000,
  steps: [
    {
      id: 'backup', title: 'Back up the database, the vectors and the files, then prove the backup by a trial restore beside the running stack',
      work: [{ kind: 'note', detail: 'database: 2 tables, 1.2 MB' }, ...Array.from({ length: 100 }, (_, i) => ({ kind: 'heartbeat', elapsed_ms: 2000 * (i + 1) }))],
      undo: 'removed the unfinished backup',
    },
  ],
};

let site, app, page;

before(async () => {
  site = await serveDist();
  app = await openScripted(site.url, { ...scripts, server_release_deploy: { operation: failingUpdate }, server_backup_create: { operation: longBackup } });
  page = app.page;
  await page.getByRole('button', { name: 'Servers', exact: true }).click();
});

after(async () => {
  assert.deepEqual(app?.errors ?? [], [], 'no uncaught errors in the page');
  await app?.context.close();
  site?.stop();
});

const stepOf = (view, id) => view.locator(`[data-step-id="${id}"]`);

describe('one operation view', () => {
  it('an update failing part-way: the plan first, each step live, then what was put back and the state in words', async () => {
    const row = page.locator('.servers li', { hasText: 'vps' });
    await row.getByRole('button', { name: 'Releases' }).click();
    const panel = page.locator('section.releases');
    await panel.getByRole('button', { name: 'Choose a release file…' }).click();

    // The plan, before anything changes, with its confirm and a way out.
    const view = panel.locator('section.operation');
    await panel.getByText('Updating from DeskMate 1.1.0 to 1.2.0:').waitFor();
    assert.equal(await view.getAttribute('data-phase'), 'planned');
    assert.deepEqual(
      await view.locator('ol.plan > li').evaluateAll((lis) => lis.map((li) => li.dataset.stepId)),
      ['lock', 'backup', 'images', 'start', 'health', 'switch'],
    );
    const planCall = await page.evaluate(() => window.__mock.scriptedCalls.find((c) => c.cmd === 'server_release_deploy'));
    assert.equal(planCall.args.plan, true, 'the plan is asked for with plan: true');
    await view.getByRole('button', { name: 'Cancel' }).waitFor();
    await view.getByRole('button', { name: 'Update' }).click();

    // Live: notes, a counted bar, and "still working" on heartbeats, with Stop.
    await view.getByRole('button', { name: 'Stop' }).waitFor();
    await stepOf(view, 'backup').getByText('database: 2 tables, 1.2 MB').waitFor();
    await stepOf(view, 'images').getByText(/MiB of 40\.0 MiB/).waitFor();
    await stepOf(view, 'health').getByText(/^still working… 4\d s$/).waitFor();

    // The end: the failed step, the undos, the step never reached, and the lock let go.
    await page.locator('section.releases section.operation[data-phase="failed"]').waitFor({ timeout: 20000 });
    const statuses = await view.locator('ol.plan > li').evaluateAll((lis) => lis.map((li) => `${li.dataset.stepId}:${li.dataset.status}`));
    assert.deepEqual(statuses, ['lock:let_go', 'backup:done', 'images:done', 'start:undone', 'health:undone', 'switch:skipped']);
    assert.match(await stepOf(view, 'health').innerText(), /failed: DeskMate 1\.2\.0 did not turn healthy .*; put back: nothing to put back/);
    assert.match(await stepOf(view, 'switch').innerText(), /not reached/);

    const state = 'What serves was put back as it was. These stay as they are, ready for the next try: Back up vps first, and prove the backup by a trial restore; Bring DeskMate 1.2.0\'s 5 images onto the server.';
    assert.equal(await view.getByTestId('operation-state').innerText(), state);
    assert.match(await view.getByTestId('put-back').innerText(), /Start 1\.2\.0 beside the release serving now; Wait for 1\.2\.0 to answer healthy/);
    assert.equal(await view.locator('[aria-live="polite"]').innerText(), `It failed and stopped. ${state}`);

    // The error in the owner's words first; the hint without the state words it repeats.
    const failure = view.locator('.failure');
    assert.equal(await failure.locator('strong').innerText(), 'DeskMate 1.2.0 did not turn healthy within 2 minutes: backend exited (1)');
    assert.equal(await failure.locator('p').first().innerText(), `What to do: ${failingUpdate.hint}`);
    // The technical detail waits, closed, with a Copy button.
    const details = failure.locator('details');
    assert.equal(await details.evaluate((d) => d.open), false);
    await details.locator('summary').click();
    const technical = await details.locator('pre').innerText();
    assert.match(technical, /^code: release\.unhealthy$/m);
    assert.match(technical, /^step: health \(Wait for 1\.2\.0 to answer healthy\)$/m);
    assert.match(technical, /^service: backend$/m);
    await details.getByRole('button', { name: 'Copy the details' }).click();
    await details.getByRole('status').getByText(/Copied\.|Selected/).waitFor();

    // The notice the panel always gave, and the way to try again.
    await page.locator('[data-code="release.unhealthy"]').waitFor();
    await view.getByRole('button', { name: 'Update' }).waitFor();
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it('Stop during a backup: Stopping while the runner puts back, then what became of it', async () => {
    const row = page.locator('.servers li', { hasText: 'vps' });
    await row.getByRole('button', { name: 'Backups' }).click();
    const panel = page.locator('section.backups');
    await panel.getByText('No backups yet.').waitFor();
    await panel.getByRole('button', { name: 'Back up now' }).click();

    // No plan-only mode here: the steps come with the plan event, and Stop is there at once.
    const view = panel.locator('section.operation');
    await stepOf(view, 'backup').getByText('database: 2 tables, 1.2 MB').waitFor();
    await stepOf(view, 'backup').getByText(/^still working… \d+ s$/).waitFor();
    assert.equal(await panel.getByRole('button', { name: 'Back up now' }).count(), 0, 'one change at a time');
    await view.getByRole('button', { name: 'Stop' }).click();

    const stopping = view.getByRole('button', { name: 'Stopping…, putting back what was changed' });
    await stopping.waitFor();
    assert.ok(await stopping.isDisabled(), 'a second press cannot stop it twice');
    assert.ok((await page.evaluate(() => window.__mock.calls)).includes('task_cancel'));

    await page.locator('section.backups section.operation[data-phase="cancelled"]').waitFor({ timeout: 10000 });
    assert.equal(await stepOf(view, 'backup').getAttribute('data-status'), 'undone');
    assert.match(await stepOf(view, 'backup').innerText(), /stopped; put back: removed the unfinished backup/);
    assert.match(await view.getByTestId('operation-result').innerText(), /^Stopped\. What was changed has been put back: the server is as it was before\./);
    assert.equal(await view.locator('.failure').count(), 0, 'a stop the owner asked for is not an error');
    await page.getByText('Backing up vps: cancelled. Nothing half-made was kept.').waitFor();
    await panel.getByRole('button', { name: 'Back up now' }).waitFor();
  });

  it("the first run's backup has a Stop too, and stopping it leaves the step to try again", async () => {
    // A path left at the backups: Home offers to go on, and the first run resumes there.
    await page.evaluate(() => localStorage.setItem('deskmate.firstRun', JSON.stringify({ server: 'vps', step: 'backups' })));
    await page.reload();
    await page.getByRole('button', { name: 'Go on' }).click();
    const step = page.locator('section.step[data-step="backups"]');
    await step.getByRole('button', { name: 'Back up now, only on the server for now' }).click();

    const view = step.locator('section.operation');
    await stepOf(view, 'backup').getByText('database: 2 tables, 1.2 MB').waitFor();
    await view.getByRole('button', { name: 'Stop' }).click();
    await view.getByRole('button', { name: 'Stopping…, putting back what was changed' }).waitFor();
    await step.locator('section.operation[data-phase="cancelled"]').waitFor({ timeout: 10000 });
    assert.match(await view.getByTestId('operation-result').innerText(), /^Stopped\. What was changed has been put back/);
    assert.equal(await step.locator('.failure').count(), 0, 'a stop is not shown as a failure');
    await step.getByRole('button', { name: 'Back up now, only on the server for now' }).waitFor();
    assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('deskmate.firstRun')).step), 'backups', 'the path stays at the backups');
  });
});
