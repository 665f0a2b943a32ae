// File pickers. The app shows them (`dialog_pick`), not the page, so what the owner picks is
// granted to the window and nothing else is: a command refuses a path the owner never chose
// (`ipc.path_not_chosen`). Files dropped on the window are granted the same way.
import { call } from './ipc';

export interface FileFilter {
  name: string;
  extensions: string[];
}

type Kind = 'file' | 'files' | 'folder' | 'save';

function pick(kind: Kind, title: string, filters: FileFilter[] = [], defaultName?: string): Promise<string[]> {
  return call<string[]>('dialog_pick', { kind, title, filters, defaultName });
}

export async function pickFiles(title: string, filters: FileFilter[]): Promise<string[]> {
  return pick('files', title, filters);
}

export async function pickFile(title: string, filters: FileFilter[]): Promise<string | null> {
  return (await pick('file', title, filters))[0] ?? null;
}

export async function pickFolder(title: string): Promise<string | null> {
  return (await pick('folder', title))[0] ?? null;
}

export async function pickSaveTarget(title: string, defaultPath: string, filters: FileFilter[]): Promise<string | null> {
  return (await pick('save', title, filters, defaultPath))[0] ?? null;
}
