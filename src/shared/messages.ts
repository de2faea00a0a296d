/**
 * The message protocol between the summary panel's host (src/extension/summary) and its webview
 * (webview/). Imported by both sides: plain types and constants only, no `vscode` or node imports.
 *
 * Flow: the webview posts `ready`; the host answers with `state` (everything the panel shows), and
 * sends a new `state` whenever the index changes. The webview asks for actions (`export`,
 * `savePng`, `copySummary`, `reveal…`); the host answers long actions with `busy` and `notice`.
 * Every message carries `v`: a side that receives another version ignores it (the host then
 * reloads the webview's HTML, which happens after an extension update with a restored panel).
 */

import type { Stats } from './stats';
export const PROTOCOL_VERSION = 2;

/** The webview's `vscode.setState` content, also what the panel serializer is given after a reload. */
export interface PersistedState {
  v: number;
  /** URI (string) of the workspace folder shown. */
  folder?: string;
  state?: SummaryState;
  /** Table view state. */
  sort?: { column: SeriesColumn; descending: boolean };
  filter?: string;
  /** The chart bar the table is filtered to (the filter chip). */
  facet?: SeriesFacet;
}

/** A filter of the series table chosen on a chart: one slice thickness (mm) or one modality. */
export type SeriesFacet = { kind: 'thickness'; value: number } | { kind: 'modality'; value: string };

/** The statistics the panel shows: exactly the core's (one definition, in src/shared/stats.ts). */
export type StatsData = Stats;

/**
 * One row of the series table: one per distinct non-empty SeriesInstanceUID, and rows with `uid`
 * '' for groups of files that have no Series UID (not series: shown as "(no Series UID)").
 * Every string comes from DICOM files: set it as text only.
 */
export interface SeriesRow {
  /** SeriesInstanceUID ('' when missing). */
  uid: string;
  /** PatientName when stored, else PatientID. */
  patient: string;
  /** PatientName as stored (DICOM PN, `Family^Given`), '' when absent or not stored: the webview formats it. */
  patientName: string;
  patientId: string;
  /** DICOM DA form, YYYYMMDD, or ''. */
  studyDate: string;
  modality: string;
  description: string;
  seriesNumber: number | null;
  images: number;
  /** Distinct slice thicknesses (mm), ascending. */
  thickness: number[];
  /** Distinct pixel spacings (DICOM form `row\col`, mm). */
  pixelSpacing: string[];
  /** Distinct `rows×columns`. */
  size: string[];
  /** DICOM keywords on which this series' files disagree (e.g. `PatientID`, `SeriesDescription`); [] when none. */
  conflicts: string[];
}

export type SeriesColumn = 'patient' | 'patientId' | 'studyDate' | 'modality' | 'description' | 'images' | 'thickness' | 'pixelSpacing' | 'size';

export interface FolderInfo {
  /** URI string: the key. */
  uri: string;
  name: string;
}

export interface SummaryState {
  folders: FolderInfo[];
  /** The folder shown (URI string), or undefined when there is no workspace folder. */
  folder?: string;
  /** Null when the folder has no index yet. */
  stats: StatsData | null;
  series: SeriesRow[];
  /** Rows of the whole series table (one per Series UID, and groups without one); `series.length` is smaller when the list was capped. */
  seriesTotal: number;
  indexing: boolean;
  /** When this state was computed (ISO). */
  computedAt: string;
  /** Set when the index could not be read. */
  error?: string;
}

export type ChartId = 'thickness' | 'seriesThickness' | 'modalities';

export const CHART_TITLES: Record<ChartId, string> = {
  thickness: 'Instances per slice thickness',
  seriesThickness: 'Series per slice thickness',
  modalities: 'Instances per modality',
};

// ---- webview → host -----------------------------------------------------------------------------
export type WebviewMessage =
  | { v: number; type: 'ready' }
  | { v: number; type: 'refresh' }
  | { v: number; type: 'selectFolder'; folder: string }
  | { v: number; type: 'revealSeries'; uid: string }
  | { v: number; type: 'revealProblems' }
  | { v: number; type: 'export'; format: 'csv' | 'xlsx' }
  | { v: number; type: 'savePng'; chart: ChartId; dataUrl: string }
  | { v: number; type: 'copySummary' }
  | { v: number; type: 'indexWorkspace' };

// ---- host → webview -----------------------------------------------------------------------------
export type HostMessage =
  | { v: number; type: 'state'; state: SummaryState }
  /** A long action started (`true`) or ended; the webview disables the action buttons meanwhile. */
  | { v: number; type: 'busy'; busy: boolean; action?: string }
  /** A short line for the panel's status area. */
  | { v: number; type: 'notice'; text: string; kind: 'info' | 'error' };

const WEBVIEW_TYPES = new Set(['ready', 'refresh', 'selectFolder', 'revealSeries', 'revealProblems', 'export', 'savePng', 'copySummary', 'indexWorkspace']);

/** Checks an incoming webview message (anything may arrive): version, type and field types. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o.v !== PROTOCOL_VERSION || typeof o.type !== 'string' || !WEBVIEW_TYPES.has(o.type)) return false;
  switch (o.type) {
    case 'selectFolder':
      return typeof o.folder === 'string';
    case 'revealSeries':
      return typeof o.uid === 'string';
    case 'export':
      return o.format === 'csv' || o.format === 'xlsx';
    case 'savePng':
      return (o.chart === 'thickness' || o.chart === 'seriesThickness' || o.chart === 'modalities') && typeof o.dataUrl === 'string' && o.dataUrl.startsWith('data:image/png;base64,');
    default:
      return true;
  }
}

export function isHostMessage(m: unknown): m is HostMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  return o.v === PROTOCOL_VERSION && (o.type === 'state' || o.type === 'busy' || o.type === 'notice');
}
