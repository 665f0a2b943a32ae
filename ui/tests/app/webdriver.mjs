// Just enough of the W3C WebDriver protocol to drive the real app through tauri-driver.
export class WebDriver {
  constructor(url, session) {
    this.url = url;
    this.session = session;
  }

  static async connect(url, capabilities, attempts = 50) {
    for (let i = 0; ; i++) {
      try {
        const reply = await request(`${url}/session`, 'POST', { capabilities: { alwaysMatch: capabilities } });
        return new WebDriver(url, reply.sessionId);
      } catch (err) {
        if (i >= attempts) throw err;
        await sleep(200);
      }
    }
  }

  async cmd(method, path, body) {
    return request(`${this.url}/session/${this.session}${path}`, method, body);
  }

  async find(css, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const el = await this.cmd('POST', '/element', { using: 'css selector', value: css });
        return Object.values(el)[0];
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`no element ${css}: ${err.message}`);
        await sleep(150);
      }
    }
  }

  async click(css) {
    const id = await this.find(css);
    await this.cmd('POST', `/element/${id}/click`, {});
  }

  async type(css, text) {
    const id = await this.find(css);
    await this.cmd('POST', `/element/${id}/clear`, {});
    await this.cmd('POST', `/element/${id}/value`, { text });
  }

  async attribute(css, name) {
    const id = await this.find(css);
    return this.cmd('GET', `/element/${id}/attribute/${name}`);
  }

  async script(source, args = []) {
    return this.cmd('POST', '/execute/sync', { script: source, args });
  }

  async waitFor(source, args = [], timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.script(source, args))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${source}`);
      await sleep(150);
    }
  }

  async keys(keys) {
    await this.cmd('POST', '/actions', {
      actions: [{ type: 'key', id: 'keyboard', actions: keys.flatMap((k) => [{ type: 'keyDown', value: k }, { type: 'keyUp', value: k }]) }],
    });
  }

  /** Presses the mouse on an element's centre, moves it by (dx, dy) pixels and lets go. */
  async drag(css, dx, dy) {
    const id = await this.find(css);
    const steps = 5;
    await this.cmd('POST', '/actions', {
      actions: [
        {
          type: 'pointer',
          id: 'mouse',
          parameters: { pointerType: 'mouse' },
          actions: [
            { type: 'pointerMove', duration: 0, origin: { [ELEMENT]: id }, x: 0, y: 0 },
            { type: 'pointerDown', button: 0 },
            // In steps, as a hand would, so the editor sees moves while the button is down.
            ...Array.from({ length: steps }, () => ({ type: 'pointerMove', duration: 50, origin: 'pointer', x: dx / steps, y: dy / steps })),
            { type: 'pointerUp', button: 0 },
          ],
        },
      ],
    });
    await this.cmd('DELETE', '/actions');
  }

  async screenshot() {
    return Buffer.from(await request(`${this.url}/session/${this.session}/screenshot`, 'GET', undefined, 10000), 'base64');
  }

  async quit() {
    await request(`${this.url}/session/${this.session}`, 'DELETE').catch(() => {});
  }
}

/** The W3C key under which an element reference travels. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function request(url, method, body, timeoutMs = 30000) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    // A stuck driver fails the test instead of stalling it.
    signal: AbortSignal.timeout(timeoutMs),
  });
  const reply = await response.json();
  if (!response.ok || reply.value?.error) {
    throw new Error(`${method} ${url}: ${reply.value?.error ?? response.status} ${reply.value?.message ?? ''}`);
  }
  return reply.value;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
