/** The Image Pixel module attributes one frame's decoding needs, read from a parsed header. */
import type { DataSet, Element } from 'dicom-parser';
import { extractFields, firstItem, functionalGroups } from '../dicom/extract';
import { parseCharset } from '../dicom/charset';
import { numberCount, readNumber, readNumbers, readString } from '../dicom/values';
import type { FileWindow } from './types';
import { PixelError } from './types';

export interface PaletteLut {
  /** Number of entries (descriptor value 1; 0 means 65536). */
  entries: number;
  /** The stored value the first entry maps (descriptor value 2). */
  firstMapped: number;
  /** Bits per entry (descriptor value 3: 8 or 16). */
  bits: number;
  /** The entries, expanded from segments when the LUT was segmented. */
  data: Uint16Array;
}

export interface PixelAttrs {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  photometric: string;
  planarConfiguration: number;
  frames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  windows: FileWindow[];
  voiLutFunction: string;
  palette: [PaletteLut, PaletteLut, PaletteLut] | null;
  /** Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002), when present. */
  extendedOffsets: { offsets: number[]; lengths: number[] } | null;
}

const num = (ds: DataSet, tag: string): number | null => {
  const el = ds.elements[tag];
  if (!el) return null;
  const vr = el.vr && el.vr !== 'UN' ? el.vr : 'US';
  if (vr === 'US' || vr === 'SS') return numberCount(ds, el, vr) > 0 ? readNumber(ds, el, vr, 0) : null;
  const n = Number(readString(ds, el, vr, parseCharset(undefined)));
  return Number.isFinite(n) ? n : null;
};

const splitNumbers = (s: unknown): number[] =>
  typeof s === 'string' && s !== '' ? s.split('\\').map((x) => (x.trim() === '' ? NaN : Number(x))) : typeof s === 'number' ? [s] : [];

/**
 * Each data set's attributes, read once: decoding the frames of one file one after another (pixel
 * statistics, the viewer's slider over a multi-frame file's header) would otherwise extract every
 * field, every frame's geometry included, again for each frame.
 */
const attrsOf = new WeakMap<DataSet, { transferSyntax: string; attrs: PixelAttrs }>();

export function pixelAttrs(ds: DataSet, transferSyntax: string): PixelAttrs {
  const hit = attrsOf.get(ds);
  if (hit?.transferSyntax === transferSyntax) return hit.attrs;
  const attrs = readPixelAttrs(ds, transferSyntax);
  attrsOf.set(ds, { transferSyntax, attrs });
  return attrs;
}

function readPixelAttrs(ds: DataSet, transferSyntax: string): PixelAttrs {
  const v = extractFields(ds, transferSyntax).values;
  const int = (x: unknown): number | null => (typeof x === 'number' && Number.isInteger(x) ? x : null);
  const rows = int(v.Rows);
  const columns = int(v.Columns);
  const bitsAllocated = int(v.BitsAllocated);
  if (!rows || !columns) throw new PixelError(`no image size: Rows ${v.Rows ?? 'absent'}, Columns ${v.Columns ?? 'absent'}`);
  if (!bitsAllocated || ![1, 8, 16, 32].includes(bitsAllocated)) throw new PixelError(`BitsAllocated ${v.BitsAllocated ?? 'absent'} is not decoded (1, 8, 16 or 32 are)`);
  const samplesPerPixel = int(v.SamplesPerPixel) ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw new PixelError(`SamplesPerPixel ${samplesPerPixel} is not decoded (1 or 3 are)`);
  let bitsStored = int(v.BitsStored) ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) bitsStored = bitsAllocated;
  let highBit = num(ds, 'x00280102') ?? bitsStored - 1;
  if (highBit < bitsStored - 1 || highBit >= bitsAllocated) highBit = bitsStored - 1;
  const photometric = (typeof v.PhotometricInterpretation === 'string' ? v.PhotometricInterpretation : '').trim().toUpperCase() || (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');
  const windows = windowsOf(splitNumbers(v.WindowCenter), splitNumbers(v.WindowWidth), explanations(ds));
  const slope = typeof v.RescaleSlope === 'number' && v.RescaleSlope !== 0 ? v.RescaleSlope : 1;
  const intercept = typeof v.RescaleIntercept === 'number' ? v.RescaleIntercept : 0;
  const frames = Math.max(1, int(v.NumberOfFrames) ?? 1);
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: v.PixelRepresentation === 1,
    photometric,
    planarConfiguration: num(ds, 'x00280006') === 1 ? 1 : 0,
    frames,
    rescaleSlope: slope,
    rescaleIntercept: intercept,
    windows,
    voiLutFunction: typeof v.VOILUTFunction === 'string' && v.VOILUTFunction ? v.VOILUTFunction.trim().toUpperCase() : 'LINEAR',
    palette: photometric === 'PALETTE COLOR' ? readPalette(ds) : null,
    extendedOffsets: readExtendedOffsets(ds),
  };
}

/** The windows of WindowCenter, WindowWidth and their explanations, pairs of finite numbers only. */
function windowsOf(centers: number[], widths: number[], expl: string[]): FileWindow[] {
  const windows: FileWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (!Number.isFinite(centers[i]) || !Number.isFinite(widths[i])) continue;
    windows.push({ center: centers[i], width: widths[i], ...(expl[i] ? { explanation: expl[i] } : {}) });
  }
  return windows;
}

/** WindowCenterWidthExplanation (0028,1055) of a data set, one string per window. */
function explanations(ds: DataSet): string[] {
  const el = ds.elements.x00281055;
  return el ? readString(ds, el, 'LO', parseCharset(undefined)).split('\\') : [];
}

/** A data set's decimal-string values (DS), as numbers; empty when absent. */
function dsNumbers(ds: DataSet, tag: string): number[] {
  const el = ds.elements[tag];
  return el ? splitNumbers(readString(ds, el, 'DS', parseCharset(undefined))) : [];
}

const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const FRAME_VOI_LUT = 'x00289132';

/** What turns one frame's stored values into an image: its Modality LUT and its windows. */
export type FrameTransforms = Pick<PixelAttrs, 'rescaleSlope' | 'rescaleIntercept' | 'windows' | 'voiLutFunction'>;

/**
 * Frame `index`'s rescale and windows. An enhanced multi-frame object keeps them per frame (PS3.3
 * C.7.6.16.2.9 Pixel Value Transformation, C.7.6.16.2.10 Frame VOI LUT): in that frame's item of
 * the Per-frame Functional Groups, else in the Shared Functional Groups. What neither holds stays as
 * `a` has it (the top level, or the first frame's: pixelAttrs reads the file's first values).
 */
export function frameTransforms(ds: DataSet, index: number, a: PixelAttrs): FrameTransforms {
  const t: FrameTransforms = { rescaleSlope: a.rescaleSlope, rescaleIntercept: a.rescaleIntercept, windows: a.windows, voiLutFunction: a.voiLutFunction };
  const groups = functionalGroups(ds.elements, index);
  if (!groups.length) return t;
  const macro = (tag: string): DataSet | undefined => {
    for (const group of groups) {
      const item = firstItem(group.elements[tag]);
      if (item) return item;
    }
    return undefined;
  };
  const pvt = macro(PIXEL_VALUE_TRANSFORMATION);
  if (pvt) {
    const [slope] = dsNumbers(pvt, 'x00281053');
    const [intercept] = dsNumbers(pvt, 'x00281052');
    if (Number.isFinite(slope) && slope !== 0) t.rescaleSlope = slope;
    if (Number.isFinite(intercept)) t.rescaleIntercept = intercept;
  }
  const voi = macro(FRAME_VOI_LUT);
  if (voi) {
    const windows = windowsOf(dsNumbers(voi, 'x00281050'), dsNumbers(voi, 'x00281051'), explanations(voi));
    const fn = voi.elements.x00281056 ? readString(voi, voi.elements.x00281056, 'CS', parseCharset(undefined)).trim().toUpperCase() : '';
    // The function belongs to the windows it comes with (C.11.2.1.2); absent, it is LINEAR.
    if (windows.length) {
      t.windows = windows;
      t.voiLutFunction = fn || 'LINEAR';
    } else if (fn) t.voiLutFunction = fn;
  }
  return t;
}

function readPalette(ds: DataSet): [PaletteLut, PaletteLut, PaletteLut] {
  const one = (colour: string, descTag: string, dataTag: string, segTag: string): PaletteLut => {
    const d = ds.elements[descTag];
    if (!d || numberCount(ds, d, 'US') < 3) throw new PixelError(`PALETTE COLOR without a ${colour} palette descriptor`);
    const entries = readNumber(ds, d, 'US', 0) || 65536;
    // The first stored value mapped, read as US (PS3.3 C.7.6.3.1.5; a signed SS form is not read).
    const firstMapped = readNumber(ds, d, 'US', 1);
    const bits = readNumber(ds, d, 'US', 2);
    if (bits !== 8 && bits !== 16) throw new PixelError(`${colour} palette entries of ${bits} bits (8 or 16 are decoded)`);
    const dataEl = ds.elements[dataTag];
    if (dataEl) {
      const words = wordsOf(ds, dataEl);
      const data = new Uint16Array(entries);
      if (bits === 8 && words.length * 2 >= entries && words.length < entries) {
        // Eight-bit entries packed two to a 16-bit word.
        for (let i = 0; i < entries; i++) data[i] = (words[i >> 1] >> ((i & 1) * 8)) & 0xff;
      } else {
        for (let i = 0; i < entries; i++) data[i] = words[Math.min(i, words.length - 1)] ?? 0;
      }
      if (words.length === 0) throw new PixelError(`${colour} palette data is empty`);
      return { entries, firstMapped, bits, data };
    }
    const segEl = ds.elements[segTag];
    if (segEl) return { entries, firstMapped, bits, data: expandSegmented(wordsOf(ds, segEl), entries, colour) };
    throw new PixelError(`PALETTE COLOR without ${colour} palette data`);
  };
  return [
    one('red', 'x00281101', 'x00281201', 'x00281221'),
    one('green', 'x00281102', 'x00281202', 'x00281222'),
    one('blue', 'x00281103', 'x00281203', 'x00281223'),
  ];
}

function wordsOf(ds: DataSet, el: Element): number[] {
  return readNumbers(ds, el, 'US', 65536 * 2);
}

/** Segmented palette LUT data (PS3.3 C.7.9.2): discrete, linear and indirect segments. */
export function expandSegmented(words: number[], entries: number, colour = 'segmented'): Uint16Array {
  const out: number[] = [];
  let guard = 0;
  /** Applies the segment at word `i`; returns the next segment's word. Indirect segments may not nest. */
  const segment = (i: number, nested: boolean): number => {
    if (++guard > 1_000_000) throw new PixelError(`${colour} palette: too many segments`);
    const opcode = words[i];
    const length = words[i + 1] ?? 0;
    if (opcode === 0) {
      for (let k = 0; k < length && out.length < entries; k++) out.push(words[i + 2 + k] ?? 0);
      return i + 2 + length;
    }
    if (opcode === 1) {
      if (out.length === 0) throw new PixelError(`${colour} palette: a linear segment comes first`);
      const y0 = out[out.length - 1];
      const y1 = words[i + 2] ?? y0;
      for (let k = 1; k <= length && out.length < entries; k++) out.push(Math.round(y0 + ((y1 - y0) * k) / length));
      return i + 3;
    }
    if (opcode === 2 && !nested) {
      // `length` segments again, from word `offset`.
      let j = (words[i + 2] ?? 0) + (words[i + 3] ?? 0) * 65536;
      for (let s = 0; s < length && j < words.length && out.length < entries; s++) j = segment(j, true);
      return i + 4;
    }
    throw new PixelError(`${colour} palette: ${opcode === 2 ? 'nested indirect segment' : `unknown segment opcode ${opcode}`}`);
  };
  for (let i = 0; i < words.length && out.length < entries; ) i = segment(i, false);
  const data = new Uint16Array(entries);
  for (let k = 0; k < entries; k++) data[k] = out[Math.min(k, out.length - 1)] ?? 0;
  return data;
}

function readExtendedOffsets(ds: DataSet): { offsets: number[]; lengths: number[] } | null {
  const o = ds.elements.x7fe00001;
  const l = ds.elements.x7fe00002;
  if (!o || !l) return null;
  const offsets = readNumbers(ds, o, 'UV', 1 << 20);
  const lengths = readNumbers(ds, l, 'UV', 1 << 20);
  return offsets.length && offsets.length === lengths.length ? { offsets, lengths } : null;
}
