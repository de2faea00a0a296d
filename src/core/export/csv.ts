/**
 * CSV export: one row per candidate file (DICOM or not), RFC 4180, UTF-8 with a byte order mark
 * (so Excel reads non-ASCII names correctly), CRLF line ends. Columns: EXPORT_COLUMNS. Files that
 * are not DICOM or could not be read have blank DICOM fields. Multi-valued strings keep DICOM's
 * backslash form. Streamed in chunks, written to a temporary file and renamed when complete.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import type { SqlValue } from 'sql.js';
import { asStore, IndexSource } from '../store/source';
import { safeValue } from './cells';
import { DECIMAL_COLUMNS, destroyAndWait, EXPORT_COLUMNS, ExportOptions, ExportResult, fileRowBatches, orderedFileIds } from './rows';
import { writeViaTemp } from '../atomicFile';
import { checkExportTarget } from './target';

const BOM = '\ufeff';
const EOL = '\r\n';
const CHUNK_CHARS = 256 * 1024;

/** One CSV field: quoted when it holds a comma, quote, CR or LF; embedded quotes doubled. */
export function csvField(v: SqlValue | undefined, allowDecimal = false): string {
  const s = safeValue(v, { allowDecimal });
  if (s == null) return '';
  if (typeof s === 'number') return String(s); // shortest form that reads back as the same number
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function exportCsv(source: IndexSource, file: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const { signal, onProgress } = opts;
  signal?.throwIfAborted();
  checkExportTarget(file, source);
  const store = asStore(source);
  const decimal = EXPORT_COLUMNS.map((c) => DECIMAL_COLUMNS.has(c));
  return writeViaTemp(file, async (tmp) => {
    const out = fs.createWriteStream(tmp, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
    let failed: Error | undefined;
    out.on('error', (e) => (failed ??= e));
    try {
      const write = async (chunk: string) => {
        if (failed) throw failed;
        if (!out.write(chunk)) {
          if (failed) throw failed;
          await once(out, 'drain', { signal });
        }
      };
      const ids = await orderedFileIds(store);
      const total = ids.length;
      let rows = 0;
      let chunk = BOM + EXPORT_COLUMNS.map((c) => csvField(c)).join(',') + EOL;
      onProgress?.(0, total);
      for await (const batch of fileRowBatches(store, ids, EXPORT_COLUMNS, signal)) {
        for (const r of batch) {
          let line = '';
          for (let i = 0; i < r.length; i++) line += (i ? ',' : '') + csvField(r[i], decimal[i]);
          chunk += line + EOL;
          rows++;
          if (chunk.length >= CHUNK_CHARS) {
            await write(chunk);
            chunk = '';
          }
        }
        onProgress?.(rows, total);
      }
      if (chunk) await write(chunk);
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        out.once('close', () => (failed ? reject(failed) : resolve()));
        out.end();
      });
      return { rows };
    } catch (e) {
      await destroyAndWait(out);
      throw e;
    }
  });
}
