// The shapes the app's commands return (see src-tauri/src/commands and crates/api).
//
// The room model, its commands, diagnostics, errors and placements are generated from the
// Rust types (ts-rs, `cargo xtask types`; `cargo xtask test` fails when they drift) and only
// re-exported here. The rest is still written by hand, to be generated next.
import type { Kind } from './generated/Kind';

export type { ApiError } from './generated/ApiError';
export type { Command } from './generated/Command';
export type { Diagnostic } from './generated/Diagnostic';
export type { Kind } from './generated/Kind';
export type { Palette } from './generated/Palette';
export type { Placement } from './generated/Placement';
export type { Property } from './generated/Property';
export type { JsonValue } from './generated/serde_json/JsonValue';
export type { Room } from './generated/Room';
export type { RoomObject } from './generated/RoomObject';
export type { Severity } from './generated/Severity';
export type { Theme } from './generated/Theme';
import type { Diagnostic } from './generated/Diagnostic';
import type { Room } from './generated/Room';

export const KINDS = ['furniture', 'decoration', 'tool', 'appliance', 'lighting', 'door', 'window', 'storage'] as const satisfies readonly Kind[];
// Fails to compile when the Rust `Kind` gains a kind this list lacks.
const everyKind: Exclude<Kind, (typeof KINDS)[number]> extends never ? true : never = true;
void everyKind;


export interface Editing {
  session: number;
  room: Room;
  diagnostics: Diagnostic[];
  canUndo: boolean;
  canRedo: boolean;
}

export interface TemplateSummary {
  name: string;
  title: string;
  description: string;
  theme: string;
  objects: number;
}

export interface PersonaSummary {
  id: number;
  name: string;
  card_name: string;
  creator: string;
  spec: string;
  source_format: string;
  source_file: string;
  tags: string[];
  rating: number | null;
  sprites: number;
  created_at: number;
  modified_at: number;
  trashed_at: number | null;
}

export interface SpriteInfo {
  file_name: string;
  label: string;
  format: string;
  width: number;
  height: number;
  alpha: boolean;
}

export interface Coverage {
  label_set: string;
  total: number;
  present: string[];
  fallbacks: { label: string; from: string }[];
  missing: string[];
  custom: string[];
}

/** `persona_show`: the summary fields, the owner's notes, the card JSON text, the sprites. */
export interface PersonaDetail extends Omit<PersonaSummary, 'sprites'> {
  notes: string;
  source_sha256: string;
  card: string;
  sprites: SpriteInfo[];
  coverage: Coverage[];
  diagnostics: Diagnostic[];
  repairable: boolean;
}
