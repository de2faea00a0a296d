/**
 * Spreadsheet-safety for exported cells, shared by the CSV and the Excel export.
 *
 * Tag values come from files anyone can write, so a PatientName of `=HYPERLINK(...)` or
 * `-2+3+cmd|' /C calc'!A0` must not become a live formula when the export is opened in Excel,
 * LibreOffice or Google Sheets ("CSV/formula injection"). Strings are also kept within Excel's
 * cell limit and cleared of characters that break a row or an XML sheet.
 *
 * Numbers are never touched: a RescaleIntercept of -1024 stored as a number stays the number -1024.
 */
import type { SqlValue } from 'sql.js';

/** Excel's limit on the characters in one cell. */
export const MAX_CELL_CHARS = 32_767;

/** Characters that make a spreadsheet read a cell as a formula (or that hide one: tab, CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A decimal number, or DICOM's backslash-separated list of them (`-125.5\-125.5\100`, a DS/IS
 * value). Such text cannot call a function or refer to a cell, so where the column holds
 * numbers as text (ImagePositionPatient, WindowCenter, ...) it is left as it is: a leading
 * apostrophe on every negative coordinate would spoil the export for the programs that read it.
 */
const DECIMAL = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
const DECIMAL_LIST = new RegExp(`^${DECIMAL}(?:\\\\${DECIMAL})*$`);

export function isDecimalList(s: string): boolean {
  return DECIMAL_LIST.test(s);
}

/**
 * Prefixes an apostrophe to text that starts with `=`, `+`, `-`, `@`, tab or CR, so spreadsheets
 * show it as text. `allowDecimal`: leave a plain decimal number (or backslash list of them) alone,
 * for columns whose DICOM values are numbers written as text.
 */
export function neutraliseFormula(s: string, opts: { allowDecimal?: boolean } = {}): string {
  if (!FORMULA_START.test(s)) return s;
  if (opts.allowDecimal && isDecimalList(s)) return s;
  return `'${s}`;
}

/**
 * Replaces characters that could break a row or the sheet's XML with visible stand-ins:
 * C0 controls other than tab/CR/LF and DEL become their Control Pictures (U+2400..U+2421, e.g.
 * NUL → ␀), C1 controls, unpaired surrogates and the non-characters U+FFFE/U+FFFF become U+FFFD.
 */
export function cleanControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d) out += s[i];
    else if (c < 0x20) out += String.fromCharCode(0x2400 + c);
    else if (c === 0x7f) out += '\u2421';
    else if (c <= 0x9f && c >= 0x80) out += '\ufffd';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else if ((c >= 0xdc00 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) out += '\ufffd';
    else out += s[i];
  }
  return out;
}

/**
 * Cuts text longer than `max` characters (UTF-16 units, as Excel counts) and ends it with a
 * visible marker, `…[truncated 7233 chars]`; the result, marker included, is at most `max` long.
 * A surrogate pair is never split.
 */
export function limitCell(s: string, max: number = MAX_CELL_CHARS): string {
  if (s.length <= max) return s;
  let keep = max;
  for (;;) {
    const marker = `…[truncated ${s.length - keep} chars]`;
    if (keep + marker.length <= max) {
      let cut = keep;
      const c = s.charCodeAt(cut - 1);
      if (cut > 0 && c >= 0xd800 && c <= 0xdbff) cut--;
      return s.slice(0, cut) + `…[truncated ${s.length - cut} chars]`;
    }
    keep = Math.max(0, max - marker.length);
    if (keep === 0) return marker.slice(0, max);
  }
}

/** All the guards, in order: controls, formula prefix, length. */
export function safeText(s: string, opts: { allowDecimal?: boolean; max?: number } = {}): string {
  return limitCell(neutraliseFormula(cleanControls(s), opts), opts.max);
}

/**
 * One exported value: numbers stay numbers (non-finite ones become text), strings go through
 * `safeText`, null stays null, anything else (a blob) becomes text first.
 */
export function safeValue(v: SqlValue | undefined, opts: { allowDecimal?: boolean } = {}): string | number | null {
  if (v == null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : safeText(String(v));
  if (typeof v === 'string') return safeText(v, opts);
  if (v instanceof Uint8Array) return safeText(Buffer.from(v).toString('hex'), opts);
  return safeText(String(v), opts);
}
