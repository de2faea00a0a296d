/** Labels and descriptions of the tree's rows (plain text, never Markdown). */
import { formatPersonName as sharedFormatPersonName } from '../../shared/format';

const nf = new Intl.NumberFormat('en-US');
export const count = (n: number, one: string, many = `${one}s`) => `${nf.format(n)} ${n === 1 ? one : many}`;
export const num = (n: number) => nf.format(n);

/** What stands in for a missing key: these rows are groups of files, not a patient or a series. */
export const NO_PATIENT_ID = '(no Patient ID)';
export const NO_SERIES_UID = '(no Series UID)';

/** DICOM DA `YYYYMMDD` (or the old ACR-NEMA `YYYY.MM.DD`) as `YYYY-MM-DD` (other forms as they are). */
export function formatDate(da: string | null | undefined): string {
  if (!da) return '';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim()) ?? /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(da.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : da.trim();
}

/** A person name as the panel writes it (src/shared/format.ts); '' when empty, so the label shows the ID alone. */
export const formatPersonName = (pn: string | null | undefined): string => sharedFormatPersonName(pn, '');

/** Millimetres: `1.25 mm`, a range `1.25–2.5 mm`, or ''. */
export function formatMm(min: number | null | undefined, max?: number | null): string {
  if (min === null || min === undefined) return '';
  const a = +Number(min).toFixed(3);
  const b = max === null || max === undefined ? a : +Number(max).toFixed(3);
  return a === b ? `${a} mm` : `${a}–${b} mm`;
}

/** Control characters would garble a label: make them spaces, and clip. */
export function plain(s: string | null | undefined, max = 120): string {
  if (!s) return '';
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

