// While the window is open, each server's watchdog is read every five minutes; a change it
// saw since the last read (a problem, or its recovery) becomes a desktop notification (the
// app's `app_notify`, Tauri's notification plugin) and a notice, and the Servers page marks
// the server. The first read of a server only notes where its history stands, so opening the
// app does not replay old changes. The server e-mails the same changes itself.
import { call } from './ipc';
import { notify } from './notices.svelte';
import type { ServerList, WatchEvent, WatchLevel, WatchReport } from './types';

/** Each server's level in its watchdog's last round. */
export const watched = $state<Record<string, WatchLevel>>({});

const seenKey = (server: string) => `deskmate.watch.seen.${server}`;
const words: Record<WatchLevel, string> = { ok: 'Well again', warn: 'Warning', fail: 'Problem' };

/** The changes in `events` after `seen` (a time), for notifying; pure, so it is tested. */
export function newChanges(events: WatchEvent[], seen: string | null): WatchEvent[] {
  if (seen === null) return [];
  return events.filter((e) => e.from !== null && e.time > seen);
}

/** Takes in a report just read (by the poll or by the Watch panel). */
export async function takeIn(report: WatchReport): Promise<void> {
  if (report.overall) watched[report.server] = report.overall;
  const newest = report.events.at(-1)?.time ?? '';
  const seen = localStorage.getItem(seenKey(report.server));
  const fresh = newChanges(report.events, seen);
  localStorage.setItem(seenKey(report.server), newest > (seen ?? '') ? newest : (seen ?? newest));
  for (const e of fresh) {
    const body = `${words[e.to]} (${e.check}): ${e.message}`;
    notify(e.to === 'ok' ? 'success' : 'info', `${report.server}: ${body}`);
    try {
      await call('app_notify', { title: `DeskMate: ${report.server}`, body });
    } catch {
      // The notice above still says it.
    }
  }
}

const EVERY_MS = 5 * 60 * 1000;

/** Reads every server's watchdog now and every five minutes after. */
export function startWatching(): () => void {
  const round = async () => {
    let list: ServerList;
    try {
      list = await call<ServerList>('server_list');
    } catch {
      return;
    }
    for (const s of list.servers) {
      try {
        await takeIn(await call<WatchReport>('server_watch', { name: s.name }));
      } catch {
        // Unreachable or busy: the health check says why; the server e-mails on its own.
      }
    }
  };
  const first = setTimeout(round, 10_000);
  const every = setInterval(round, EVERY_MS);
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
