/** Every element of a header as display rows: what `dicom-index tags` prints and the hover shows. */
import type { DataSet, Element } from 'dicom-parser';
import { parseCharset, CharsetInfo } from './charset';
import { lookupTag } from './dictionary';
import { readNumbers, readString, STRING_VRS, elementBytes } from './values';

export interface TagRow {
  /** `(GGGG,EEEE)` */
  tag: string;
  keyword: string;
  vr: string;
  /** Display value: shortened, binary summarised, control characters made visible. */
  value: string;
  /** Nesting depth: 0 for top-level elements, 1 inside a sequence item, … */
  depth: number;
}

export interface DumpOptions {
  maxValueLength?: number;
  maxRows?: number;
  maxDepth?: number;
}

export function dumpDataSet(ds: DataSet, opts: DumpOptions = {}): TagRow[] {
  const maxLen = opts.maxValueLength ?? 120;
  const maxRows = opts.maxRows ?? 5000;
  const maxDepth = opts.maxDepth ?? 8;
  const csEl = ds.elements.x00080005;
  const cs = parseCharset(csEl ? readString(ds, csEl, 'CS', parseCharset(undefined)) : undefined);
  const rows: TagRow[] = [];
  const walk = (set: DataSet, depth: number) => {
    for (const key of Object.keys(set.elements).sort()) {
      if (rows.length >= maxRows) return;
      const el = set.elements[key];
      const info = lookupTag(key);
      const vr = el.vr ?? info?.vr ?? 'UN';
      const tag = `(${key.slice(1, 5).toUpperCase()},${key.slice(5, 9).toUpperCase()})`;
      const keyword = info?.keyword ?? (parseInt(key.slice(1, 5), 16) % 2 === 1 ? 'Private' : 'Unknown');
      rows.push({ tag, keyword, vr, value: displayValue(set, el, vr, cs, maxLen), depth });
      if (el.items && depth < maxDepth) {
        el.items.forEach((item, i) => {
          if (rows.length >= maxRows) return;
          rows.push({ tag: '(FFFE,E000)', keyword: `Item ${i + 1}`, vr: '', value: '', depth: depth + 1 });
          if (item.dataSet) walk(item.dataSet, depth + 1);
        });
      }
    }
  };
  walk(ds, 0);
  return rows;
}

function displayValue(ds: DataSet, el: Element, vr: string, cs: CharsetInfo, maxLen: number): string {
  if (el.tag === 'x7fe00010') return el.length === 0xffffffff || el.hadUndefinedLength ? 'compressed pixel data (encapsulated)' : `pixel data, ${el.length} bytes`;
  if (vr === 'SQ' || el.items) return `sequence of ${el.items?.length ?? 0} item(s)`;
  if ((el as { Value?: string }).Value) return shorten(String((el as { Value?: string }).Value), maxLen);
  if (STRING_VRS.has(vr)) return shorten(visible(readString(ds, el, vr, cs)), maxLen);
  const nums = readNumbers(ds, el, vr);
  if (nums.length) {
    const shown = nums.slice(0, 16).map((n) => String(n)).join('\\');
    return nums.length > 16 ? `${shown}\\… (${nums.length} values)` : shown;
  }
  if (vr === 'AT' && el.length >= 4) {
    const p = el.parser ?? ds.byteArrayParser;
    const g = p.readUint16(ds.byteArray, el.dataOffset).toString(16).padStart(4, '0');
    const e = p.readUint16(ds.byteArray, el.dataOffset + 2).toString(16).padStart(4, '0');
    return `(${g},${e})`.toUpperCase();
  }
  const bytes = elementBytes(ds, el);
  if (bytes.length === 0) return '';
  const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${el.length} bytes: ${hex}${bytes.length > 16 ? ' …' : ''}`;
}

/** Makes control characters (NUL, ESC, CR, LF…) visible so that no value can drive a terminal. */
export function visible(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\u001b' ? '\\e' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function shorten(s: string, maxLen: number): string {
  return s.length > maxLen ? `${s.slice(0, maxLen)}… (${s.length} chars)` : s;
}
