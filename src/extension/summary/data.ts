/**
 * What the summary panel shows, read from an open index database: the statistics (the same
 * `computeStats` as `dicom-index stats`) and the series table. No `vscode` import: unit-testable.
 */
import type { IndexDatabase } from '../../core/db/database';
import { computeStats } from '../../core/stats';
import { seriesTable } from '../../core/queries/seriesTable';
import type { SeriesRow, StatsData } from '../../shared/messages';

/** At most this many series rows are sent to the webview (LIDC has ~1,300). */
export const MAX_SERIES_ROWS = 5000;

export interface SeriesQueryResult {
  /** One per distinct non-empty SeriesInstanceUID, and groups of files without one (`uid` ''). */
  rows: SeriesRow[];
  /** Rows of the whole table (more than `rows.length` when capped). */
  total: number;
}

/** The series table of the panel: the core's per-series query (one row per Series UID), capped at `limit`. */
export function querySeries(idx: IndexDatabase, limit = MAX_SERIES_ROWS): SeriesQueryResult {
  const table = seriesTable(idx, limit);
  const rows = table.rows.map(
    (r): SeriesRow => ({
      uid: r.uid,
      patient: r.patientName || r.patientId || '',
      patientName: r.patientName ?? '',
      patientId: r.patientId,
      studyDate: r.studyDate ?? '',
      modality: r.modality ?? '',
      description: r.description ?? '',
      seriesNumber: r.seriesNumber,
      images: r.images,
      thickness: r.thickness,
      pixelSpacing: r.pixelSpacing,
      size: r.size,
      conflicts: r.conflicts,
    }),
  );
  return { rows, total: table.series + table.withoutUid };
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

