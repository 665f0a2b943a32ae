// Closing the window while a server changes: the app asks first (the `app-close-asked` event
// carries the changes under way), and either stops them, which puts back what they changed
// and lets the deploy lock go, then closes, or keeps working.

/** The event the app sends when the window is asked to close while a server changes. */
export const CLOSE_ASKED = 'app-close-asked';

/** A change under way, as the app reports it. */
export interface ServerChange {
  id: string;
  command: string;
  server: string;
}

const WORDS: Record<string, string> = {
  server_install: 'an install',
  server_release_deploy: 'an update',
  server_release_rollback: 'a rollback',
  server_recover: 'finishing or undoing a change that was cut off',
  server_backup_create: 'a backup',
  server_backup_restore: 'a restore',
  server_backup_schedule: 'a backup schedule',
  server_backup_target: 'setting up the offsite copy',
  server_backup_heal: 'healing the backup repository',
  server_publish_room: 'publishing a room',
  server_publish_personas: 'publishing personas',
  server_alerts_set: 'an alerts change',
  server_maintain: 'maintenance',
};

/** What a command does to a server, in a few words. */
export function changeWords(command: string): string {
  return WORDS[command] ?? 'a change';
}

/** The question, in the owner's words. */
export function closeQuestion(changes: ServerChange[]): string {
  const after = 'Closing now stops it: what it changed is put back first, which can take a minute.';
  if (changes.length === 1) {
    const [c] = changes;
    return `A change to ${c.server} is under way (${changeWords(c.command)}). ${after}`;
  }
  const list = changes.map((c) => `${c.server} (${changeWords(c.command)})`).join(', ');
  return `Changes are under way: ${list}. Closing now stops them: what they changed is put back first, which can take a minute.`;
}
