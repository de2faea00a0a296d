/**
 * Window/level math shared by the extension host and the webview (no node imports), as
 * PS3.3 C.11.2.1.2 (Modality LUT: Rescale Slope/Intercept) and C.11.2.1.2–3 (VOI LUT functions
 * LINEAR, LINEAR_EXACT, SIGMOID) define it.
 *
 * - `modality(stored, slope, intercept)` = stored × slope + intercept.
 * - `voiLinear(x, c, w, ymin, ymax)`, `voiLinearExact`, `voiSigmoid`: one value to the output range.
 * - `voiFunction(name)` picks one by VOILUTFunction (unknown → LINEAR).
 * - `PRESETS`: lung −600/1500, mediastinum 40/400, bone 400/1800, brain 40/80.
 * - `resolveWindow(choice, fileWindows)`: `'file'`/preset/explicit → {center,width} or null (no window).
 * - `chooseVoi(choice, fileWindows, voiLutFunction, range)`: the window and VOI function an image is
 *   drawn with — the one rule for the core's renders (PNG, hover thumbnails) and the webview's canvas.
 * - `buildLut8(…)`: a lookup table stored value → 0..255 for integer data (used by render and the webview).
 */
export interface Window {
  center: number;
  width: number;
}

export type PresetName = 'lung' | 'mediastinum' | 'bone' | 'brain';
/** A window given as numbers (a drag in the viewer: `fileFunction` when it started from the file's own window). */
export type ExplicitWindow = Window & { fileFunction?: boolean };
export type WindowChoice = ExplicitWindow | 'file' | PresetName;

export const PRESETS: Readonly<Record<PresetName, Window>> = {
  lung: { center: -600, width: 1500 },
  mediastinum: { center: 40, width: 400 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
};

export type VoiFn = (x: number, center: number, width: number, ymin: number, ymax: number) => number;

/** Modality LUT (C.11.1.1.2): output units = stored × RescaleSlope + RescaleIntercept. */
export function modality(stored: number, slope: number, intercept: number): number {
  return stored * slope + intercept;
}

/**
 * VOI LINEAR (C.11.2.1.2.1), width ≥ 1 (a smaller width is taken as 1):
 *   x ≤ c − 0.5 − (w−1)/2 → ymin;  x > c − 0.5 + (w−1)/2 → ymax;
 *   else ((x − (c − 0.5)) / (w−1) + 0.5) × (ymax − ymin) + ymin.
 */
export function voiLinear(x: number, c: number, w: number, ymin: number, ymax: number): number {
  const width = Math.max(1, w);
  if (x <= c - 0.5 - (width - 1) / 2) return ymin;
  if (x > c - 0.5 + (width - 1) / 2) return ymax;
  if (width === 1) return ymax; // the interval is empty: every x is on one side of it
  return ((x - (c - 0.5)) / (width - 1) + 0.5) * (ymax - ymin) + ymin;
}

/**
 * VOI LINEAR_EXACT (C.11.2.1.3.2), width > 0:
 *   x ≤ c − w/2 → ymin;  x > c + w/2 → ymax;  else ((x − c) / w + 0.5) × (ymax − ymin) + ymin.
 */
export function voiLinearExact(x: number, c: number, w: number, ymin: number, ymax: number): number {
  const width = w > 0 ? w : Number.MIN_VALUE;
  if (x <= c - width / 2) return ymin;
  if (x > c + width / 2) return ymax;
  return ((x - c) / width + 0.5) * (ymax - ymin) + ymin;
}

/** VOI SIGMOID (C.11.2.1.3.1), width > 0: y = (ymax − ymin) / (1 + exp(−4 (x − c) / w)) + ymin. */
export function voiSigmoid(x: number, c: number, w: number, ymin: number, ymax: number): number {
  const width = w > 0 ? w : Number.MIN_VALUE;
  return (ymax - ymin) / (1 + Math.exp((-4 * (x - c)) / width)) + ymin;
}

/** The VOI function a VOILUTFunction value names; absent or unknown → LINEAR (the standard's default). */
export function voiFunction(name: string | null | undefined): VoiFn {
  const n = (name ?? '').trim().toUpperCase();
  if (n === 'LINEAR_EXACT') return voiLinearExact;
  if (n === 'SIGMOID') return voiSigmoid;
  return voiLinear;
}

export function isPresetName(s: string): s is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, s);
}

/**
 * The window a choice means: an explicit window as is, a preset's, or the file's first window
 * (`'file'`, the default). Null when the file has none (or the width is not positive): the caller
 * then windows over the data's range (`rangeWindow`).
 */
export function resolveWindow(choice: WindowChoice | undefined, fileWindows: readonly Window[]): Window | null {
  if (choice === undefined || choice === 'file') {
    const w = fileWindows.find((x) => Number.isFinite(x.center) && Number.isFinite(x.width) && x.width > 0);
    return w ? { center: w.center, width: w.width } : null;
  }
  if (typeof choice === 'string') return isPresetName(choice) ? { ...PRESETS[choice] } : null;
  return Number.isFinite(choice.center) && Number.isFinite(choice.width) && choice.width > 0 ? { center: choice.center, width: choice.width } : null;
}

/** How an image is windowed: the window, its VOI function, and where the window came from. */
export interface Voi {
  window: Window;
  fn: VoiFn;
  source: 'file' | 'preset' | 'range';
}

/**
 * The window and VOI function an image is drawn with. The file's own window goes with the file's VOI
 * LUT Function (LINEAR, LINEAR_EXACT or SIGMOID: they belong together, C.11.2.1.2), and so does a
 * window dragged from it (`fileFunction`: the image changes smoothly, not in a jump to another curve);
 * a preset or another explicit window is LINEAR; with no usable window, LINEAR_EXACT over the
 * data's range, `range()` giving its [min, max] in modality units (asked only then: it scans the data).
 */
export function chooseVoi(choice: WindowChoice | undefined, fileWindows: readonly Window[], voiLutFunction: string | null | undefined, range: () => [number, number]): Voi {
  const own = choice === undefined || choice === 'file';
  const w = resolveWindow(choice, fileWindows);
  const fileFn = own || (typeof choice === 'object' && choice.fileFunction === true && fileWindows.length > 0);
  if (w) return { window: w, fn: fileFn ? voiFunction(voiLutFunction) : voiLinear, source: own ? 'file' : 'preset' };
  const [a, b] = range();
  return { window: rangeWindow(Math.min(a, b), Math.max(a, b)), fn: voiLinearExact, source: 'range' };
}

/** A LINEAR_EXACT window that maps [min, max] (modality units) onto the full output range. */
export function rangeWindow(min: number, max: number): Window {
  const width = Math.max(max - min, 1);
  return { center: min + (max - min) / 2, width };
}

/** Parse `C/W` (e.g. `-600/1500`, `40/400`) or a preset name or `file`; null when it is neither. */
export function parseWindowChoice(text: string): WindowChoice | null {
  const t = text.trim().toLowerCase();
  if (t === 'file') return 'file';
  if (isPresetName(t)) return t;
  const m = /^([-+]?\d+(?:\.\d+)?)\/([-+]?\d+(?:\.\d+)?)$/.exec(t);
  if (!m) return null;
  const center = Number(m[1]);
  const width = Number(m[2]);
  return width > 0 ? { center, width } : null;
}

/**
 * A table from stored value to display byte for integer stored values in [minStored, maxStored]
 * (index = stored − minStored): Modality LUT, then VOI (fn) to 0..255, inverted for MONOCHROME1.
 */
export function buildLut8(
  minStored: number,
  maxStored: number,
  slope: number,
  intercept: number,
  window: Window,
  fn: VoiFn,
  invert: boolean,
): Uint8Array {
  const n = maxStored - minStored + 1;
  const lut = new Uint8Array(Math.max(0, n));
  for (let i = 0; i < n; i++) {
    const y = Math.round(fn(modality(minStored + i, slope, intercept), window.center, window.width, 0, 255));
    const v = y < 0 ? 0 : y > 255 ? 255 : y;
    lut[i] = invert ? 255 - v : v;
  }
  return lut;
}
