// Runs in the page before the app (Playwright's addInitScript). It stands in for Tauri's IPC at
// the @tauri-apps/api boundary: every app command is forwarded to `studio-bridge`, which runs
// the real command table over loopback HTTP (file dialogs included); the event plugin is
// answered here.
// `window.__bridge` is set by the test before this runs (see harness.mjs).
(() => {
  const callbacks = new Map();
  const listeners = new Map();
  let nextId = 1;
  // What the owner does outside the page goes to the bridge, which grants the paths exactly
  // as the app's own dialogs and drop events do.
  const tell = (what, body) =>
    fetch(`${window.__bridge}/test/${what}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-token': window.__bridgeToken },
      body: JSON.stringify(body),
    });
  window.__mock = {
    // The test queues what the next file dialog "picks": a path, a list, or null (cancel).
    answerDialog(value) {
      return tell('dialog-answer', value);
    },
    // Files dropped on the window, as Tauri reports them.
    async dropFiles(paths) {
      await tell('drop', paths);
      for (const [id, event] of listeners) {
        if (event === 'tauri://drag-drop') {
          callbacks.get(id)?.({ event, id, payload: { paths, position: { x: 10, y: 10 } } });
        }
      }
    },
    calls: [],
  };

  async function invoke(cmd, args = {}) {
    window.__mock.calls.push(cmd);
    if (cmd === 'plugin:event|listen') {
      listeners.set(args.handler, args.event);
      return args.handler;
    }
    if (cmd === 'plugin:event|unlisten') {
      listeners.delete(args.eventId);
      return null;
    }
    if (cmd.startsWith('plugin:')) throw new Error(`the mock has no ${cmd}`);
    const response = await fetch(`${window.__bridge}/invoke/${cmd}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-token': window.__bridgeToken },
      body: JSON.stringify(args),
    });
    const reply = await response.json();
    const channel = args.onProgress;
    if (channel && typeof channel.id === 'number') {
      reply.progress.forEach((message, index) => callbacks.get(channel.id)?.({ message, index }));
    }
    if ('error' in reply) throw reply.error;
    return reply.ok;
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback(callback, once) {
      const id = nextId++;
      callbacks.set(id, (payload) => {
        if (once) callbacks.delete(id);
        return callback(payload);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    convertFileSrc(path) {
      return path;
    },
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener() {} };
})();
