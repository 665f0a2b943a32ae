// The shapes the app's commands return (see src-tauri/src/commands and crates/api).

export type Severity = 'info' | 'warning' | 'error';

export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  path?: string;
  hint?: string;
  source: string;
}

export type Kind =
  | 'furniture'
  | 'decoration'
  | 'tool'
  | 'appliance'
  | 'lighting'
  | 'door'
  | 'window'
  | 'storage';

export const KINDS: Kind[] = ['furniture', 'decoration', 'tool', 'appliance', 'lighting', 'door', 'window', 'storage'];

export interface RoomObject {
  id: string;
  name: string;
  description?: string;
  kind: Kind;
  object_type?: string;
  position_x: number;
  position_y: number;
  size_width: number;
  size_height: number;
  is_solid: boolean;
  is_interactive: boolean;
  is_movable: boolean;
  sprite_name?: string;
  color_scheme?: string;
  states?: Record<string, string>;
  allowed_states?: Record<string, string[]>;
  z?: number;
  behavior?: string;
  material?: string;
}

export interface Palette {
  floor: string;
  wall: string;
  grid: string;
  accent: string;
  text: string;
  wood: string;
  fabric: string;
  metal: string;
  glass: string;
  plant: string;
  light: string;
  screen: string;
}

export interface Theme {
  name: string;
  palette: Palette;
  custom?: Record<string, string>;
}

export interface Room {
  format: string;
  id: string;
  name: string;
  description?: string;
  grid: { width: number; height: number };
  cell: { width: number; height: number };
  theme: Theme;
  spawn: { x: number; y: number };
  objects: RoomObject[];
}

export interface Editing {
  session: number;
  room: Room;
  diagnostics: Diagnostic[];
  canUndo: boolean;
  canRedo: boolean;
}

export interface Placement {
  refused: { code: string; message: string; hint: string } | null;
  conflicts: string[];
  nearest_free: { x: number; y: number } | null;
  diagnostics?: Diagnostic[];
}

export interface TemplateSummary {
  name: string;
  title: string;
  description: string;
  theme: string;
  objects: number;
}

export type Command =
  | { op: 'add'; object: RoomObject }
  | { op: 'remove'; id: string }
  | { op: 'move'; id: string; x: number; y: number }
  | { op: 'resize'; id: string; width: number; height: number }
  | { op: 'set_property'; id: string; property: string; value: unknown }
  | { op: 'set_state'; id: string; key: string; value: string | null }
  | { op: 'apply_theme'; theme: Theme }
  | { op: 'apply_template'; template: string }
  | { op: 'rename_room'; name: string }
  | { op: 'batch'; commands: Command[] };

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
}
