/**
 * The message protocol between the summary panel's host (src/extension/summary) and its webview
 * (webview/). Imported by both sides: plain types and constants only, no `vscode` or node imports.
 *
 * Flow: the webview posts `ready`; the host answers with `state` (everything the panel shows), and
 * sends a new `state` whenever the index changes. The webview asks for actions (`export`,
 * `savePng`, `copySummary`, `reveal…`, `exportCohort`); the host answers long actions with `busy` and
 * `notice`. The Cohort form asks `cohortCount` as the user edits it; the host answers `cohortCount`
 * with the same `seq` (the webview keeps only the answer to its latest question). The webview sends
 * its view (`saveView`) as it changes; the host sends its copy back (`view`) after a reload.
 * Every message carries `v`: a side that receives another version ignores it (the host then
 * reloads the webview's HTML, which happens after an extension update with a restored panel).
 */

import { SERIES_GEOMETRY_COLUMNS } from './cohort';
import { CHECK_NAMES, SEVERITIES, type CheckName, type Severity } from './checks';
import { COHORT_FORMATS, type CohortCount, type CohortFilter, type CohortFormat } from './cohort';
import type { Stats } from './stats';
/** 3: the dataset checks and the cohort (state.checks, cohortCount, exportCohort, SeriesRow.findings/step). */
export const PROTOCOL_VERSION = 3;

/** The webview's `vscode.setState` content, also what the panel serializer is given after a reload. */
export interface PersistedState {
  v: number;
  /** URI (string) of the workspace folder shown. */
  folder?: string;
  state?: SummaryState;
  /** Table view state. */
  sort?: { column: SeriesColumn; descending: boolean };
  filter?: string;
  /** The chart bar or the check the table is filtered to (the filter chip). */
  facet?: SeriesFacet;
  /** The Cohort section's form as the user left it (also fields that do not parse yet, as typed). */
  cohort?: CohortForm;
  /** When the view (sort, filter, facet, cohort) last changed (the webview's Date.now()). */
  savedAt?: number;
}

/**
 * The panel's view: what the user chose (table sort and filter, the chip, the Cohort form). The
 * webview keeps it in its state, and sends it to the host, which keeps a copy in the workspace
 * state: VS Code saves a webview's state on a timer and at shutdown, which a reload can outrun.
 * After a reload the newer copy (`savedAt`) wins.
 */
export interface PanelView {
  savedAt: number;
  sort?: { column: SeriesColumn; descending: boolean };
  filter?: string;
  facet?: SeriesFacet;
  cohort?: CohortForm;
}

/**
 * A filter of the series table: one slice thickness (mm), one measured step (mm) or one modality,
 * chosen on a chart; or one dataset check, chosen in the Dataset checks section.
 */
export type SeriesFacet =
  | { kind: 'thickness'; value: number }
  | { kind: 'step'; value: number }
  | { kind: 'modality'; value: string }
  | { kind: 'check'; value: CheckName };

/** The Cohort form's raw fields (strings as typed), kept across reloads. */
export interface CohortForm {
  modality: string[];
  minThickness: string;
  maxThickness: string;
  minStep: string;
  maxStep: string;
  minImages: string;
  maxImages: string;
  volumesOnly: boolean;
  originalOnly: boolean;
  /** '' for none. */
  excludeSeverity: Severity | '';
  manufacturer: string;
  kernel: string;
  bodyPart: string;
  where: string;
}

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
  /** The dataset checks that fired on this series ([] when none, or when it was not checked). */
  findings: CheckName[];
  /** The measured median step between its slices (mm), null without geometry. */
  step: number | null;
}

/** One check that fired, as the Dataset checks section lists it. */
export interface CheckRow {
  check: CheckName;
  severity: Severity;
  /** Series checks: the series it fired on and their images. Dataset checks: null. */
  series: number | null;
  images: number | null;
  /** Dataset checks: what the check counts (e.g. 2 Study UIDs), else null. */
  count: number | null;
  /** Dataset checks: the finding's sentence; series checks: ''. */
  detail: string;
}

/**
 * The dataset checks of the folder, as much as the panel shows: the totals, one row per check that
 * fired (worst first), and the measured-step histogram. Which series a check fired on travels in
 * each SeriesRow (`findings`), not here: the report's per-series details stay on the host.
 */
export interface ChecksSummary {
  /** Series checked (one per Series UID). */
  series: number;
  /** Of those, complete regularly spaced volumes. */
  volumes: number;
  rows: CheckRow[];
  /** Series per measured median step (mm), keys the shortest decimal form ("0.625"). */
  stepHistogram: Record<string, number>;
  /** Checked series without a measured step (fewer than two positions, no geometry). */
  noStep: number;
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
  /** The dataset checks; null when there is no index (or it could not be checked). */
  checks?: ChecksSummary | null;
  /** Set when the index could not be read. */
  error?: string;
}

export type ChartId = 'thickness' | 'seriesThickness' | 'seriesStep' | 'modalities';
export const CHART_IDS: readonly ChartId[] = ['thickness', 'seriesThickness', 'seriesStep', 'modalities'];

export const CHART_TITLES: Record<ChartId, string> = {
  thickness: 'Instances per slice thickness',
  seriesThickness: 'Series per slice thickness',
  seriesStep: 'Series per measured slice step',
  modalities: 'Instances per modality',
};

/** The columns of `series_geometry` a cohort's free SQL condition may name (the help of the Advanced field). */
export const COHORT_SQL_COLUMNS: readonly string[] = SERIES_GEOMETRY_COLUMNS;

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
  | { v: number; type: 'indexWorkspace' }
  /** Count the cohort (answered by `cohortCount` with the same `seq`). */
  | { v: number; type: 'cohortCount'; seq: number; filter: CohortFilter }
  /** Save dialog, then the cohort's export in that format. */
  | { v: number; type: 'exportCohort'; format: CohortFormat; filter: CohortFilter }
  /** The view changed (debounced): the host keeps a copy. */
  | { v: number; type: 'saveView'; view: PanelView };

// ---- host → webview -----------------------------------------------------------------------------
export type HostMessage =
  | { v: number; type: 'state'; state: SummaryState }
  /** A long action started (`true`) or ended; the webview disables the action buttons meanwhile. */
  | { v: number; type: 'busy'; busy: boolean; action?: string }
  /** A short line for the panel's status area. */
  | { v: number; type: 'notice'; text: string; kind: 'info' | 'error' }
  /** The count of the cohort asked for with `seq`, or why the filter cannot run (`error`, for the user). */
  | { v: number; type: 'cohortCount'; seq: number; count: CohortCount | null; error?: string }
  /** The host's copy of the view (sent before the first `state`); the webview takes it when newer than its own. */
  | { v: number; type: 'view'; view: PanelView };

const WEBVIEW_TYPES = new Set([
  'ready',
  'refresh',
  'selectFolder',
  'revealSeries',
  'revealProblems',
  'export',
  'savePng',
  'copySummary',
  'indexWorkspace',
  'cohortCount',
  'exportCohort',
  'saveView',
]);

/** Longest text field of a cohort filter (the free SQL condition included). */
export const MAX_COHORT_TEXT = 2000;
const MAX_MODALITIES = 100;

const NUMERIC_FIELDS = ['minThickness', 'maxThickness', 'minStep', 'maxStep', 'minImages', 'maxImages'] as const;
const BOOLEAN_FIELDS = ['volumesOnly', 'originalOnly'] as const;
const TEXT_FIELDS = ['manufacturer', 'kernel', 'bodyPart', 'where'] as const;
const FILTER_FIELDS = new Set<string>([...NUMERIC_FIELDS, ...BOOLEAN_FIELDS, ...TEXT_FIELDS, 'modality', 'excludeSeverity']);

/** A cohort filter from the webview: only known fields, each of its type (absent fields are fine). */
export function isCohortFilter(f: unknown): f is CohortFilter {
  if (!f || typeof f !== 'object' || Array.isArray(f)) return false;
  const o = f as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FILTER_FIELDS.has(k)) return false;
  if (o.modality !== undefined && !(Array.isArray(o.modality) && o.modality.length <= MAX_MODALITIES && o.modality.every((m) => typeof m === 'string' && m.length <= 64))) return false;
  for (const k of NUMERIC_FIELDS) if (o[k] !== undefined && !(typeof o[k] === 'number' && Number.isFinite(o[k]))) return false;
  for (const k of BOOLEAN_FIELDS) if (o[k] !== undefined && typeof o[k] !== 'boolean') return false;
  for (const k of TEXT_FIELDS) if (o[k] !== undefined && !(typeof o[k] === 'string' && o[k].length <= MAX_COHORT_TEXT)) return false;
  if (o.excludeSeverity !== undefined && !SEVERITIES.includes(o.excludeSeverity as Severity)) return false;
  return true;
}

const isSeq = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

const SERIES_COLUMNS: readonly SeriesColumn[] = ['patient', 'patientId', 'studyDate', 'modality', 'description', 'images', 'thickness', 'pixelSpacing', 'size'];
/** The largest view the host keeps (JSON characters). */
export const MAX_VIEW_CHARS = 20_000;

export function isSeriesFacet(f: unknown): f is SeriesFacet {
  if (!f || typeof f !== 'object') return false;
  const o = f as Record<string, unknown>;
  switch (o.kind) {
    case 'thickness':
    case 'step':
      return typeof o.value === 'number' && Number.isFinite(o.value);
    case 'modality':
      return typeof o.value === 'string' && o.value.length <= 64;
    case 'check':
      return isCheckFacetValue(o.value);
    default:
      return false;
  }
}

/** A view from the webview: its fields of their types (the cohort form is read field by field when used). */
export function isPanelView(v: unknown): v is PanelView {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (typeof o.savedAt !== 'number' || !Number.isFinite(o.savedAt)) return false;
  const sort = o.sort as Record<string, unknown> | undefined;
  if (sort !== undefined && !(sort && typeof sort === 'object' && SERIES_COLUMNS.includes(sort.column as SeriesColumn) && typeof sort.descending === 'boolean')) return false;
  if (o.filter !== undefined && !(typeof o.filter === 'string' && o.filter.length <= MAX_COHORT_TEXT)) return false;
  if (o.facet !== undefined && !isSeriesFacet(o.facet)) return false;
  if (o.cohort !== undefined && !(o.cohort && typeof o.cohort === 'object' && !Array.isArray(o.cohort))) return false;
  return JSON.stringify(v).length <= MAX_VIEW_CHARS;
}

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
      return CHART_IDS.includes(o.chart as ChartId) && typeof o.dataUrl === 'string' && o.dataUrl.startsWith('data:image/png;base64,');
    case 'cohortCount':
      return isSeq(o.seq) && isCohortFilter(o.filter);
    case 'exportCohort':
      return COHORT_FORMATS.includes(o.format as CohortFormat) && isCohortFilter(o.filter);
    case 'saveView':
      return isPanelView(o.view);
    default:
      return true;
  }
}

export function isHostMessage(m: unknown): m is HostMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o.v !== PROTOCOL_VERSION) return false;
  if (o.type === 'cohortCount') return isSeq(o.seq) && (o.count === null || (typeof o.count === 'object' && o.count !== null)) && (o.error === undefined || typeof o.error === 'string');
  if (o.type === 'view') return isPanelView(o.view);
  return o.type === 'state' || o.type === 'busy' || o.type === 'notice';
}

/** Whether `s` names a check (for a facet restored from an older state). */
export const isCheckFacetValue = (s: unknown): s is CheckName => typeof s === 'string' && (CHECK_NAMES as string[]).includes(s);
