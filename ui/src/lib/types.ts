// The shapes the app's commands return (see src-tauri/src/commands and crates/api).
//
// The room model, its commands, diagnostics, errors and placements are generated from the
// Rust types (ts-rs, `cargo xtask types`; `cargo xtask test` fails when they drift) and only
// re-exported here, as are the persona shapes, the editor's reply, the template gallery and
// the servers' profiles and reports.
import type { Kind } from './generated/Kind';

export type { ApiError } from './generated/ApiError';
export type { Command } from './generated/Command';
export type { Diagnostic } from './generated/Diagnostic';
export type { Editing } from './generated/Editing';
export type { Finding } from './generated/Finding';
export type { Level } from './generated/Level';
export type { Kind } from './generated/Kind';
export type { Coverage } from './generated/Coverage';
export type { Palette } from './generated/Palette';
export type { PersonaDetail } from './generated/PersonaDetail';
export type { PersonaSummary } from './generated/PersonaSummary';
export type { SpriteInfo } from './generated/SpriteInfo';
export type { Placement } from './generated/Placement';
export type { Property } from './generated/Property';
export type { JsonValue } from './generated/serde_json/JsonValue';
export type { Room } from './generated/Room';
export type { ArtBook } from './generated/ArtBook';
export type { Catalogue } from './generated/Catalogue';
export type { CatalogueItem } from './generated/CatalogueItem';
export type { Picture } from './generated/Picture';
export type { RoomObject } from './generated/RoomObject';
export type { Severity } from './generated/Severity';
export type { Theme } from './generated/Theme';
export type { TemplateSummary } from './generated/TemplateSummary';
export type { AddReport } from './generated/AddReport';
export type { CheckReport } from './generated/CheckReport';
export type { HealthOutcome } from './generated/HealthOutcome';
export type { HistoryEntry } from './generated/HistoryEntry';
export type { ServerList } from './generated/ServerList';
export type { ServerProfile } from './generated/ServerProfile';
export type { TrustReport } from './generated/TrustReport';
export type { InstallReport } from './generated/InstallReport';
export type { StepReport } from './generated/StepReport';
export type { PlannedStep } from './generated/PlannedStep';
export type { Backup } from './generated/Backup';
export type { BackupOutcome } from './generated/BackupOutcome';
export type { RestoreReport } from './generated/RestoreReport';
export type { ScheduleReport } from './generated/ScheduleReport';
export type { VerifyReport } from './generated/VerifyReport';
export type { TargetReport } from './generated/TargetReport';
export type { DownloadReport } from './generated/DownloadReport';
export type { HealReport } from './generated/HealReport';
export type { DeployReport } from './generated/DeployReport';
export type { ReleaseEntry } from './generated/ReleaseEntry';
export type { Published } from './generated/Published';
export type { Publication } from './generated/Publication';

export const KINDS = ['furniture', 'decoration', 'tool', 'appliance', 'lighting', 'door', 'window', 'storage'] as const satisfies readonly Kind[];
// Fails to compile when the Rust `Kind` gains a kind this list lacks.
const everyKind: Exclude<Kind, (typeof KINDS)[number]> extends never ? true : never = true;
void everyKind;

export type { WatchReport } from './generated/WatchReport';
export type { WatchCheck } from './generated/WatchCheck';
export type { WatchEvent } from './generated/WatchEvent';
export type { WatchLevel } from './generated/WatchLevel';
export type { HealthSample } from './generated/HealthSample';
export type { AlertsReport } from './generated/AlertsReport';
export type { MaintainReport } from './generated/MaintainReport';
export type { MaintainStep } from './generated/MaintainStep';
export type { LogReport } from './generated/LogReport';
export type { LogLine } from './generated/LogLine';
export type { ErrorGroup } from './generated/ErrorGroup';
export type { Incident } from './generated/Incident';
export type { Home } from './generated/Home';
export type { HeldLock } from './generated/HeldLock';
export type { Interrupted } from './generated/Interrupted';
export type { Way } from './generated/Way';
export type { WayKind } from './generated/WayKind';
export type { Recovered } from './generated/Recovered';
export type { HomeLevel } from './generated/HomeLevel';
export type { HomeLink } from './generated/HomeLink';
export type { ChecklistItem } from './generated/ChecklistItem';
export type { KnownRelease } from './generated/KnownRelease';
