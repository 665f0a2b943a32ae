// Runs in the page before the app (Playwright's addInitScript). It stands in for Tauri's IPC at
// the @tauri-apps/api boundary: every app command is forwarded to `studio-bridge`, which runs
// the real command table over loopback HTTP (file dialogs included); the event plugin is
// answered here.
// `window.__bridge` is set by the test before this runs (see harness.mjs). A test may also
// script commands (`window.__mock.script`): a plain answer or error, or a server operation run
// by the runner double (runner-double.js), which streams `{ event }` messages on the task's
// channel as the real runner does and stops on `task_cancel`. With `window.__bridge` null, the
// page runs on scripts alone (no Rust, no server), and an unscripted command is refused.
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
    // An event the app sends the window (`app-close-asked`, say), as Tauri delivers it.
    emit(event, payload) {
      for (const [id, name] of listeners) {
        if (name === event) callbacks.get(id)?.({ event, id, payload });
      }
    },
    // Set when the window closed itself (getCurrentWindow().destroy()).
    closed: false,
    calls: [],
    // What each scripted command answers: { answer }, { error }, or { operation: scenario }.
    scripts: { ...(window.__scripts ?? {}) },
    script(command, script) {
      this.scripts[command] = script;
    },
    // The args each scripted command was called with, newest last.
    scriptedCalls: [],
  };

  /** The cancel flags of the scripted operations running now, by task id. */
  const scriptedTasks = new Map();

  async function scripted(cmd, args, script) {
    window.__mock.scriptedCalls.push({ cmd, args });
    if ('error' in script) throw script.error;
    if (!('operation' in script)) return script.answer;
    const scenario = script.operation;
    // `plan: true`: the report with its plan, and no events, as the commands do.
    if (args.plan) return { ...(scenario.report ?? {}), plan: window.__runnerDouble.planOf(scenario), planned_only: true };
    const channel = args.onProgress;
    let index = 0;
    const emit = (event) => callbacks.get(channel.id)?.({ message: { event }, index: index++ });
    const flag = { cancelled: false };
    scriptedTasks.set(args.taskId, flag);
    try {
      const ended = await window.__runnerDouble.run(scenario, emit, () => flag.cancelled);
      if ('error' in ended) throw ended.error;
      return ended.ok;
    } finally {
      scriptedTasks.delete(args.taskId);
    }
  }

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
    if (cmd === 'plugin:window|destroy') {
      window.__mock.closed = true;
      return null;
    }
    if (cmd.startsWith('plugin:')) throw new Error(`the mock has no ${cmd}`);
    if (cmd === 'task_cancel' && scriptedTasks.has(args.id)) {
      scriptedTasks.get(args.id).cancelled = true;
      return null;
    }
    const script = window.__mock.scripts[cmd];
    if (script) return scripted(cmd, args, script);
    if (!window.__bridge) throw { code: 'test.unscripted', message: `This test gives no answer for ${cmd}.`, hint: '' };
    const channel = args.onProgress;
    const live = channel && typeof channel.id === 'number' && typeof args.taskId === 'string';
    // A long task's progress is read while it runs, so the page shows each step as it
    // finishes and a cancel can land mid-way; what is left comes with the reply.
    let delivered = 0;
    const deliver = (messages) => {
      for (const message of messages) callbacks.get(channel.id)?.({ message, index: delivered++ });
    };
    let polling = true;
    const poll = async () => {
      while (polling) {
        const response = await tell('progress', { taskId: args.taskId, from: delivered });
        if (polling) deliver(await response.json());
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const poller = live ? poll() : null;
    const response = await fetch(`${window.__bridge}/invoke/${cmd}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bridge-token': window.__bridgeToken },
      body: JSON.stringify(args),
    });
    const reply = await response.json();
    polling = false;
    await poller;
    if (live) deliver(reply.progress.slice(delivered));
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
