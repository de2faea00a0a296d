/**
 * Indexes a folder into a PostgreSQL index (issue 14): scan, compare with what the index knows of that
 * part of the dataset, read what changed, write it in batches (one transaction each, committed as it
 * goes: a run that stops or loses its connection keeps every batch before), forget files of that part
 * that are gone, then the checks of the series that changed. Paths are stored relative to the dataset
 * root, so machines that mount the data at different paths, or that index different subfolders, fill
 * one index together.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { DEFAULT_LIMITS, ReadLimits } from './dicom/header/types';
import { anonymise, IndexProgress, IndexResult } from './indexer';
import { refreshChecks } from './queries/checks';
import { ChunkReader } from './read/chunkReader';
import { mustRead, type FileRecord } from './records';
import { scanFolder } from './scan/scanner';
import { ensurePgSchema } from './store/postgresSchema';
import { PostgresStore } from './store/postgresStore';
import { parsePgUrl } from './store/postgresUrl';
import { pgKnownFiles, pgRemove, pgWriteBatch } from './store/postgresWriter';

export interface PgIndexOptions {
  /** The dataset's root (default: the folder indexed); the folder must be inside it. */
  datasetRoot?: string;
  include?: string[];
  exclude?: string[];
  sniffExtensionless?: boolean;
  storePatientIdentity?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  log?: (message: string) => void;
  limits?: ReadLimits;
}

/** Files read, then written, per batch (one transaction); DICOM_INDEX_PG_BATCH_FILES sets it for tests of runs stopped midway. */
const BATCH_FILES = Math.max(1, Number(process.env.DICOM_INDEX_PG_BATCH_FILES) || 512);

export async function indexIntoPostgres(folderIn: string, url: string, opts: PgIndexOptions = {}): Promise<IndexResult> {
  const t0 = Date.now();
  const folder = path.resolve(folderIn);
  const root = path.resolve(opts.datasetRoot ?? folder);
  const sub = path.relative(root, folder).split(path.sep).join('/');
  if (sub.startsWith('..') || path.isAbsolute(sub)) throw new Error(`${folder} is not inside the dataset root ${root}`);
  const prefix = sub ? `${sub}/` : '';
  const log = opts.log ?? (() => undefined);
  const target = parsePgUrl(url);
  const store = await PostgresStore.connect(target, { create: true });
  try {
    const schema = await ensurePgSchema(store);
    const warnings = schema.warning ? [schema.warning] : [];
    const identity = opts.storePatientIdentity !== false;
    const salt = identity ? '' : await sharedSalt(store);

    const scan = await scanFolder(folder, { include: opts.include, exclude: opts.exclude, sniffExtensionless: opts.sniffExtensionless, signal: opts.signal });
    warnings.push(...scan.unreadableDirs.map((d) => `a folder could not be listed (${d.reason})`));
    const known = await pgKnownFiles(store);
    const present = new Set(scan.candidates.map((c) => prefix + c.relPath));
    const toRead = scan.candidates.filter((c) => mustRead(c, known.get(prefix + c.relPath)));
    // Only the part of the dataset this run scanned is compared: other writers' parts are theirs.
    const toForget = opts.signal?.aborted ? [] : [...known].filter(([p]) => (prefix === '' || p.startsWith(prefix)) && !present.has(p)).map(([, k]) => k.id);
    log(`postgres ${target.display}: ${scan.candidates.length} candidates, ${toRead.length} to read, ${toForget.length} to forget`);
    await pgRemove(store, toForget);

    const reader = new ChunkReader({ root: folder, limits: opts.limits ?? DEFAULT_LIMITS, pixelStats: false, concurrency: 16, ioMode: 'adaptive' });
    const counts = { ok: 0, partial: 0, error: 0, not_dicom: 0 };
    let done = 0;
    for (let i = 0; i < toRead.length && !opts.signal?.aborted; i += BATCH_FILES) {
      const batch: FileRecord[] = [];
      await reader.readAll(toRead.slice(i, i + BATCH_FILES), (rec) => batch.push(rec), { signal: opts.signal, afterChunk: () => undefined, chunkSize: 128 });
      for (const rec of batch) {
        rec.relPath = prefix + rec.relPath;
        if (!identity && rec.values) anonymise(rec.values, salt);
        counts[rec.status]++;
      }
      await pgWriteBatch(store, batch);
      done += batch.length;
      opts.onProgress?.({ phase: 'read', done, total: toRead.length });
    }
    const cancelled = !!opts.signal?.aborted;
    const checks = await refreshChecks(store);
    if (checks.series) log(`checks: ${checks.series} series in ${checks.ms} ms`);
    await setMeta(store, 'last_indexed', new Date().toISOString());
    return {
      root: folder,
      dbPath: target.display,
      cancelled,
      candidates: scan.candidates.length,
      read: done,
      unchanged: scan.candidates.length - toRead.length,
      removed: toForget.length,
      counts,
      warnings,
      durationMs: Date.now() - t0,
      written: true,
    };
  } finally {
    await store.close();
  }
}

async function setMeta(store: PostgresStore, key: string, value: string): Promise<void> {
  await store.run('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

/** The dataset's salt for hashed PatientIDs: one for every writer (the first one's). */
async function sharedSalt(store: PostgresStore): Promise<string> {
  await store.run("INSERT INTO meta(key, value) VALUES ('patient_salt', ?) ON CONFLICT (key) DO NOTHING", [crypto.randomBytes(16).toString('hex')]);
  const r = await store.rows("SELECT value FROM meta WHERE key = 'patient_salt'");
  return String(r[0][0]);
}
