/**
 * `dicom-index merge OUT IN…`: the SQLite indexes of shards (`--shard K/N`, or any disjoint parts of
 * one dataset) made into one index, as if one run had read every file. Each input's rows are read
 * back as the records the reader made (every keyword column, the pixel summary, the frames) and
 * written by the one writer into a fresh index, in the order a scan of the whole tree meets them;
 * the dataset checks are computed for every series; OUT is saved atomically. Refused, with nothing
 * written: an OUT that is not a new file or an earlier merge's output (not even an index of a run:
 * `merge shard0 shard1 shard2` would lose shard0), an OUT that is one of the inputs, inputs of different datasets or index settings, hashed PatientIDs of different
 * salts, and a file found in two inputs.
 */
import * as path from 'node:path';
import type { SqlValue } from 'sql.js';
import { FIELDS, type FieldValues } from '../dicom/fields';
import type { ErrorKind, FileStatus } from '../dicom/header/types';
import type { FrameValues } from '../dicom/extract';
import { refreshChecks } from '../queries/checks';
import type { FileRecord } from '../records';
import { sqliteStore } from '../store/sqliteStore';
import { acquireLock } from '../lock';
import { DatabaseRefusedError, IndexDatabase } from './database';
import { classifyDatabasePath } from './dbPath';
import { IndexWriter } from './writer';

export class MergeRefusedError extends Error {}

export interface MergeResult {
  out: string;
  inputs: number;
  files: number;
  series: number;
  durationMs: number;
}

/** Meta keys that must agree between inputs (what was stored and how). */
const SAME = ['settings', 'dataset', 'patient_salt'] as const;

export async function mergeIndexes(outIn: string, inputsIn: string[], log: (m: string) => void = () => undefined): Promise<MergeResult> {
  const t0 = Date.now();
  const out = path.resolve(outIn);
  const inputs = inputsIn.map((p) => path.resolve(p));
  if (inputs.length < 1) throw new MergeRefusedError('give at least one index to merge');
  if (inputs.includes(out)) throw new DatabaseRefusedError(out, 'is one of the indexes to merge');
  if (new Set(inputs).size !== inputs.length) throw new MergeRefusedError('an index is given twice');
  await assertMergeTarget(out);
  const opened: IndexDatabase[] = [];
  try {
    for (const f of inputs) opened.push(await IndexDatabase.open(f, { readOnly: true }));
    for (const key of SAME) {
      const values = new Set(opened.map((d) => d.getMeta(key) ?? ''));
      if (values.size > 1) throw new MergeRefusedError(refusal(key));
    }
    // Every file once: a path in two inputs means they are not disjoint parts of one dataset.
    const records: FileRecord[] = [];
    const from = new Map<string, string>();
    for (let k = 0; k < opened.length; k++) {
      for (const rec of readRecords(opened[k])) {
        const other = from.get(rec.relPath);
        // The inputs named, not the file (its path can hold a patient ID): they are the user's own files.
        if (other !== undefined) throw new MergeRefusedError(`${other} and ${inputs[k]} hold the same file (and perhaps more): merge joins disjoint parts (shards) of one dataset`);
        from.set(rec.relPath, inputs[k]);
        records.push(rec);
      }
    }
    records.sort((a, b) => scanOrder(a.relPath, b.relPath));
    const lock = acquireLock(out);
    try {
      // Again under the lock: an index run may have made OUT since the check above.
      await assertMergeTarget(out);
      const idx = await IndexDatabase.open(out, { rebuild: true });
      try {
        const first = opened[0];
        for (const key of [...SAME, 'root']) {
          const v = first.getMeta(key);
          if (v !== undefined) idx.setMeta(key, v);
        }
        const writer = new IndexWriter(idx);
        writer.begin();
        records.forEach((rec, i) => {
          writer.write(rec);
          if (i % 4096 === 4095) {
            writer.commit();
            writer.begin();
          }
        });
        writer.commit();
        writer.invalidateStatements();
        copyShardRuns(opened, idx);
        const checks = await refreshChecks(sqliteStore(idx));
        const last = opened.map((d) => d.getMeta('last_indexed') ?? '').sort().pop();
        if (last) idx.setMeta('last_indexed', last);
        idx.setMeta('merged', String(inputs.length));
        idx.setMeta('incomplete', opened.some((d) => d.getMeta('incomplete') === 'true') ? 'true' : 'false');
        idx.save();
        log(`merge: ${records.length} files of ${inputs.length} indexes, checks of ${checks.series} series, in ${Date.now() - t0} ms`);
        return { out, inputs: inputs.length, files: records.length, series: checks.series, durationMs: Date.now() - t0 };
      } finally {
        idx.close();
      }
    } finally {
      lock.release();
    }
  } finally {
    for (const d of opened) d.close();
  }
}

function refusal(key: (typeof SAME)[number]): string {
  switch (key) {
    case 'settings':
      return 'the indexes were written with different settings (patient identity, pixel statistics, include/exclude globs, extension-less files): index the shards with the same options';
    case 'dataset':
      return 'the indexes are of different datasets (--dataset)';
    case 'patient_salt':
      return 'the indexes hash PatientID with different salts (--no-patient-identity): merged, one patient would be several. Index without --no-patient-identity, or into one PostgreSQL index, whose salt all shards share';
  }
}

const KEYWORDS = FIELDS.map((d) => d.keyword);

/** Every file row of an index as the record the reader made of it. */
function readRecords(idx: IndexDatabase): FileRecord[] {
  const frames = new Map<number, FrameValues[]>();
  idx.each('SELECT file_id, ImagePositionPatient, ImageOrientationPatient, PixelSpacing, SliceThickness FROM frame ORDER BY file_id, frame_no', [], (r) => {
    const list = frames.get(r[0] as number) ?? [];
    list.push({ position: r[1] as string | null, orientation: r[2] as string | null, pixelSpacing: r[3] as string | null, thickness: r[4] as number | null });
    frames.set(r[0] as number, list);
  });
  const out: FileRecord[] = [];
  const cols = ['file_id', 'path', 'status', 'error', 'error_kind', 'size', 'mtime_ms', ...KEYWORDS, 'PixelDataType', 'PixelMean', 'PixelSummary', 'SliceThicknessInvalid'];
  idx.each(`SELECT ${cols.join(', ')} FROM file_rows`, [], (r: SqlValue[]) => {
    const status = r[2] as FileStatus;
    const rec: FileRecord = { relPath: r[1] as string, status, error: r[3] as string | null, errorKind: r[4] as ErrorKind | null, size: r[5] as number, mtimeMs: r[6] as number, isNew: true };
    if (status === 'ok' || status === 'partial') {
      const v: FieldValues = {};
      for (let k = 0; k < KEYWORDS.length; k++) v[KEYWORDS[k]] = r[7 + k] as string | number | null;
      rec.values = v;
      const p = 7 + KEYWORDS.length;
      rec.pixel = r[p] === null && r[p + 1] === null && r[p + 2] === null ? null : { dataType: r[p] as string | null, mean: r[p + 1] as number | null, summary: r[p + 2] as string };
      rec.sliceThicknessInvalid = r[p + 3] as string | null;
      const f = frames.get(r[0] as number);
      if (f) rec.frames = f;
    }
    out.push(rec);
  });
  return out;
}

function copyShardRuns(from: IndexDatabase[], to: IndexDatabase): void {
  for (const d of from) {
    d.each('SELECT shard_count, shard_index, host, started_at, finished_at, status, files, read, removed, errors FROM shard_runs', [], (r) => {
      to.db.run('INSERT OR REPLACE INTO shard_runs(shard_count, shard_index, host, started_at, finished_at, status, files, read, removed, errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', r);
    });
  }
}

/**
 * The order a scan of the whole tree meets two paths: depth first, a folder's files before its
 * subfolders, names in code-unit order (scan/scanner.ts).
 */
export function scanOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const xFile = i === x.length - 1;
    const yFile = i === y.length - 1;
    if (x[i] !== y[i]) {
      if (xFile !== yFile) return xFile ? -1 : 1;
      return x[i] < y[i] ? -1 : 1;
    }
    if (xFile || yFile) return xFile === yFile ? 0 : xFile ? -1 : 1;
  }
}

/**
 * OUT may be new, or an earlier merge's output: never an index of a run (a shard forgotten from the
 * command line, `merge shard0 shard1 shard2`, would be lost), nor anything this tool did not write.
 */
async function assertMergeTarget(out: string): Promise<void> {
  // A new file in a folder that exists, and nothing beside it that is not ours (its lock's name):
  // refused plainly here rather than failing on the lock file.
  if (classifyDatabasePath(out) === 'absent') return;
  const existing = await IndexDatabase.open(out, { readOnly: true }).catch((e: unknown) => {
    if (e instanceof DatabaseRefusedError) throw e;
    throw new DatabaseRefusedError(out, 'is not an index that merge wrote');
  });
  // An index run into a merge's output removes `merged` (indexer.ts): it is a run's index from then on.
  const merged = existing.getMeta('merged');
  existing.close();
  if (merged === undefined) throw new DatabaseRefusedError(out, 'is the index of an index run, not one that merge wrote (merge replaces only its own output)');
}
