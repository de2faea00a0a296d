/**
 * renderFrame: stored values → 8-bit display values. Grey: Modality LUT (slope/intercept), then VOI
 * with the chosen window (the file's first by default, with its VOILUTFunction; a preset or an
 * explicit window is LINEAR), or over the frame's whole range when there is no window; MONOCHROME1
 * inverted. Colour: shown as stored (scaled to 8 bits), no window. Then `size` scales the longer
 * side down by area averaging, aspect kept.
 */
import type { DecodedFrame } from './types';
import { buildLut8, chooseVoi, modality, type Voi, type WindowChoice } from '../../shared/voi';

export interface RenderOptions {
  /** An explicit window, `'file'` (the file's first window; the default), or a preset name (`lung`, …). */
  window?: WindowChoice;
  /** Scale so the longer side is at most `size` pixels (area averaging, aspect kept, never enlarged). */
  size?: number;
}

export interface RenderedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** width × height × channels bytes, row-major, interleaved. */
  data: Uint8Array;
}

/** The window and VOI function a render uses (exported for the viewer's labels). */
export function renderWindow(frame: DecodedFrame, choice: WindowChoice | undefined, stored: () => [number, number] = () => storedRange(frame.data)): Voi {
  return chooseVoi(choice, frame.windows, frame.voiLutFunction, () => {
    const [min, max] = stored();
    return [modality(min, frame.rescaleSlope, frame.rescaleIntercept), modality(max, frame.rescaleSlope, frame.rescaleIntercept)];
  });
}

/** The smallest and largest stored value ([0, 0] for no data). */
function storedRange(d: DecodedFrame['data']): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min > max ? [0, 0] : [min, max];
}

/** Colour samples as 8-bit display values: deeper colour scaled down by BitsStored − 8, clamped. */
export function colourTo8Bits(data: DecodedFrame['data'], values: number, bitsStored: number): Uint8Array {
  const k = 2 ** Math.max(0, bitsStored - 8);
  const out = new Uint8Array(values);
  for (let i = 0; i < values; i++) {
    const v = data[i] / k;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

export function renderFrame(frame: DecodedFrame, opts: RenderOptions = {}): RenderedImage {
  const { rows, columns } = frame;
  const n = rows * columns;
  let img: RenderedImage;
  if (frame.samplesPerPixel === 3) {
    img = { width: columns, height: rows, channels: 3, data: colourTo8Bits(frame.data, n * 3, frame.bitsStored) };
  } else {
    // The stored range, scanned once: for the window when the file has none, and for the lookup table.
    let range: [number, number] | undefined;
    const stored = () => (range ??= storedRange(frame.data));
    const { window, fn } = renderWindow(frame, opts.window, stored);
    const invert = frame.photometric === 'MONOCHROME1';
    const out = new Uint8Array(n);
    const d = frame.data;
    const integer = !(d instanceof Float32Array || d instanceof Float64Array);
    const [min, max] = integer ? stored() : [0, 0];
    if (integer && max - min < 1 << 20) {
      const lut = buildLut8(min, max, frame.rescaleSlope, frame.rescaleIntercept, window, fn, invert);
      for (let i = 0; i < n; i++) out[i] = lut[d[i] - min];
    } else {
      for (let i = 0; i < n; i++) {
        const y = Math.round(fn(modality(d[i], frame.rescaleSlope, frame.rescaleIntercept), window.center, window.width, 0, 255));
        const v = y < 0 ? 0 : y > 255 ? 255 : y;
        out[i] = invert ? 255 - v : v;
      }
    }
    img = { width: columns, height: rows, channels: 1, data: out };
  }
  return opts.size && opts.size > 0 ? scaleDown(img, opts.size) : img;
}

/** Area averaging: each output pixel is the mean of the input pixels its box covers (fractional edges weighted). */
export function scaleDown(img: RenderedImage, size: number): RenderedImage {
  const { width: w, height: h, channels: c } = img;
  const longer = Math.max(w, h);
  if (longer <= size) return img;
  const s = size / longer;
  const W = Math.max(1, Math.round(w * s));
  const H = Math.max(1, Math.round(h * s));
  const fx = w / W;
  const fy = h / H;
  const out = new Uint8Array(W * H * c);
  const acc = new Float64Array(c);
  for (let oy = 0; oy < H; oy++) {
    const y0 = oy * fy;
    const y1 = y0 + fy;
    for (let ox = 0; ox < W; ox++) {
      const x0 = ox * fx;
      const x1 = x0 + fx;
      acc.fill(0);
      let area = 0;
      for (let y = Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
          const wgt = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          const p = (y * w + x) * c;
          for (let k = 0; k < c; k++) acc[k] += img.data[p + k] * wgt;
          area += wgt;
        }
      }
      const o = (oy * W + ox) * c;
      for (let k = 0; k < c; k++) out[o + k] = Math.round(acc[k] / area);
    }
  }
  return { width: W, height: H, channels: c, data: out };
}
