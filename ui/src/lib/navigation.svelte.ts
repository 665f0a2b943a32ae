// Which page the window shows, and what a link asked that page to open. The home page's
// links and the first run move between pages through here; the main menu too.
import { dismissAll } from './notices.svelte';
import { mayLeave } from './leave.svelte';

export type Page = 'home' | 'firstrun' | 'rooms' | 'personas' | 'plugins' | 'servers';
/** A panel of the Servers page, opened for one server. */
export type Panel = 'install' | 'backups' | 'releases' | 'watch';

export const navigation: { page: Page; open: { server: string; panel: Panel } | null } = $state({
  page: 'home',
  open: null,
});

/** Goes to `page` (asking first when unsaved work would be left); `open` names a panel. */
export async function go(page: Page, open: { server: string; panel: Panel } | null = null): Promise<boolean> {
  if (page === navigation.page && !open) return true;
  if (!(await mayLeave())) return false;
  dismissAll();
  navigation.open = open;
  navigation.page = page;
  return true;
}

/** The panel a link asked for, once: the page that opens it takes it. */
export function takeOpen(): { server: string; panel: Panel } | null {
  const open = navigation.open;
  navigation.open = null;
  return open;
}
