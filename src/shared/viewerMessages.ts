/**
 * The message protocol between the image viewer's host (src/extension/viewer: the series viewer and
 * the .dcm editor) and its webview (webview/viewer/). Plain types, constants and guards only: no
 * `vscode` or node imports. Separate from the summary panel's protocol (messages.ts).
 *
 * Flow: the webview posts `ready`; the host answers `open` (what is shown: the slices in position
 * order with their positions, the marks for the slider, the findings, for a file its tags). The
 * webview asks for slices with `load` (the slices it wants, most wanted first: the one shown, then
 * its neighbours in the scrolling direction); the host decodes them one at a time and answers each
 * with `slice` (the stored values as a transferable ArrayBuffer, so windowing and the value under the
 * cursor need no round trip) or `sliceError` (why it cannot be shown). A newer `load` replaces the
 * host's queue. The webview reports what it shows (`shown`), which the integration tests read.
 * Every message carries `v`; a message of another version is ignored (a reload after an update).
 */
import type { Severity } from './checks';

/** 1: first version. */
export const VIEWER_PROTOCOL_VERSION = 1;

/** What the viewer shows: a series from the index, or one file (its frames). */
export type ViewerSource = 'series' | 'file';

export interface SliceInfo {
  /** Millimetres along the slice normal, null without geometry. */
  position: number | null;
  instanceNumber: number | null;
  /** 0-based frame of its file. */
  frame: number;
}

/** A mark on the slider: missing slices before `index`, two slices at one position, a frame of a finding. */
export interface SliceMark {
  index: number;
  kind: 'gap' | 'duplicate';
  /** For people: "2 slices missing". */
  label: string;
}

export interface ViewerFinding {
  check: string;
  title: string;
  severity: Severity;
  detail: string;
}

export interface ViewerTag {
  keyword: string;
  tag: string;
  vr: string;
  value: string;
  depth: number;
}

export interface ViewerOpen {
  source: ViewerSource;
  /** Title line ("CT #3 LUNG 1.25MM"), from the file: set as text. */
  title: string;
  /** Second line (patient, study), from the file: set as text. */
  subtitle: string;
  slices: SliceInfo[];
  /** The slice shown first. */
  start: number;
  marks: SliceMark[];
  findings: ViewerFinding[];
  /** Modality of the series (CT: values are HU). */
  modality: string;
  /** The file's tags (the .dcm editor), else []. */
  tags: ViewerTag[];
  /** Set when nothing can be shown (no such series, an empty one), for people. */
  notice?: string;
}

export type PixelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
export const PIXEL_TYPES: readonly PixelType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];

export interface SliceWindow {
  center: number;
  width: number;
  explanation?: string;
}

export interface SlicePixels {
  index: number;
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  pixelType: PixelType;
  /** rows × columns × samplesPerPixel stored values of pixelType. */
  data: ArrayBuffer;
  rescaleSlope: number;
  rescaleIntercept: number;
  windows: SliceWindow[];
  voiLutFunction: string;
  photometric: string;
  /** Host time to read and decode (ms). */
  ms: number;
}

/** The biggest frame the host sends: 64 Mi values (a 8192×8192 grey frame). */
export const MAX_SLICE_VALUES = 64 * 1024 * 1024;
/** The webview's cache of decoded slices (bytes of stored values): 96 MiB, about 190 CT slices of 512×512. */
export const VIEWER_CACHE_BYTES = 96 * 1024 * 1024;
/** Slices the webview fetches ahead in the scrolling direction, and behind. */
export const PREFETCH_AHEAD = 8;
export const PREFETCH_BEHIND = 2;
/** How many slices one `load` may ask for. */
export const MAX_LOAD = 32;

/**
 * The slices the webview wants, in the order it wants them: the shown one, then up to PREFETCH_AHEAD
 * in the scrolling direction and PREFETCH_BEHIND the other way, but only as many neighbours as fit in
 * the cache beside the shown slice at `sliceBytes` each (the size of the slices seen so far). More
 * would evict slices the same window still wants, and be asked for again without end: big slices
 * (3000×3000 16-bit, 17 MiB) get fewer neighbours, and a slice larger than the cache none.
 */
export function prefetchOrder(index: number, direction: 1 | -1, count: number, sliceBytes: number, cacheBytes = VIEWER_CACHE_BYTES): number[] {
  const fit = sliceBytes > 0 ? Math.max(0, Math.floor(cacheBytes / sliceBytes) - 1) : PREFETCH_AHEAD + PREFETCH_BEHIND;
  const ahead = Math.min(PREFETCH_AHEAD, fit);
  const behind = Math.min(PREFETCH_BEHIND, fit - ahead);
  const order = [index];
  for (let k = 1; k <= ahead; k++) order.push(index + direction * k);
  for (let k = 1; k <= behind; k++) order.push(index - direction * k);
  return order.filter((i) => i >= 0 && i < count);
}

// ---- webview → host -----------------------------------------------------------------------------
export type ViewerWebviewMessage =
  | { v: number; type: 'ready' }
  | { v: number; type: 'load'; indexes: number[] }
  /** What the webview shows now (after each change, debounced): slice, window, the value under the cursor. */
  | { v: number; type: 'shown'; state: ViewerShown };

export interface ViewerShown {
  index: number;
  /** The slice's image is drawn (false while it loads or when it cannot be shown). */
  drawn: boolean;
  center: number;
  width: number;
  /** 'file', a preset name or 'custom'. */
  preset: string;
  /** The last value under the cursor: pixel and stored / modality value. */
  probe?: { x: number; y: number; stored: number; value: number };
  /** A slice could not be shown: its reason. */
  error?: string;
  cached: number;
  cachedBytes: number;
}

// ---- host → webview -----------------------------------------------------------------------------
export type ViewerHostMessage =
  | ({ v: number; type: 'open' } & ViewerOpen)
  | ({ v: number; type: 'slice' } & SlicePixels)
  | { v: number; type: 'sliceError'; index: number; reason: string };

const isIndex = (n: unknown, max = MAX_SLICE_VALUES) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n < max;
const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);

export function isViewerShown(s: unknown): s is ViewerShown {
  if (!s || typeof s !== 'object') return false;
  const o = s as Record<string, unknown>;
  if (!isIndex(o.index) || !finite(o.center) || !finite(o.width) || typeof o.preset !== 'string' || o.preset.length > 32) return false;
  if (!isIndex(o.cached) || !finite(o.cachedBytes) || typeof o.drawn !== 'boolean') return false;
  if (o.error !== undefined && typeof o.error !== 'string') return false;
  if (o.probe !== undefined) {
    const p = o.probe as Record<string, unknown> | null;
    if (!p || typeof p !== 'object' || !isIndex(p.x) || !isIndex(p.y) || !finite(p.stored) || !finite(p.value)) return false;
  }
  return true;
}

/** Checks a message from the webview (anything may arrive): version, type, field types and sizes. */
export function isViewerWebviewMessage(m: unknown): m is ViewerWebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o.v !== VIEWER_PROTOCOL_VERSION) return false;
  switch (o.type) {
    case 'ready':
      return true;
    case 'load':
      return Array.isArray(o.indexes) && o.indexes.length <= MAX_LOAD && o.indexes.every((i) => isIndex(i));
    case 'shown':
      return isViewerShown(o.state);
    default:
      return false;
  }
}

/** Checks a message from the host: version, type and the fields the webview relies on. */
export function isViewerHostMessage(m: unknown): m is ViewerHostMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o.v !== VIEWER_PROTOCOL_VERSION) return false;
  switch (o.type) {
    case 'open':
      return (o.source === 'series' || o.source === 'file') && Array.isArray(o.slices) && Array.isArray(o.marks) && Array.isArray(o.findings) && Array.isArray(o.tags) && isIndex(o.start, Math.max(1, (o.slices as unknown[]).length));
    case 'slice': {
      if (!isIndex(o.index) || !isIndex(o.rows, 65536) || !isIndex(o.columns, 65536) || !(o.samplesPerPixel === 1 || o.samplesPerPixel === 3)) return false;
      if (!PIXEL_TYPES.includes(o.pixelType as PixelType) || !(o.data instanceof ArrayBuffer)) return false;
      const values = (o.rows as number) * (o.columns as number) * (o.samplesPerPixel as number);
      return values > 0 && values <= MAX_SLICE_VALUES && o.data.byteLength === values * BYTES[o.pixelType as PixelType] && finite(o.rescaleSlope) && finite(o.rescaleIntercept) && Array.isArray(o.windows);
    }
    case 'sliceError':
      return isIndex(o.index) && typeof o.reason === 'string';
    default:
      return false;
  }
}

export const BYTES: Readonly<Record<PixelType, number>> = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8 };
