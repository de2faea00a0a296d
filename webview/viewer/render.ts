/**
 * Stored values to pixels on a canvas, in the webview: the Modality LUT and VOI of src/shared/voi.ts,
 * the window chosen by the same rule as the core's renders (chooseVoi: the file's window with its VOI
 * LUT Function, a preset or a drag LINEAR, else LINEAR_EXACT over the range), MONOCHROME1 inverted,
 * colour as it is. Integer
 * grey data goes through a lookup table built per window (a drag rebuilds it, no round trip).
 */
import { buildLut8, chooseVoi, modality, type Voi, type WindowChoice } from '../../src/shared/voi';
import type { PixelType, SlicePixels } from '../../src/shared/viewerMessages';

export type Values = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** A slice as the webview keeps it: its pixels, its values as a typed array, their range. */
export interface Slice {
  px: SlicePixels;
  values: Values;
  min: number;
  max: number;
  bytes: number;
}

const ARRAYS: Record<PixelType, new (b: ArrayBuffer) => Values> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

export function toSlice(px: SlicePixels): Slice {
  const values = new ARRAYS[px.pixelType](px.data);
  let min = Infinity;
  let max = -Infinity;
  if (px.samplesPerPixel === 1) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min)) [min, max] = [0, 255];
  return { px, values, min, max, bytes: px.data.byteLength };
}

/** The window and VOI function the slice is drawn with for a choice: the core's rule (chooseVoi). */
export function sliceVoi(s: Slice, choice: WindowChoice): Voi {
  const { rescaleSlope: k, rescaleIntercept: b } = s.px;
  return chooseVoi(choice, s.px.windows, s.px.voiLutFunction, () => [modality(s.min, k, b), modality(s.max, k, b)]);
}

const INTEGER = new Set<PixelType>(['uint8', 'int8', 'uint16', 'int16']);

/** Writes the slice, windowed, into `img` (RGBA, columns × rows). */
export function paint(s: Slice, voi: Voi, img: ImageData): void {
  const { window: win, fn } = voi;
  const { px, values } = s;
  const out = img.data;
  const n = px.rows * px.columns;
  if (px.samplesPerPixel === 3) {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      out[j] = values[i * 3];
      out[j + 1] = values[i * 3 + 1];
      out[j + 2] = values[i * 3 + 2];
      out[j + 3] = 255;
    }
    return;
  }
  const invert = px.photometric.toUpperCase() === 'MONOCHROME1';
  if (INTEGER.has(px.pixelType)) {
    const lut = buildLut8(s.min, s.max, px.rescaleSlope, px.rescaleIntercept, win, fn, invert);
    const base = s.min;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      const g = lut[values[i] - base];
      out[j] = g;
      out[j + 1] = g;
      out[j + 2] = g;
      out[j + 3] = 255;
    }
    return;
  }
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const y = Math.round(fn(modality(values[i], px.rescaleSlope, px.rescaleIntercept), win.center, win.width, 0, 255));
    const g0 = y < 0 ? 0 : y > 255 ? 255 : y;
    const g = invert ? 255 - g0 : g0;
    out[j] = g;
    out[j + 1] = g;
    out[j + 2] = g;
    out[j + 3] = 255;
  }
}
