/** Reading typed values out of a dicom-parser data set, with the file's character set. */
import type { DataSet, Element } from 'dicom-parser';
import { CharsetInfo, decodeText } from './charset';

/** VRs whose text is in the Specific Character Set; all other string VRs are ASCII. */
const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
/** VRs whose leading spaces matter. */
const TEXT_VRS = new Set(['ST', 'LT', 'UT']);
export const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);

export function elementBytes(ds: DataSet, el: Element): Uint8Array {
  const start = Math.min(el.dataOffset, ds.byteArray.length);
  const end = Math.min(el.dataOffset + (el.length === 0xffffffff ? 0 : el.length), ds.byteArray.length);
  return ds.byteArray.subarray(start, end);
}

/** The string value of an element (all values, backslash-separated), trimmed of DICOM padding. */
export function readString(ds: DataSet, el: Element, vr: string, cs: CharsetInfo): string {
  const fast = readShortAscii(ds.byteArray, el, vr);
  if (fast !== null) return fast;
  const bytes = elementBytes(ds, el);
  const raw = CHARSET_VRS.has(vr) ? decodeText(bytes, cs) : decodeText(bytes, ASCII);
  return trimDicom(raw, vr);
}

const ASCII: CharsetInfo = { plain: 'windows-1252', initialG1: '', unknown: [] };

/**
 * The hot path (most values of most files): a value of at most 1 KiB in printable 7-bit ASCII,
 * trimmed while it is read, with no intermediate views or strings. Several values (`\\`) are taken
 * only in VRs that cannot hold the character set's text (CS, DS, UI…) and with no padding around a
 * separator, where trimming each value is a no-op. Null when the general path is needed (non-ASCII
 * bytes, padding inside, long text, leading padding that must be kept).
 */
function readShortAscii(arr: Uint8Array, el: Element, vr: string): string | null {
  if (el.length === 0xffffffff || el.length > 1024 || TEXT_VRS.has(vr)) return null;
  const begin = el.dataOffset;
  let end = Math.min(begin + el.length, arr.length);
  if (begin > end) return '';
  while (end > begin && (arr[end - 1] === 32 || arr[end - 1] === 0)) end--;
  let start = begin;
  while (start < end && (arr[start] === 32 || arr[start] === 0)) start++;
  const multi = !CHARSET_VRS.has(vr);
  for (let i = start; i < end; i++) {
    const c = arr[i];
    if (c >= 0x80 || c < 0x20) return null; // non-ASCII or control bytes
    if (c === 0x5c) {
      // A value separator: fine where it cannot be text and no value around it is padded.
      if (!multi || arr[i - 1] === 32 || arr[i + 1] === 32 || arr[i + 1] === 0) return null;
    }
  }
  // Printable ASCII: a native slice beats building the string byte by byte beyond a few characters.
  if (end - start > 8 && Buffer.isBuffer(arr)) return arr.toString('latin1', start, end);
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(arr[i]);
  return out;
}

const isPad = (c: number) => c === 32 || c === 0;

/** Trims DICOM padding (spaces, NULs): trailing always, leading too except for ST/LT/UT; each value of a multi-valued string. */
export function trimDicom(s: string, vr: string): string {
  const keepLeading = TEXT_VRS.has(vr);
  if (keepLeading || s.indexOf('\\') < 0) return trimOne(s, keepLeading);
  return s
    .split('\\')
    .map((v) => trimOne(v, false))
    .join('\\');
}

function trimOne(s: string, keepLeading: boolean): string {
  let end = s.length;
  while (end > 0 && isPad(s.charCodeAt(end - 1))) end--;
  let start = 0;
  if (!keepLeading) while (start < end && isPad(s.charCodeAt(start))) start++;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Bytes per value of the binary numeric VRs. */
const NUMBER_SIZE: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, UV: 8, SV: 8 };

/** How many whole values of a binary numeric VR the element holds (inside the bytes read). */
export function numberCount(ds: DataSet, el: Element, vr: string): number {
  const size = NUMBER_SIZE[vr];
  if (!size) return 0;
  const start = Math.min(el.dataOffset, ds.byteArray.length);
  const end = Math.min(el.dataOffset + (el.length === 0xffffffff ? 0 : el.length), ds.byteArray.length);
  return Math.floor((end - start) / size);
}

/** The `i`th binary numeric value of an element (check `numberCount` first). */
export function readNumber(ds: DataSet, el: Element, vr: string, i: number): number {
  const parser = el.parser ?? ds.byteArrayParser;
  const pos = el.dataOffset + i * NUMBER_SIZE[vr];
  switch (vr) {
    case 'US': return parser.readUint16(ds.byteArray, pos);
    case 'SS': return parser.readInt16(ds.byteArray, pos);
    case 'UL': return parser.readUint32(ds.byteArray, pos);
    case 'SL': return parser.readInt32(ds.byteArray, pos);
    case 'FL': return parser.readFloat(ds.byteArray, pos);
    case 'FD': return parser.readDouble(ds.byteArray, pos);
    default: {
      // 64-bit integers: read as two 32-bit halves.
      const lo = parser.readUint32(ds.byteArray, pos);
      const hi = vr === 'SV' ? parser.readInt32(ds.byteArray, pos + 4) : parser.readUint32(ds.byteArray, pos + 4);
      const little = parser.readUint16(new Uint8Array([1, 0]), 0) === 1;
      return little ? hi * 2 ** 32 + lo : lo * 2 ** 32 + hi;
    }
  }
}

/** Binary numeric values of an element, as numbers (all of them, or the first `max`). */
export function readNumbers(ds: DataSet, el: Element, vr: string, max = Infinity): number[] {
  const n = Math.min(numberCount(ds, el, vr), max);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(readNumber(ds, el, vr, i));
  return out;
}

const DS_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** One finite number, or null: `1.25`, ` 1.25`, `1.25E+00` are numbers; `1,25`, `1\2`, `NaN`, `1e400` are not. */
export function parseSingleNumber(raw: string | null | undefined): number | null {
  if (raw == null) return null;
  const t = isPad(raw.charCodeAt(0)) || isPad(raw.charCodeAt(raw.length - 1)) ? raw.replace(/^[\0 ]+|[\0 ]+$/g, '') : raw;
  if (!DS_PATTERN.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** An integer string (IS), or null. */
export function parseSingleInt(raw: string | null | undefined): number | null {
  if (raw == null) return null;
  const t = isPad(raw.charCodeAt(0)) || isPad(raw.charCodeAt(raw.length - 1)) ? raw.replace(/^[\0 ]+|[\0 ]+$/g, '') : raw;
  if (!/^[+-]?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** A DICOM multi-valued decimal text (`a\b\c`) as exactly `n` finite numbers, or null. */
export function parseDecimals(text: string | null | undefined, n: number): number[] | null {
  if (!text) return null;
  const parts = text.split('\\');
  if (parts.length !== n) return null;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = parts[i].trim();
    const x = t === '' ? NaN : Number(t);
    if (!Number.isFinite(x)) return null;
    out[i] = x;
  }
  return out;
}
