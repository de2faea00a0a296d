/**
 * What the summary panel shows, read from an open index database: the statistics (the same
 * `computeStats` as `dicom-index stats`) and the series table. No `vscode` import: unit-testable.
 */
import type { IndexDatabase } from '../../core/db/database';
import { computeStats } from '../../core/stats';
import type { SeriesRow, StatsData } from '../../shared/messages';
import { mergeSeriesRows } from './mergeSeries';

/** At most this many series rows are sent to the webview (LIDC has ~1,300). */
export const MAX_SERIES_ROWS = 5000;

export interface SeriesQueryResult {
  /** One per distinct non-empty SeriesInstanceUID, and groups of files without one (`uid` ''). */
  rows: SeriesRow[];
  /** Rows of the whole table (more than `rows.length` when capped). */
  total: number;
}

interface RawSeries {
  uid: string | null;
  patientId: string | null;
  patientName: string | null;
  studyDate: string | null;
  modality: string | null;
  description: string | null;
  seriesNumber: number | null;
  images: number;
  thickness: string | null;
  spacing: string | null;
  size: string | null;
}

const SEP = '\u001f';

/**
 * One query over series ⋈ study ⋈ patient with the instances' count and distinct values,
 * ordered by patient, study date, study, series number; capped at `limit` rows.
 */
export function querySeries(idx: IndexDatabase, limit = MAX_SERIES_ROWS): SeriesQueryResult {
  const total = Number(idx.scalar('SELECT COUNT(*) FROM series') ?? 0);
  const raw = idx.all<RawSeries>(
    `SELECT se.SeriesInstanceUID AS uid, p.PatientID AS patientId, p.PatientName AS patientName,
       st.StudyDate AS studyDate, se.Modality AS modality, se.SeriesDescription AS description,
       se.SeriesNumber AS seriesNumber,
       (SELECT COUNT(*) FROM instance i WHERE i.series_id = se.id) AS images,
       (SELECT GROUP_CONCAT(t, '${SEP}') FROM (SELECT DISTINCT SliceThickness AS t FROM instance i WHERE i.series_id = se.id AND t IS NOT NULL)) AS thickness,
       (SELECT GROUP_CONCAT(s, '${SEP}') FROM (SELECT DISTINCT PixelSpacing AS s FROM instance i WHERE i.series_id = se.id AND s IS NOT NULL AND s <> '')) AS spacing,
       (SELECT GROUP_CONCAT(z, '${SEP}') FROM (SELECT DISTINCT Rows || '×' || Columns AS z FROM instance i WHERE i.series_id = se.id AND Rows IS NOT NULL AND Columns IS NOT NULL)) AS size
     FROM series se JOIN study st ON st.id = se.study_id JOIN patient p ON p.id = st.patient_id
     ORDER BY p.PatientID, st.StudyDate, st.StudyInstanceUID, se.SeriesNumber IS NULL, se.SeriesNumber, se.SeriesInstanceUID
     LIMIT ?`,
    [limit],
  );
  const split = (s: string | null) => (s ? s.split(SEP) : []);
  const sortSize = (a: string, b: string) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b);
  const parts = raw.map(
    (r): SeriesRow => ({
      uid: r.uid ?? '',
      patient: r.patientName || r.patientId || '',
      patientName: r.patientName ?? '',
      patientId: r.patientId ?? '',
      studyDate: r.studyDate ?? '',
      modality: r.modality ?? '',
      description: r.description ?? '',
      seriesNumber: r.seriesNumber == null ? null : Number(r.seriesNumber),
      images: Number(r.images),
      thickness: split(r.thickness)
        .map(Number)
        .filter((x) => Number.isFinite(x))
        .sort((a, b) => a - b),
      pixelSpacing: split(r.spacing).sort(),
      size: split(r.size).sort(sortSize),
      conflicts: [],
    }),
  );
  const rows = mergeSeriesRows(parts, sortSize);
  // Uncapped, the merged rows are the table; capped, the count query's total (which counts a UID
  // once per study row it is under) is what there is.
  return { rows, total: raw.length < limit ? rows.length : total };
}

export interface SummaryData {
  stats: StatsData;
  series: SeriesRow[];
  seriesTotal: number;
}

export function readSummary(idx: IndexDatabase, limit = MAX_SERIES_ROWS): SummaryData {
  const stats = computeStats(idx);
  const { rows, total } = querySeries(idx, limit);
  return { stats, series: rows, seriesTotal: total };
}

