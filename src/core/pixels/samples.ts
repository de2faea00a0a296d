/**
 * Sample bytes → stored values: byte order, BitsStored/HighBit masking, sign extension, planar
 * configuration, and colour to interleaved RGB (YBR_FULL, YBR_FULL_422, PALETTE COLOR).
 */
import type { PaletteLut } from './attrs';
import type { StoredArray } from './types';
import { PixelError } from './types';

export interface Layout {
  pixels: number;
  samples: number;
  /** Bits of one sample in the bytes: 1, 8, 16 or 32. */
  bits: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  littleEndian: boolean;
  /** Samples stored plane by plane (planar configuration 1, and RLE). */
  planar: boolean;
  /** Bit offset of the first sample (1-bit data, frames after the first). */
  bitOffset?: number;
}

/** The typed array that holds values of this many stored bits. */
function arrayFor(bits: number, signed: boolean, n: number): StoredArray {
  if (bits <= 8) return signed ? new Int8Array(n) : new Uint8Array(n);
  if (bits <= 16) return signed ? new Int16Array(n) : new Uint16Array(n);
  return signed ? new Int32Array(n) : new Uint32Array(n);
}

/** Unpacks `n = pixels × samples` values, interleaved in the result. */
export function unpackSamples(bytes: Uint8Array, l: Layout): StoredArray {
  const n = l.pixels * l.samples;
  const out = arrayFor(l.bits === 1 ? 8 : l.bits, l.signed && l.bits !== 1, n);
  const shift = l.highBit + 1 - l.bitsStored;
  const mask = l.bitsStored >= 32 ? 0xffffffff : 2 ** l.bitsStored - 1;
  const signBit = 2 ** (l.bitsStored - 1);
  const full = 2 ** l.bitsStored;
  const needsMask = l.bits !== 1 && (l.bitsStored < l.bits || shift !== 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (i: number) => (l.planar && l.samples > 1 ? (i % l.samples) * l.pixels + Math.floor(i / l.samples) : i);
  for (let i = 0; i < n; i++) {
    const j = at(i);
    let raw: number;
    if (l.bits === 1) {
      const bit = (l.bitOffset ?? 0) + j;
      out[i] = (bytes[bit >> 3] >> (bit & 7)) & 1;
      continue;
    } else if (l.bits === 8) raw = bytes[j];
    else if (l.bits === 16) raw = dv.getUint16(j * 2, l.littleEndian);
    else raw = dv.getUint32(j * 4, l.littleEndian);
    if (needsMask) raw = Math.floor(raw / 2 ** shift) % (mask + 1);
    if (l.signed && raw >= signBit) raw -= full;
    out[i] = raw;
  }
  return out;
}

const clamp = (v: number, max: number) => (v < 0 ? 0 : v > max ? max : Math.round(v));

/** YBR_FULL → RGB in place (PS3.3 C.7.6.3.1.2; ITU-R BT.601 full range). */
export function ybrFullToRgb(d: StoredArray, bits: number): void {
  const max = 2 ** bits - 1;
  const half = 2 ** (bits - 1);
  for (let i = 0; i + 2 < d.length; i += 3) {
    const y = d[i];
    const cb = d[i + 1] - half;
    const cr = d[i + 2] - half;
    d[i] = clamp(y + 1.402 * cr, max);
    d[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr, max);
    d[i + 2] = clamp(y + 1.772 * cb, max);
  }
}

/** Native YBR_FULL_422 (Y1 Y2 Cb Cr for each pair of pixels in a row) → interleaved YBR_FULL. */
export function expand422(src: StoredArray, rows: number, columns: number): StoredArray {
  const out = new (src.constructor as new (n: number) => StoredArray)(rows * columns * 3);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c += 2) {
      const y1 = src[k];
      const y2 = src[k + 1];
      const cb = src[k + 2];
      const cr = src[k + 3];
      k += 4;
      const o = (r * columns + c) * 3;
      out[o] = y1;
      out[o + 1] = cb;
      out[o + 2] = cr;
      if (c + 1 < columns) {
        out[o + 3] = y2;
        out[o + 4] = cb;
        out[o + 5] = cr;
      }
    }
  }
  return out;
}

/** PALETTE COLOR: indices → interleaved 8-bit RGB (16-bit entries scaled by 1/256 unless all fit in 8 bits). */
export function applyPalette(indices: StoredArray, luts: [PaletteLut, PaletteLut, PaletteLut]): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  const shifts = luts.map((l) => {
    let max = 0;
    for (let i = 0; i < l.data.length; i++) if (l.data[i] > max) max = l.data[i];
    return l.bits === 16 && max > 255 ? 8 : 0;
  });
  for (let c = 0; c < 3; c++) {
    const lut = luts[c];
    const last = lut.data.length - 1;
    if (last < 0) throw new PixelError('PALETTE COLOR: an empty palette');
    for (let i = 0; i < indices.length; i++) {
      let k = indices[i] - lut.firstMapped;
      k = k < 0 ? 0 : k > last ? last : k;
      out[i * 3 + c] = lut.data[k] >> shifts[c];
    }
  }
  return out;
}
