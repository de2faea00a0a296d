/**
 * What both exports share: the column list, reading `file_rows` in batches, and writing through a
 * temporary file that is renamed over the target only when complete.
 */
import * as fs from 'node:fs';
import { FIELDS, PIXEL_FIELDS } from '../dicom/fields';
import { byteOrder, placeholders, quotedColumn, QueryStore, SqlParam } from '../store/queryStore';

export interface ExportOptions {
  /** Abort to stop: the target is left as it was and the temporary file removed. */
  signal?: AbortSignal;
  /** Rows written so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  /** Data rows written (one per candidate file; the workbook's other sheets are not counted). */
  rows: number;
}

/**
 * The columns of the CSV export and of the workbook's Instances sheet, in order: the file, its
 * status, the DICOM keyword columns (FIELDS order), then the extras. Every name is a column of the
 * `file_rows` view.
 */
export const EXPORT_COLUMNS: readonly string[] = Object.freeze([
  'path',
  'status',
  ...FIELDS.map((d) => d.keyword),
  'error',
  'size',
  ...PIXEL_FIELDS,
]);

/**
 * Columns whose values are numbers, or numbers written as text (DS/IS multi-values such as
 * ImagePositionPatient `-125\-125\100`): a plain decimal there is data, not a formula.
 */
export const DECIMAL_COLUMNS: ReadonlySet<string> = new Set([
  'size',
  'PixelMean',
  ...FIELDS.filter((d) => d.type !== 'text' || d.vr === 'DS' || d.vr === 'IS').map((d) => d.keyword),
]);

const BATCH = 1000;

/**
 * Streams rows of `file_rows` (`columns`, ordered by path, filtered by `where`) in batches.
 *
 * The ordered file ids are read first; each batch is then a fresh, fully stepped query. No
 * statement stays open across an `await`, so an index save happening meanwhile (sql.js's export()
 * frees every prepared statement) cannot break the export. A file removed meanwhile is skipped.
 */
export async function orderedFileIds(store: QueryStore, where = ''): Promise<number[]> {
  const ids: number[] = [];
  // By the bytes of the path, on either engine: the same rows in the same order.
  await store.each(`SELECT file_id FROM file_rows ${where ? `WHERE ${where}` : ''} ORDER BY ${byteOrder(store.dialect, 'path')}`, [], (r) => ids.push(r[0] as number));
  return ids;
}

export async function* fileRowBatches(store: QueryStore, ids: readonly number[], columns: readonly string[], signal?: AbortSignal): AsyncGenerator<SqlParam[][]> {
  const select = columns.map((c) => quotedColumn(store.dialect, c)).join(', ');
  for (let start = 0; start < ids.length; start += BATCH) {
    signal?.throwIfAborted();
    const batch = ids.slice(start, start + BATCH);
    const byId = new Map<number, SqlParam[]>();
    await store.each(`SELECT file_id, ${select} FROM file_rows WHERE file_id IN (${placeholders(batch.length)})`, batch, (r) => byId.set(r[0] as number, r.slice(1)));
    const rows: SqlParam[][] = [];
    for (const id of batch) {
      const r = byId.get(id);
      if (r) rows.push(r);
    }
    yield rows;
  }
}

/** Waits for a write stream to close after destroying it (so its file can be removed on Windows). */
export function destroyAndWait(stream: fs.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) return resolve();
    stream.once('close', () => resolve());
    stream.on('error', () => undefined);
    stream.destroy();
  });
}
