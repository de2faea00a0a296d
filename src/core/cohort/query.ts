/**
 * Cohorts: a filter (src/shared/cohort.ts) as one SQL condition over `series_geometry`, its count,
 * and its series. Portable SQL through the store interface; the user's free condition runs inside
 * the same SELECT (one expression, never a statement of its own).
 */
import { SEVERITIES, SEVERITY_RANK } from '../../shared/checks';
import type { CohortCount, CohortFilter } from '../../shared/cohort';
import type { SeriesAttributes } from '../queries/checks';
import type { QueryStore, SqlParam } from '../store/queryStore';

/** A filter that cannot run: a bound that is not a number, or a free condition the database refuses. */
export class CohortFilterError extends Error {}

/** The columns a cohort's rows carry, in order (the CSV's header, the Parquet schema's names). */
export const COHORT_COLUMNS = [
  'PatientID',
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'Modality',
  'SeriesNumber',
  'SeriesDescription',
  'BodyPartExamined',
  'Manufacturer',
  'ManufacturerModelName',
  'ConvolutionKernel',
  'SliceThickness',
  'step',
  'step_min',
  'step_max',
  'images',
  'files',
  'Rows',
  'Columns',
  'PixelSpacing',
  'volume',
  'original',
  'worst_severity',
  'findings',
  'folder',
] as const;
export type CohortColumn = (typeof COHORT_COLUMNS)[number];

export interface CohortSeriesRow extends SeriesAttributes {
  SeriesInstanceUID: string;
  SliceThickness: number | null;
  /** The measured median step between slices (mm). */
  step: number | null;
  step_min: number | null;
  step_max: number | null;
  images: number;
  files: number;
  Rows: number | null;
  Columns: number | null;
  PixelSpacing: string | null;
  volume: boolean;
  original: boolean;
  worst_severity: string | null;
  /** `check (count)` of each finding, `; `-joined. */
  findings: string;
  /** The folder holding the series' files, relative to the data root. */
  folder: string;
}

const bound = (name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CohortFilterError(`${name} must be a number, not '${String(v)}'`);
  return v;
};
/** A LIKE pattern for a substring, case-insensitive (lower on both sides), wildcards in it taken literally. */
const contains = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The filter as a condition over `series_geometry g` and its parameters. */
export function cohortCondition(f: CohortFilter): { sql: string; params: SqlParam[] } {
  const parts: string[] = [];
  const params: SqlParam[] = [];
  const range = (col: string, name: string, min: unknown, max: unknown) => {
    if (min !== undefined) {
      parts.push(`g.${col} >= ?`);
      params.push(bound(`the minimum ${name}`, min));
    }
    if (max !== undefined) {
      parts.push(`g.${col} <= ?`);
      params.push(bound(`the maximum ${name}`, max));
    }
  };
  const modalities = (f.modality ?? []).map((m) => m.trim().toUpperCase()).filter(Boolean);
  if (modalities.length) {
    parts.push(`UPPER(g.Modality) IN (${modalities.map(() => '?').join(', ')})`);
    params.push(...modalities);
  }
  range('SliceThickness', 'slice thickness', f.minThickness, f.maxThickness);
  range('step_median', 'step', f.minStep, f.maxStep);
  range('images', 'image count', f.minImages, f.maxImages);
  if (f.volumesOnly) parts.push('g.volume = 1');
  if (f.originalOnly) parts.push('g.original = 1');
  if (f.excludeSeverity !== undefined) {
    if (!SEVERITIES.includes(f.excludeSeverity)) throw new CohortFilterError(`the severity to exclude must be error, warning or info, not '${String(f.excludeSeverity)}'`);
    const bad = SEVERITIES.filter((s) => SEVERITY_RANK[s] >= SEVERITY_RANK[f.excludeSeverity!]);
    parts.push(`(g.worst_severity IS NULL OR g.worst_severity NOT IN (${bad.map(() => '?').join(', ')}))`);
    params.push(...bad);
  }
  for (const [col, v] of [
    ['Manufacturer', f.manufacturer],
    ['ConvolutionKernel', f.kernel],
    ['BodyPartExamined', f.bodyPart],
  ] as const) {
    if (v?.trim()) {
      parts.push(`LOWER(g.${col}) LIKE ? ESCAPE '\\'`);
      params.push(contains(v.trim()));
    }
  }
  const where = f.where?.trim();
  if (where) {
    if (/;/.test(where)) throw new CohortFilterError('the SQL condition must be one expression (no ";")');
    if (/--|\/\*/.test(where)) throw new CohortFilterError('the SQL condition may not hold comments');
    parts.push(`(${where})`);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params };
}

/** Runs a query of the cohort, turning the database's refusal of the user's condition into a CohortFilterError. */
async function query<T>(f: CohortFilter, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (f.where?.trim() && !(e instanceof CohortFilterError)) throw new CohortFilterError(`the SQL condition was refused: ${(e as Error).message}`);
    throw e;
  }
}

/** How many patients, studies, series, images and files the cohort holds. */
export async function countCohort(store: QueryStore, f: CohortFilter): Promise<CohortCount> {
  const c = cohortCondition(f);
  const rows = await query(f, () =>
    store.rows(
      `SELECT COUNT(DISTINCT g.PatientID), COUNT(DISTINCT g.StudyInstanceUID), COUNT(*), COALESCE(SUM(g.images), 0), COALESCE(SUM(g.files), 0) FROM series_geometry g WHERE ${c.sql}`,
      c.params,
    ),
  );
  const [patients, studies, series, images, files] = (rows[0] ?? [0, 0, 0, 0, 0]).map(Number);
  return { patients, studies, series, images, files };
}

/** The cohort's series, ordered by patient, study and series number. */
export async function cohortSeries(store: QueryStore, f: CohortFilter): Promise<CohortSeriesRow[]> {
  const c = cohortCondition(f);
  const rows = await query(f, () =>
    store.rows(
      `SELECT g.PatientID, g.StudyInstanceUID, g.SeriesInstanceUID, g.Modality, g.SeriesNumber, g.SeriesDescription, g.BodyPartExamined, g.Manufacturer,
         g.ManufacturerModelName, g.ConvolutionKernel, g.SliceThickness, g.step_median, g.step_min, g.step_max, g.images, g.files, g.Rows, g.Columns,
         g.PixelSpacing, g.volume, g.original, g.worst_severity, g.folder
       FROM series_geometry g WHERE ${c.sql}
       ORDER BY g.PatientID, g.StudyInstanceUID, g.SeriesNumber, g.SeriesInstanceUID`,
      c.params,
    ),
  );
  const findings = new Map<string, string[]>();
  if (rows.length) {
    await store.each('SELECT SeriesInstanceUID, check_name, count FROM series_findings ORDER BY SeriesInstanceUID, check_name', [], (r) => {
      const uid = String(r[0]);
      let list = findings.get(uid);
      if (!list) findings.set(uid, (list = []));
      list.push(r[2] === null ? String(r[1]) : `${r[1]} (${r[2]})`);
    });
  }
  const s = (v: SqlParam) => (v === null ? null : String(v));
  const n = (v: SqlParam) => (v === null ? null : Number(v));
  return rows.map((r) => ({
    PatientID: String(r[0] ?? ''),
    StudyInstanceUID: String(r[1] ?? ''),
    SeriesInstanceUID: String(r[2]),
    Modality: s(r[3]),
    SeriesNumber: n(r[4]),
    SeriesDescription: s(r[5]),
    BodyPartExamined: s(r[6]),
    Manufacturer: s(r[7]),
    ManufacturerModelName: s(r[8]),
    ConvolutionKernel: s(r[9]),
    SliceThickness: n(r[10]),
    step: n(r[11]),
    step_min: n(r[12]),
    step_max: n(r[13]),
    images: Number(r[14]),
    files: Number(r[15]),
    Rows: n(r[16]),
    Columns: n(r[17]),
    PixelSpacing: s(r[18]),
    volume: r[19] === 1 || r[19] === '1',
    original: r[20] === 1 || r[20] === '1',
    worst_severity: s(r[21]),
    findings: (findings.get(String(r[2])) ?? []).join('; '),
    folder: String(r[22] ?? ''),
  }));
}
