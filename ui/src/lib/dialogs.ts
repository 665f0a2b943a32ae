// File pickers, through Tauri's dialog plugin (the window never sees the file system itself).
import { open, save } from '@tauri-apps/plugin-dialog';

export interface FileFilter {
  name: string;
  extensions: string[];
}

export async function pickFiles(title: string, filters: FileFilter[]): Promise<string[]> {
  const picked = await open({ title, multiple: true, filters });
  if (picked === null) return [];
  return Array.isArray(picked) ? picked : [picked];
}

export async function pickFile(title: string, filters: FileFilter[]): Promise<string | null> {
  const picked = await open({ title, multiple: false, filters });
  return typeof picked === 'string' ? picked : null;
}

export async function pickFolder(title: string): Promise<string | null> {
  const picked = await open({ title, directory: true, multiple: false });
  return typeof picked === 'string' ? picked : null;
}

export async function pickSaveTarget(title: string, defaultPath: string, filters: FileFilter[]): Promise<string | null> {
  return await save({ title, defaultPath, filters });
}
