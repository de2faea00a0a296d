// Cheap synthetic "chest CT" pixel pattern (stored values, int16, RescaleIntercept -1024):
// padding outside the scan circle, air, body ellipse, two lungs whose size follows the
// slice position, heart and spine, plus a little deterministic noise. Filled by row spans,
// so 512x512 costs about one pass over the image.

/** Stored values (HU + 1024). */
export const PHANTOM_VALUES = {
  padding: -1000, // HU -2024: outside the reconstruction circle (why PixelRepresentation is 1)
  air: 24, // HU -1000
  lung: 200, // HU -824
  body: 1064, // HU 40
  heart: 1074, // HU 50
  bone: 1724, // HU 700
} as const;

/** 32-bit seeded PRNG (mulberry32); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A table of small noise values (-noiseAmp..noiseAmp) to add to a phantom. */
export function makeNoiseTable(length: number, seed: number, noiseAmp = 12): Int16Array {
  const rnd = mulberry32(seed);
  const t = new Int16Array(length);
  for (let i = 0; i < length; i++) t[i] = Math.round((rnd() * 2 - 1) * noiseAmp);
  return t;
}

function fillEllipseRow(
  row: Int16Array,
  rowStart: number,
  cols: number,
  y: number,
  cx: number,
  cy: number,
  a: number,
  b: number,
  value: number,
): void {
  const dy = (y - cy) / b;
  const q = 1 - dy * dy;
  if (q <= 0) return;
  const dx = a * Math.sqrt(q);
  const x0 = Math.max(0, Math.ceil(cx - dx));
  const x1 = Math.min(cols, Math.floor(cx + dx) + 1);
  if (x1 > x0) row.fill(value, rowStart + x0, rowStart + x1);
}

/**
 * Fills `out` (rows*cols stored values) with the phantom at relative slice position
 * `t` in [0,1] (0 = top of the scan). `noise`, if given, is added starting at `noiseShift`
 * (the table must hold at least rows*cols + noiseShift values).
 */
export function fillChestPhantom(
  out: Int16Array,
  rows: number,
  cols: number,
  t: number,
  noise?: Int16Array,
  noiseShift = 0,
): void {
  const n = Math.min(rows, cols);
  const cx = (cols - 1) / 2;
  const cy = (rows - 1) / 2;
  const lungScale = 0.25 + 0.75 * Math.sin(Math.PI * Math.min(1, Math.max(0, t)));
  const heartScale = t < 0.35 ? 0.2 : 0.2 + 0.8 * Math.sin(Math.PI * Math.min(1, (t - 0.35) / 0.65));
  const v = PHANTOM_VALUES;
  for (let y = 0; y < rows; y++) {
    const start = y * cols;
    out.fill(v.padding, start, start + cols);
    fillEllipseRow(out, start, cols, y, cx, cy, n / 2, n / 2, v.air);
    fillEllipseRow(out, start, cols, y, cx, cy + 0.04 * n, 0.42 * n, 0.3 * n, v.body);
    fillEllipseRow(out, start, cols, y, cx - 0.18 * n, cy - 0.01 * n, 0.13 * n, 0.19 * n * lungScale, v.lung);
    fillEllipseRow(out, start, cols, y, cx + 0.18 * n, cy - 0.01 * n, 0.13 * n, 0.19 * n * lungScale, v.lung);
    fillEllipseRow(out, start, cols, y, cx + 0.04 * n, cy + 0.03 * n, 0.09 * n * heartScale, 0.08 * n, v.heart);
    fillEllipseRow(out, start, cols, y, cx, cy + 0.22 * n, 0.045 * n, 0.045 * n, v.bone);
  }
  if (noise) {
    const len = rows * cols;
    if (noise.length < len + noiseShift) throw new Error('noise table too short');
    for (let i = 0; i < len; i++) {
      if (out[i] !== v.padding) out[i] += noise[i + noiseShift];
    }
  }
}

/** Little-endian bytes of int16 values (copies; handles big-endian hosts too). */
export function int16ToLittleEndianBytes(values: Int16Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt16(i * 2, values[i], true);
  return bytes;
}

/** Big-endian bytes of int16 values. */
export function int16ToBigEndianBytes(values: Int16Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt16(i * 2, values[i], false);
  return bytes;
}

export function meanOf(values: Int16Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : 0;
}
