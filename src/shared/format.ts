/**
 * How numbers, names, dates and the index's findings are written, the same in the summary panel,
 * the tree and the CLI. Pure: no DOM, no `vscode`, no node imports (the webview bundles it too).
 */
import type { Stats } from './stats';

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const numberFormats = new Map<number, Intl.NumberFormat>();

/** A count: 1292 → "1,292" (en-US grouping). */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/**
 * A measured value in its shortest form: at most `maxDecimals` decimals, trailing zeros trimmed
 * (1.6000000238419 → "1.6", 1.250 → "1.25", 5 → "5", 1234.5 → "1,234.5"). Not a finite number: "–".
 */
export function formatNumber(x: number | null | undefined, maxDecimals = 3): string {
  if (x == null || !Number.isFinite(x)) return '–';
  let f = numberFormats.get(maxDecimals);
  if (!f) numberFormats.set(maxDecimals, (f = new Intl.NumberFormat('en-US', { maximumFractionDigits: maxDecimals })));
  const s = f.format(x);
  // -0.0001 rounds to "-0": a sign on nothing says nothing.
  return /^-0(\.0*)?$/.test(s) ? '0' : s;
}

/**
 * A range, both ends by `formatNumber` with the same decimals: "1.25–5 mm"; ends that read the same
 * give one number ("2.5 mm"); one missing end gives the other; none gives ''.
 */
export function formatRange(min: number | null | undefined, max: number | null | undefined, unit?: string, maxDecimals = 3): string {
  const ok = (x: number | null | undefined): x is number => x != null && Number.isFinite(x);
  const parts = [ok(min) ? formatNumber(min, maxDecimals) : '', ok(max) ? formatNumber(max, maxDecimals) : ''].filter(Boolean);
  if (!parts.length) return '';
  const text = parts.length === 2 && parts[0] !== parts[1] ? `${parts[0]}–${parts[1]}` : parts[0];
  return unit ? `${text} ${unit}` : text;
}

/** What a person name with no letters in it reads as. */
export const NO_NAME = '(no name)';

/**
 * A DICOM PN (`Family^Given^Middle^Prefix^Suffix`, up to three `=`-separated groups: alphabetic,
 * ideographic, phonetic) as people write it: "Äneas^Rüdiger" → "Äneas, Rüdiger",
 * "Last^First^mid^pre" → "Last, pre First mid". The first group with a name in it is used. Empty,
 * blank or only delimiters (`^^^^`): `ifEmpty`, "(no name)" unless told otherwise.
 */
export function formatPersonName(pn: string | null | undefined, ifEmpty = NO_NAME): string {
  for (const group of (pn ?? '').split('=')) {
    const [family = '', given = '', middle = '', prefix = '', suffix = ''] = group.split('^').map((s) => s.trim());
    const rest = [prefix, given, middle].filter(Boolean).join(' ');
    const name = [family && rest ? `${family}, ${rest}` : family || rest, suffix].filter(Boolean).join(' ');
    if (name) return name;
  }
  return ifEmpty;
}

function isDate(y: number, m: number, d: number): boolean {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return days !== undefined && d >= 1 && d <= days;
}

/**
 * A DICOM DA as an ISO date: "19930430" and the old "1993.04.30" both → "1993-04-30". A value that
 * is not a calendar date ("2024", "20241340", "unknown") is returned as it is (trimmed).
 */
export function formatDicomDate(da: string | null | undefined): string {
  const s = (da ?? '').trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s) ?? /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(s);
  return m && isDate(+m[1], +m[2], +m[3]) ? `${m[1]}-${m[2]}-${m[3]}` : s;
}

const DT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(?:\d{2}(?:\.\d{1,6})?)?)?(?:[+-]\d{4})?$/;

/**
 * A DICOM DT (`YYYYMMDDHHMMSS.FFFFFF&ZZXX`) in the same style as `formatTimestamp`:
 * "20261201200312.5" → "2026-12-01 20:03" (the file's own clock: no time zone conversion); a date
 * alone gives the date. Anything else is returned as it is.
 */
export function formatDicomDateTime(dt: string | null | undefined): string {
  const s = (dt ?? '').trim();
  const m = DT.exec(s);
  if (!m || !isDate(+m[1], +m[2], +m[3])) return s;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (m[4] === undefined) return date;
  if (+m[4] > 23 || (m[5] !== undefined && +m[5] > 59)) return s;
  return `${date} ${m[4]}:${m[5] ?? '00'}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time stamp (the "indexed" time) in local time: "2026-12-01 20:03". Not a time: as it is. */
export function formatTimestamp(iso: string | null | undefined): string {
  const s = (iso ?? '').trim();
  const t = s ? new Date(s) : null;
  if (!t || Number.isNaN(t.getTime())) return s;
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/** "1 file", "2 files": the count, then the noun in the number it needs. */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "a", "a and b", "a, b and c". */
function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Duplicated and missing SOP Instance UIDs, said plainly: "17 SOP Instance UIDs appear in more than
 * one file (34 extra files); 17 files have no SOP Instance UID". A half that is zero is left out;
 * '' when both are.
 */
export function duplicatesSentence(stats: Pick<Stats, 'duplicateSopInstances' | 'duplicateSopFiles' | 'missingKeys'>): string {
  const parts: string[] = [];
  const dup = stats.duplicateSopInstances;
  if (dup > 0) {
    const extra = stats.duplicateSopFiles;
    parts.push(
      `${countOf(dup, 'SOP Instance UID')} ${dup === 1 ? 'appears' : 'appear'} in more than one file` + (extra ? ` (${countOf(extra, 'extra file')})` : ''),
    );
  }
  const missing = stats.missingKeys.SOPInstanceUID;
  if (missing > 0) parts.push(`${countOf(missing, 'file')} ${missing === 1 ? 'has' : 'have'} no SOP Instance UID`);
  return parts.join('; ');
}

/**
 * Patient IDs, Study and Series UIDs whose files disagree on their attributes (PatientName,
 * StudyDate, SeriesDescription, …): "3 Patient IDs, 1 Study UID and 2 Series UIDs have files that
 * disagree on their attributes (each file keeps its own values)". '' when there are none.
 */
export function conflictsSentence(stats: Pick<Stats, 'conflicts'>): string {
  const c = stats.conflicts;
  const items: [number, string][] = [
    [c.patients, 'Patient ID'],
    [c.studies, 'Study UID'],
    [c.series, 'Series UID'],
  ];
  const named = items.filter(([n]) => n > 0).map(([n, what]) => countOf(n, what));
  if (!named.length) return '';
  const one = items.reduce((a, [n]) => a + Math.max(0, n), 0) === 1;
  return `${listOf(named)} ${one ? 'has files that disagree on its' : 'have files that disagree on their'} attributes (each file keeps its own values)`;
}
