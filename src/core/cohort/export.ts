/**
 * A cohort's export, the format by the file's extension: `.csv` (one row per series), `.json` (a
 * training manifest: the series rows plus each series' files ordered by slice position, ready for a
 * data loader) or `.parquet` (the series rows, typed). Written atomically; unsafe targets are
 * refused as for every export (src/core/export/target.ts).
 */
import * as path from 'node:path';
import { version as VERSION } from '../../../package.json';
import type { CohortCount, CohortFilter, CohortFormat } from '../../shared/cohort';
import { writeFileAtomic } from '../atomicFile';
import { REL_PATH_SQL } from '../db/schema';
import { csvField } from '../export/csv';
import { checkExportTarget, ExportRefusedError } from '../export/target';
import { checkSeriesOf } from '../queries/checks';
import type { QueryStore } from '../store/queryStore';
import { asStore, IndexSource, rootOf } from '../store/source';
import { COHORT_COLUMNS, CohortFilterError, cohortSeries, CohortSeriesRow, countCohort } from './query';

export interface CohortExportResult {
  format: CohortFormat;
  file: string;
  count: CohortCount;
  bytes: number;
}

export function cohortFormatOf(file: string): CohortFormat | null {
  const ext = path.extname(file).toLowerCase();
  return ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : ext === '.parquet' ? 'parquet' : null;
}

/** Where a cohort comes from: the SQLite index file, or a store without a local file (PostgreSQL) and its data root. */
export type CohortSource = IndexSource;

export async function exportCohort(source: CohortSource, filter: CohortFilter, fileIn: string): Promise<CohortExportResult> {
  const file = path.resolve(fileIn);
  const format = cohortFormatOf(file);
  if (!format) throw new ExportRefusedError(file, 'has no cohort format: give a file ending in .csv, .json or .parquet');
  checkExportTarget(file, source);
  const store = asStore(source);
  const root = rootOf(source);
  const rows = await cohortSeries(store, filter);
  const count = await countCohort(store, filter);
  if (format === 'parquet') {
    if (!rows.length) throw new CohortFilterError('the cohort holds no series, and a Parquet file needs at least one row: nothing was written');
    const { writeCohortParquet } = await import('./parquet');
    return { format, file, count, bytes: await writeCohortParquet(file, rows) };
  }
  const text = format === 'csv' ? cohortCsv(rows) : JSON.stringify(await manifest(store, rows, filter, count, root), null, 1);
  const bytes = Buffer.from(text, 'utf8');
  writeFileAtomic(file, bytes);
  return { format, file, count, bytes: bytes.byteLength };
}

/** RFC 4180 with a byte order mark and CRLF, as the index's CSV export. */
export function cohortCsv(rows: readonly CohortSeriesRow[]): string {
  const decimal = new Set(['PixelSpacing']);
  const lines = [COHORT_COLUMNS.join(',')];
  for (const r of rows) lines.push(COHORT_COLUMNS.map((c) => csvField(typeof r[c] === 'boolean' ? (r[c] ? 1 : 0) : (r[c] as string | number | null), decimal.has(c))).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** The training manifest: where the data is, the filter, the counts, and per series its rows and ordered files. */
async function manifest(store: QueryStore, rows: readonly CohortSeriesRow[], filter: CohortFilter, count: CohortCount, root: string | null) {
  const checked = await checkSeriesOf(
    store,
    rows.map((r) => r.SeriesInstanceUID),
  );
  const wanted = new Set<number>();
  for (const s of checked.values()) for (const id of s.order) wanted.add(id);
  const paths = new Map<number, string>();
  await store.each(`SELECT f.id, ${REL_PATH_SQL} FROM files f JOIN dirs d ON d.id = f.dir_id`, [], (r) => {
    if (wanted.has(r[0] as number)) paths.set(r[0] as number, String(r[1]));
  });
  return {
    format: 'dicom-workspace-index cohort manifest',
    version: 1,
    createdBy: `dicom-workspace-index ${VERSION}`,
    created: new Date().toISOString(),
    root,
    filter,
    count,
    series: rows.map((r) => ({
      ...r,
      // Relative to `root`, one per SOP instance (a copy is left out), in slice order along the normal
      // (by InstanceNumber where there is no geometry).
      paths: (checked.get(r.SeriesInstanceUID)?.order ?? []).map((id) => paths.get(id)).filter((p): p is string => p !== undefined),
    })),
  };
}
