// Launching the real app for a WebDriver test: tauri-driver (WebKitWebDriver underneath) on a
// port of its own, the app with the environment the test gives it, screenshots that never
// fail the test, and a stop that leaves nothing running.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WebDriver } from './webdriver.mjs';

export const repo = resolve(new URL('.', import.meta.url).pathname, '../../..');
export const target = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
// DESKMATE_APP points the test at another build, such as the one the .deb installs.
export const app = process.env.DESKMATE_APP ?? join(target, 'debug', 'deskmate-studio');
export const shots = join(target, 'screenshots');

/** The app, started with `env` added to this process's environment. */
export async function launch(env) {
  mkdirSync(shots, { recursive: true });
  const port = 4444 + Math.floor(Math.random() * 1000);
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1000)], {
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  const launched = Date.now();
  const webdriver = await WebDriver.connect(`http://127.0.0.1:${port}`, {
    browserName: 'wry',
    'tauri:options': { application: app },
  });
  return {
    webdriver,
    launched,
    /** Screenshots are for people; WebKitWebDriver sometimes never answers one, and that
     * must not fail the test of the app itself, so a missing one is reported instead.
     * WebKit takes one at its next repaint, and a still page under Xvfb may not repaint
     * at all: a one-pixel dot in a corner changes shade while the picture is taken. */
    async shot(name) {
      await webdriver.script(REPAINT_ON).catch(() => {});
      try {
        const png = await webdriver.screenshot();
        writeFileSync(join(shots, `${name}.png`), png);
        return png;
      } catch (err) {
        console.log(`# screenshot ${name} not taken: ${err.message}`);
        return null;
      } finally {
        await webdriver.script(REPAINT_OFF).catch(() => {});
      }
    },
    // Close the window as an owner would (the app quits with its last window), then end the
    // session and the driver. Some tauri-driver and WebKitWebDriver versions leave the app
    // running when the session ends, and a running app keeps this process's output open, so
    // the test run would never finish: whatever of it is left is stopped.
    async stop() {
      await webdriver.cmd('DELETE', '/window').catch(() => {});
      await webdriver.quit();
      driver.kill();
      await stopLeftover(app);
    },
  };
}

const REPAINT_ON = `
  const dot = document.createElement('div');
  dot.id = 'repaint-dot';
  dot.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;z-index:99999';
  document.body.append(dot);
  let odd = false;
  dot.dataset.timer = setInterval(() => { odd = !odd; dot.style.background = odd ? 'rgba(0,0,0,0.02)' : 'rgba(0,0,0,0.03)'; }, 30);`;
const REPAINT_OFF = `
  const dot = document.getElementById('repaint-dot');
  if (dot) { clearInterval(+dot.dataset.timer); dot.remove(); }`;

/** Stops the app launched from `path` if it is still running after a grace period. */
async function stopLeftover(path) {
  const running = () => spawnSync('pgrep', ['-f', '-x', path]).status === 0;
  for (let i = 0; i < 30 && running(); i++) await new Promise((ok) => setTimeout(ok, 100));
  if (running()) {
    console.log(`# the app was still running after the session ended; stopping it`);
    spawnSync('pkill', ['-f', '-x', path]);
  }
}
