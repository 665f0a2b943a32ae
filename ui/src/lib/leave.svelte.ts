// Leaving a page with unsaved work: the editor that holds it says so, and whatever would take
// the owner away (the main menu, a Back button) asks first.
import { confirm } from './confirm.svelte';

type Guard = () => boolean;

/** The open editor's "do I hold unsaved changes?", if an editor is open. */
let unsaved: Guard | null = null;

/** An editor registers while it is open; the returned function unregisters it. */
export function guardUnsaved(isDirty: Guard): () => void {
  unsaved = isDirty;
  return () => {
    if (unsaved === isDirty) unsaved = null;
  };
}

/** True when the owner may leave: nothing unsaved, or they chose to drop it. */
export async function mayLeave(what = 'this'): Promise<boolean> {
  if (!unsaved?.()) return true;
  return confirm(
    'Leave without saving?',
    `Your changes to ${what} are not saved yet. If you leave now, they are lost.`,
    'Leave without saving',
  );
}
