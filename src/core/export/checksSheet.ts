/**
 * The workbook's Checks sheet: one row per series (Series UID), findings or not, with its measured
 * geometry, its worst severity, its findings as "check (count)", and one column per series check
 * (its count; ✓ for a check that fired and has no count; empty when it did not fire).
 */
import type { SqlValue } from 'sql.js';
import { SERIES_CHECKS, SeriesCheckName } from '../../shared/checks';
import type { StoredSeries } from '../queries/checks';

const CHECKS = Object.keys(SERIES_CHECKS) as SeriesCheckName[];

export const CHECK_SHEET_COLUMNS = [
  'SeriesInstanceUID',
  'PatientID',
  'StudyInstanceUID',
  'Modality',
  'SeriesNumber',
  'SeriesDescription',
  'images',
  'volume',
  'step min (mm)',
  'step median (mm)',
  'step max (mm)',
  'SliceThickness',
  'folder',
  'worst severity',
  'findings',
  ...CHECKS,
] as const;

/** A fired check without a count. */
export const FIRED = '✓';

export function checkSheetRow(s: StoredSeries): SqlValue[] {
  const byCheck = new Map(s.findings.map((f) => [f.check, f]));
  return [
    s.SeriesInstanceUID,
    s.attrs.PatientID,
    s.attrs.StudyInstanceUID,
    s.attrs.Modality,
    s.attrs.SeriesNumber,
    s.attrs.SeriesDescription,
    s.images,
    s.volume ? 'yes' : 'no',
    s.spacing?.min ?? null,
    s.spacing?.median ?? null,
    s.spacing?.max ?? null,
    s.thickness,
    s.folder,
    s.worst,
    s.findings.map((f) => (f.count === null ? f.check : `${f.check} (${f.count})`)).join(', ') || null,
    ...CHECKS.map((c) => {
      const f = byCheck.get(c);
      return f ? (f.count ?? FIRED) : null;
    }),
  ];
}
