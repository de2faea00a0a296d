/** Labels and descriptions of the tree's rows (plain text, never Markdown). */
import { countOf, formatCount, formatDicomDate, formatPersonName as sharedFormatPersonName, formatRange } from '../../shared/format';

export const count = countOf;
export const num = formatCount;

/** What stands in for a missing key: these rows are groups of files, not a patient or a series. */
export const NO_PATIENT_ID = '(no Patient ID)';
export const NO_SERIES_UID = '(no Series UID)';

/** DICOM DA `YYYYMMDD` (or the old ACR-NEMA `YYYY.MM.DD`) as `YYYY-MM-DD`: the shared formatter. */
export const formatDate = (da: string | null | undefined): string => (da ? formatDicomDate(da.trim()) : '');

/** A person name as the panel writes it (src/shared/format.ts); '' when empty, so the label shows the ID alone. */
export const formatPersonName = (pn: string | null | undefined): string => sharedFormatPersonName(pn, '');

/** Millimetres: `1.25 mm`, a range `1.25–2.5 mm`, or '' (the shared range formatter). */
export const formatMm = (min: number | null | undefined, max?: number | null): string => (min == null ? '' : formatRange(min, max ?? min, 'mm'));

/** Control characters would garble a label: make them spaces, and clip. */
export function plain(s: string | null | undefined, max = 120): string {
  if (!s) return '';
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

