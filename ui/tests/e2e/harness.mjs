// Starts what the browser tests need: the real command table (`studio-bridge`) on a temp data
// folder, a static server for ui/dist, and Debian's Chromium through playwright-core.
import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
export const uiRoot = resolve(here, '../..');
export const repoRoot = resolve(uiRoot, '..');
const dist = join(uiRoot, 'dist');

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// Without these, Chromium reaches for Google's services at start, which this network refuses.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function bridgeBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
  const bin = join(target, 'debug', 'studio-bridge');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run cargo build -p deskmate-studio-bridge`);
  return bin;
}

function targetBinary(name) {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
  const bin = join(target, 'debug', name);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run cargo build -p deskmate-test-server --bin ${name}`);
  return bin;
}

/**
 * A real OpenSSH sshd on loopback (the Rust test harness's, through its `test-sshd` helper):
 * `{port, user, fingerprint, clientKey}`, `rekey()` for a new host key as after a reinstall,
 * and `stop()`. It needs root, as the Rust server tests do.
 */
export async function startSshd() {
  const child = spawn(targetBinary('test-sshd'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiting = [];
  let seen = '';
  child.stdout.on('data', (chunk) => {
    seen += chunk;
    let at;
    while ((at = seen.indexOf('\n')) >= 0) {
      const line = JSON.parse(seen.slice(0, at));
      seen = seen.slice(at + 1);
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    }
  });
  // If the test bed dies (say, no Docker engine answers), fail the suite instead of waiting forever.
  let exited = null;
  child.on('exit', (code) => {
    exited = new Error(`test-sshd exited (${code}) before it was ready; see its message above`);
    for (const next of waiting.splice(0)) next(Promise.reject(exited));
  });
  const nextLine = () =>
    lines.length ? Promise.resolve(lines.shift()) : exited ? Promise.reject(exited) : new Promise((ok) => waiting.push(ok));
  const info = await nextLine();
  return {
    ...info,
    async rekey() {
      child.stdin.write('rekey\n');
      info.fingerprint = (await nextLine()).fingerprint;
      return info.fingerprint;
    },
    stop: () => child.stdin.end(),
  };
}

export async function startBridge() {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskmate-e2e-'));
  const child = spawn(bridgeBinary(), ['0'], {
    env: { ...process.env, DESKMATE_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [port, token] = await new Promise((ok, fail) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on (\d+) token ([0-9a-f]+)/);
      if (m) ok([Number(m[1]), m[2]]);
    });
    child.on('exit', (code) => fail(new Error(`studio-bridge exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, token, dataDir, stop: () => child.kill() };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

export async function serveDist() {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('ui/dist is missing: run npm run build');
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dist, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() };
}

const mockScript = readFileSync(join(here, 'runner-double.js'), 'utf8') + readFileSync(join(here, 'tauri-mock.js'), 'utf8');

/** A headless Chromium showing the app; `setup` runs in the page before the mock. */
async function launch(setup, options) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'deskmate-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 1400, height: 900 },
  });
  await context.addInitScript({ content: `${setup}${mockScript}` });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  return { page, context, errors };
}

/** A browser page showing the app, its IPC going to the bridge (`{url, token}`). */
export async function openApp(bridge, siteUrl, options = {}) {
  const opened = await launch(`window.__bridge = ${JSON.stringify(bridge.url)};\nwindow.__bridgeToken = ${JSON.stringify(bridge.token)};\n`, options);
  await openRooms(opened.page, siteUrl);
  return opened;
}

/**
 * A browser page showing the app with no bridge: every command is answered by `scripts`
 * (see tauri-mock.js), server operations by the runner double. No Rust build, no server.
 */
export async function openScripted(siteUrl, scripts, options = {}) {
  const opened = await launch(`window.__bridge = null;\nwindow.__scripts = ${JSON.stringify(scripts)};\n`, options);
  await opened.page.goto(siteUrl);
  return opened;
}

/** Loads the app and goes to the Rooms page, where most tests start (the app opens on Home). */
export async function openRooms(page, siteUrl) {
  await page.goto(siteUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Rooms', exact: true }).click();
}

/**
 * The app a test file runs against: the real command table on a temp data folder, the built
 * UI, and a browser on the Rooms page. `opened` gets `{bridge, site, app, page}` once they are
 * up. Each file has its own, so its tests start from an empty library and see only what the
 * tests before them in that file did.
 */
export function useApp(opened) {
  let bridge, site, app;
  before(async () => {
    bridge = await startBridge();
    site = await serveDist();
    app = await openApp(bridge, site.url);
    opened({ bridge, site, app, page: app.page });
  });

  // A failed test may leave a dialog open or the editor dirty. Reloading the page puts the app
  // back on its home screen, so one failure is reported once instead of failing every suite
  // after it.
  afterEach(async (t) => {
    if (!t.passed) await openRooms(app.page, site.url);
  });

  after(async () => {
    await app?.context.close();
    site?.stop();
    bridge?.stop();
  });

  after(() => {
    assert.deepEqual(app?.errors ?? [], [], 'no uncaught errors in the page');
  });
}
