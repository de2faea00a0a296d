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
import { newRecordReader, readerThreads, type JobsSetting, type ThreadOptions } from './read/jobs';
import { shardFilter, type Shard } from './scan/shard';
import { shardRunEnded, shardRunStarted } from './store/shardRuns';
import { mustRead, type FileRecord } from './records';
import { emit, observeStore, type RunObserver } from './run/events';
import { scanFolder, scanProblems, scanWarnings } from './scan/scanner';
import { ensurePgSchema } from './store/postgresSchema';
import { PostgresStore } from './store/postgresStore';
import { parsePgUrl } from './store/postgresUrl';
import { PgBatchWriter, pgKnownFiles, pgRemove } from './store/postgresWriter';

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
  /** Typed events of the run (metrics, machine logs): src/core/run/events.ts. */
  observer?: RunObserver;
  limits?: ReadLimits;
  /** Reader threads (see IndexOptions.jobs). */
  jobs?: JobsSetting;
  threads?: ThreadOptions;
  /** Only the series folders of this shard (hashed relative to the dataset root); forgets only in them. */
  shard?: Shard;
  /** The dataset's name (kept in meta; the schema is chosen by the caller: see the CLI's --dataset). */
  dataset?: string;
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

    const startedAt = new Date();
    if (opts.dataset) await setMeta(store, 'dataset', opts.dataset);
    const scan = await scanFolder(folder, { include: opts.include, exclude: opts.exclude, sniffExtensionless: opts.sniffExtensionless, signal: opts.signal });
    warnings.push(...scanWarnings(scan));
    // A shard's folders, by their path relative to the dataset root (the same on every machine).
    const mine = shardFilter(opts.shard);
    const candidates = opts.shard ? scan.candidates.filter((c) => mine(prefix + c.relPath)) : scan.candidates;
    await shardRunStarted(store, opts.shard, startedAt);
    for (let i = 0; i < scanProblems(scan); i++) emit(opts.observer, { type: 'error', kind: 'scan' });
    const known = await pgKnownFiles(store);
    const present = new Set(candidates.map((c) => prefix + c.relPath));
    const toRead = candidates.filter((c) => mustRead(c, known.get(prefix + c.relPath)));
    // Only the part of the dataset this run scanned (its subfolder, its shard) is compared: other writers' parts are theirs.
    const toForget = opts.signal?.aborted ? [] : [...known].filter(([p]) => (prefix === '' || p.startsWith(prefix)) && mine(p) && !present.has(p)).map(([, k]) => k.id);
    log(`postgres ${target.display}: ${candidates.length} candidates, ${toRead.length} to read, ${toForget.length} to forget`);
    emit(opts.observer, { type: 'planned', store: 'postgresql', candidates: candidates.length, toRead: toRead.length, toForget: toForget.length, ms: Date.now() - t0 });
    await pgRemove(store, toForget);

    const reader = newRecordReader({ root: folder, limits: opts.limits ?? DEFAULT_LIMITS, pixelStats: false, concurrency: 16, ioMode: 'adaptive' }, readerThreads(opts.jobs, toRead.length), { log, ...opts.threads });
    const counts = { ok: 0, partial: 0, error: 0, not_dicom: 0 };
    let done = 0;
    // Reading the next batch while the server writes this one (one batch in flight: memory holds two).
    const writer = new PgBatchWriter(store);
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let i = 0; i < toRead.length && !opts.signal?.aborted; i += BATCH_FILES) {
        const batch: FileRecord[] = [];
        await reader.readAll(toRead.slice(i, i + BATCH_FILES), (rec) => batch.push(rec), { signal: opts.signal, afterChunk: () => undefined, chunkSize: 128 });
        for (const rec of batch) {
          rec.relPath = prefix + rec.relPath;
          if (!identity && rec.values) anonymise(rec.values, salt);
          emit(opts.observer, { type: 'file-read', status: rec.status, bytes: rec.bytesRead ?? 0, ms: rec.readMs ?? 0 });
          if (rec.errorKind) emit(opts.observer, { type: 'error', kind: rec.errorKind });
        }
        await writing;
        const tWrite = performance.now();
        writing = writer.write(batch).then(() => {
          emit(opts.observer, { type: 'batch-written', store: 'postgresql', files: batch.length, ms: performance.now() - tWrite });
          for (const rec of batch) counts[rec.status]++;
          done += batch.length;
          opts.onProgress?.({ phase: 'read', done, total: toRead.length });
        });
        // Not unhandled while the next batch is read: awaited above, or below.
        writing.catch(() => undefined);
      }
    } finally {
      await writing;
      await reader.close();
    }
    const cancelled = !!opts.signal?.aborted;
    const checks = await refreshChecks(store);
    if (checks.series) log(`checks: ${checks.series} series in ${checks.ms} ms`);
    await observeStore(opts.observer, store);
    await setMeta(store, 'last_indexed', new Date().toISOString());
    await shardRunEnded(store, opts.shard, cancelled, { files: candidates.length, read: done, removed: toForget.length, errors: counts.error });
    const unchanged = candidates.length - toRead.length;
    emit(opts.observer, { type: 'finished', store: 'postgresql', cancelled, candidates: candidates.length, read: done, unchanged, removed: toForget.length, counts, ms: Date.now() - t0 });
    return {
      root: folder,
      dbPath: target.display,
      cancelled,
      candidates: candidates.length,
      read: done,
      unchanged,
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
