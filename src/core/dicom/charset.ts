/**
 * Decoding DICOM text with the file's Specific Character Set (0008,0005), PS3.5 §6.1.
 * Single-byte and multi-byte sets map onto the WHATWG encodings Node's TextDecoder knows;
 * ISO 2022 code extensions (Japanese, Korean, Chinese, and the 8859 families) are split at their
 * escape sequences and each run decoded with the set it designates.
 */

/** Defined terms (without the ISO 2022 prefix) → WHATWG encoding of the G1 (high byte) half. */
const SINGLE: Record<string, string> = {
  'ISO_IR 6': 'windows-1252',
  'ISO_IR 100': 'windows-1252',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** ISO 2022 escape sequence (bytes after ESC) → what it designates. */
type Designation = { g: 0 | 1; enc: string; twoByte?: boolean };
const ESCAPES: Record<string, Designation> = {
  '(B': { g: 0, enc: 'ascii' },
  '(J': { g: 0, enc: 'ascii' }, // JIS X 0201 romaji: ASCII but for two symbols
  ')I': { g: 1, enc: 'shift_jis' }, // JIS X 0201 katakana, high bytes as in Shift_JIS
  '$B': { g: 0, enc: 'euc-jp', twoByte: true }, // JIS X 0208, 7-bit bytes: set the high bit, decode as EUC-JP
  '$(D': { g: 0, enc: 'euc-jp-0212', twoByte: true }, // JIS X 0212
  '$)C': { g: 1, enc: 'euc-kr', twoByte: true }, // KS X 1001
  '$)A': { g: 1, enc: 'gbk', twoByte: true }, // GB 2312
  '-A': { g: 1, enc: 'windows-1252' },
  '-B': { g: 1, enc: 'iso-8859-2' },
  '-C': { g: 1, enc: 'iso-8859-3' },
  '-D': { g: 1, enc: 'iso-8859-4' },
  '-L': { g: 1, enc: 'iso-8859-5' },
  '-G': { g: 1, enc: 'iso-8859-6' },
  '-F': { g: 1, enc: 'iso-8859-7' },
  '-H': { g: 1, enc: 'iso-8859-8' },
  '-M': { g: 1, enc: 'iso-8859-9' },
  '-T': { g: 1, enc: 'windows-874' },
  '-b': { g: 1, enc: 'iso-8859-15' },
};
/** ISO 2022 defined terms → their initial G1 designation. */
const ISO2022_G1: Record<string, string> = {
  'ISO 2022 IR 6': '',
  'ISO 2022 IR 100': 'windows-1252',
  'ISO 2022 IR 101': 'iso-8859-2',
  'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4',
  'ISO 2022 IR 144': 'iso-8859-5',
  'ISO 2022 IR 127': 'iso-8859-6',
  'ISO 2022 IR 126': 'iso-8859-7',
  'ISO 2022 IR 138': 'iso-8859-8',
  'ISO 2022 IR 148': 'iso-8859-9',
  'ISO 2022 IR 203': 'iso-8859-15',
  'ISO 2022 IR 166': 'windows-874',
  'ISO 2022 IR 13': 'shift_jis',
  'ISO 2022 IR 87': '',
  'ISO 2022 IR 159': '',
  'ISO 2022 IR 149': 'euc-kr',
  'ISO 2022 IR 58': 'gbk',
};

import { TextDecoder } from 'node:util';

const decoders = new Map<string, TextDecoder>();
function decoder(enc: string): TextDecoder {
  let d = decoders.get(enc);
  if (!d) {
    d = new TextDecoder(enc);
    decoders.set(enc, d);
  }
  return d;
}

export interface CharsetInfo {
  /** A plain (non ISO 2022) encoding for the whole value, or null when code extensions apply. */
  readonly plain: string | null;
  /** The initial G1 encoding under ISO 2022. */
  readonly initialG1: string;
  /** Terms we did not recognise (decoded as Latin-1, best effort). */
  readonly unknown: string[];
}

const DEFAULT: CharsetInfo = { plain: 'windows-1252', initialG1: '', unknown: [] };

/** Interprets the raw value of Specific Character Set (backslash-separated defined terms). */
const parsedCharsets = new Map<string, CharsetInfo>();

export function parseCharset(raw: string | undefined): CharsetInfo {
  if (!raw) return DEFAULT;
  let cs = parsedCharsets.get(raw);
  if (!cs) {
    cs = parseCharsetUncached(raw);
    if (parsedCharsets.size < 256) parsedCharsets.set(raw, cs);
  }
  return cs;
}

function parseCharsetUncached(raw: string): CharsetInfo {
  const terms = raw.split('\\').map((t) => t.trim());
  const unknown = terms.filter((t) => t !== '' && !(t in SINGLE) && !(t in ISO2022_G1));
  const iso2022 = terms.some((t) => t.startsWith('ISO 2022'));
  if (!iso2022) {
    const first = terms.find((t) => t in SINGLE);
    return { plain: first ? SINGLE[first] : 'windows-1252', initialG1: '', unknown };
  }
  const first = terms[0] ?? '';
  return { plain: null, initialG1: ISO2022_G1[first] ?? '', unknown };
}

const isDelimiter = (b: number) => b === 0x5c || b === 0x3d || b === 0x5e || b === 0x0d || b === 0x0a || b === 0x09 || b === 0x0c;

/** Decodes the bytes of one text value. Never throws: undecodable bytes become U+FFFD. */
export function decodeText(bytes: Uint8Array, cs: CharsetInfo): string {
  if (cs.plain) {
    // Fast path for pure ASCII, by far the most common case.
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) { ascii = false; break; }
    if (ascii) return latin1(bytes);
    return decoder(cs.plain).decode(bytes);
  }
  return decodeIso2022(bytes, cs.initialG1);
}

function latin1(bytes: Uint8Array): string {
  if (bytes.length < 48) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return s;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

function decodeIso2022(bytes: Uint8Array, initialG1: string): string {
  let g0: Designation = ESCAPES['(B'];
  let g1 = initialG1;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === 0x1b) {
      const seq = matchEscape(bytes, i + 1);
      if (seq) {
        const d = ESCAPES[seq];
        if (d.g === 0) g0 = d;
        else g1 = d.enc;
        i += 1 + seq.length;
        continue;
      }
      out += '\u001b'; // unknown escape: keep it visible for the display layer to neutralise
      i++;
      continue;
    }
    if (b >= 0x80) {
      let j = i;
      while (j < bytes.length && bytes[j] >= 0x80) j++;
      out += decoder(g1 || 'windows-1252').decode(bytes.subarray(i, j));
      i = j;
      continue;
    }
    if (g0.twoByte) {
      let j = i;
      while (j < bytes.length && bytes[j] !== 0x1b && bytes[j] < 0x80) j++;
      const run = bytes.subarray(i, j);
      const high = new Uint8Array(g0.enc === 'euc-jp-0212' ? run.length * 1.5 + 1 : run.length);
      if (g0.enc === 'euc-jp-0212') {
        let k = 0;
        for (let p = 0; p + 1 < run.length; p += 2) {
          high[k++] = 0x8f;
          high[k++] = run[p] | 0x80;
          high[k++] = run[p + 1] | 0x80;
        }
        out += decoder('euc-jp').decode(high.subarray(0, k));
      } else {
        for (let p = 0; p < run.length; p++) high[p] = run[p] | 0x80;
        out += decoder('euc-jp').decode(high);
      }
      i = j;
      continue;
    }
    if (isDelimiter(b)) g1 = initialG1;
    out += String.fromCharCode(b);
    i++;
  }
  return out;
}

function matchEscape(bytes: Uint8Array, at: number): string | null {
  for (const len of [3, 2]) {
    if (at + len > bytes.length) continue;
    const s = String.fromCharCode(...bytes.subarray(at, at + len));
    if (s in ESCAPES) return s;
  }
  return null;
}
