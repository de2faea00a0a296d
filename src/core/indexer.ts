/**
 * Indexes a root folder into its database, incrementally: scan, compare with the `files` table,
 * read only new or changed files, forget deleted ones. Reads overlap with parsing (several reads in
 * flight), writes go in transactions of a batch, saves are periodic and atomic. Cancelling (an
 * AbortSignal) commits what was read and saves: the index stays consistent and usable.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LIMITS, ReadLimits } from './dicom/header/types';
import type { RecordReader } from './read/chunkReader';
import { newRecordReader, readerThreads, type JobsSetting, type ThreadOptions } from './read/jobs';
import { assertOurs, IndexDatabase } from './db/database';
import { defaultDbPath, ensureDefaultFolder, removeDefaultFolderIfUnused } from './db/dbPath';
import { IndexWriter } from './db/writer';
import { refreshChecks } from './queries/checks';
import { sqliteStore } from './store/sqliteStore';
import { mustRead, type FileRecord, type KnownFile } from './records';
import { acquireLock } from './lock';
import { emit, observeStore, type RunObserver } from './run/events';
import { Candidate, scanFolder, scanProblems, scanWarnings } from './scan/scanner';
import { statCandidates } from './scan/statPaths';
import type { FieldValues } from './dicom/fields';
import { shardFilter, type Shard } from './scan/shard';
import { shardRunEnded, shardRunStarted } from './store/shardRuns';

export { DEFAULT_DB_RELATIVE, defaultDbPath } from './db/dbPath';

export interface IndexOptions {
  /** Database file; default `<root>/.dicom/index.sqlite`. */
  dbPath?: string;
  include?: string[];
  exclude?: string[];
  sniffExtensionless?: boolean;
  pixelStats?: boolean;
  /** When false, PatientName/PatientBirthDate are never stored and PatientID is a salted hash. */
  storePatientIdentity?: boolean;
  /** Throw the database away first. */
  rebuild?: boolean;
  /** Only these relative paths (watcher updates): re-read them, forget the missing ones. */
  only?: string[];
  /**
   * With `only`: paths deleted that may have been folders (or extension-less files): the indexed files
   * at or under each are named too (read again where they are still there, forgotten where not).
   */
  gone?: string[];
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Diagnostics (counts, timings, never tag values). */
  log?: (message: string) => void;
  /** Typed events of the run (metrics, machine logs): src/core/run/events.ts. */
  observer?: RunObserver;
  concurrency?: number;
  /** Reader threads: N ≥ 2 reads on N worker threads while this thread writes; 1: this thread alone; `auto` (default): see read/jobs.ts. */
  jobs?: JobsSetting;
  /** The reader threads' watchdog and heap limits (tests). */
  threads?: ThreadOptions;
  /** The dataset's name (`--dataset`), kept in the index's meta: `merge` joins only files of one dataset. */
  dataset?: string;
  /** Only the files of this shard (series folders dealt by a stable hash: see scan/shard.ts). */
  shard?: Shard;
  /**
   * How files are read: `adaptive` (default) measures synchronous reads (best on a warm page cache)
   * against several asynchronous reads in flight (best on a cold one) as it goes and uses the faster.
   */
  ioMode?: 'adaptive' | 'sync' | 'async';
  limits?: ReadLimits;
  /** Save at least this often during a long run (ms). */
  saveEveryMs?: number;
  /**
   * An already open database for `dbPath` (the extension keeps one open for its tree and panel):
   * used as it is and left open. Without it the file is opened and closed here.
   */
  database?: IndexDatabase;
}

export interface IndexProgress {
  phase: 'scan' | 'read' | 'save';
  done: number;
  total: number;
}

export interface IndexResult {
  root: string;
  dbPath: string;
  cancelled: boolean;
  candidates: number;
  read: number;
  unchanged: number;
  removed: number;
  counts: { ok: number; partial: number; error: number; not_dicom: number };
  warnings: string[];
  durationMs: number;
  /** False when the run wrote no index: no candidate file and no index yet (nothing to record). */
  written: boolean;
}

export async function indexFolder(rootIn: string, opts: IndexOptions = {}): Promise<IndexResult> {
  const t0 = Date.now();
  const root = path.resolve(rootIn);
  const dbPath = path.resolve(opts.dbPath ?? defaultDbPath(root));
  const log = opts.log ?? (() => undefined);
  // Refuse a path that is not ours before anything is written (the lock file included).
  await assertOurs(dbPath, root);
  const createdDir = ensureDefaultFolder(dbPath, root, { gitignore: false });
  const lock = acquireLock(dbPath);
  // One reader for the run (it learns the best way to read as it goes), made when the first files are read.
  let made: RecordReader | null = null;
  const reader = (files: number) => (made ??= newReader(root, opts, files, log));
  try {
    if (opts.database) {
      if (opts.rebuild) await opts.database.reset();
      try {
        return await run({ idx: opts.database, root, dbPath, opts, log, t0, found: await findCandidates(root, opts), reader, readEarly: [] });
      } finally {
        await opts.database.whenWritten();
      }
    }
    // sql.js compiles its WebAssembly in the background while the (synchronous) scan runs, and,
    // for a new database (nothing known yet), while the first files are read.
    const fresh = !!opts.rebuild || !fs.existsSync(dbPath);
    let opened = false;
    const opening = IndexDatabase.open(dbPath, { rebuild: opts.rebuild, dataRoot: root });
    opening.then(
      () => (opened = true),
      () => (opened = true), // awaited below; no unhandled rejection meanwhile
    );
    let found: Found;
    // Records of the first candidates (a prefix, in the order their reads finished), read before a new database was ready.
    const preRead: FileRecord[] = [];
    try {
      found = await findCandidates(root, opts);
      if (fresh && found.candidates && !opened) {
        await reader(found.candidates.length).readAll(found.candidates, (rec) => preRead.push(rec), { signal: opts.signal, afterChunk: () => undefined, chunkSize: FILES_PER_CHUNK, stop: () => opened });
      }
    } catch (e) {
      // The database is opening meanwhile: let it finish (it may be moving a damaged file aside) and close it.
      await opening.then(
        (idx) => idx.close(),
        () => undefined,
      );
      throw e;
    }
    const idx = await opening;
    log(`database open ${Date.now() - t0} ms after the start (${preRead.length} files read meanwhile)`);
    try {
      return await run({ idx, root, dbPath, opts, log, t0, found, reader, readEarly: preRead });
    } finally {
      // A background save still in the thread pool (a run that failed midway) lands before the lock is let go.
      await idx.whenWritten();
      idx.close();
    }
  } finally {
    await (made as RecordReader | null)?.close();
    lock.release();
    // A folder with nothing to index gets no index: the default folder made for it goes again.
    if (createdDir && !fs.existsSync(dbPath)) removeDefaultFolderIfUnused(path.dirname(dbPath));
  }
}

interface Found {
  /** Candidate files, or null for a run on given paths (`only`), which the index is needed to resolve. */
  candidates: Candidate[] | null;
  warnings: string[];
  /** Folders and files the scan could not look at (each a `scan` error of the run). */
  problems: number;
  scanMs: number;
}

/**
 * Warm page cache: synchronous reads; cold: 16 reads in flight (the reader measures which as it
 * goes), on this thread or on reader threads (readerThreads: `--jobs`, `auto`).
 */
function newReader(root: string, opts: IndexOptions, files: number, log: (m: string) => void): RecordReader {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  return newRecordReader({ root, limits, pixelStats: opts.pixelStats === true, concurrency: Math.max(1, opts.concurrency ?? 16), ioMode: opts.ioMode ?? 'adaptive' }, readerThreads(opts.jobs, files), { log, ...opts.threads });
}

/** The scan of the root (not for `only` runs). */
async function findCandidates(root: string, opts: IndexOptions): Promise<Found> {
  if (opts.only) return { candidates: null, warnings: [], problems: 0, scanMs: 0 };
  const t = Date.now();
  const report = throttle(opts.onProgress);
  const scan = await scanFolder(root, {
    include: opts.include,
    exclude: opts.exclude,
    sniffExtensionless: opts.sniffExtensionless,
    // The default .dicom folder is always skipped; a database elsewhere in the tree is no candidate
    // (not .dcm, no DICM marker), so its folder's DICOM files are indexed as any others.
    signal: opts.signal,
    onProgress: (n) => report({ phase: 'scan', done: n, total: 0 }),
  });
  const mine = shardFilter(opts.shard);
  return { candidates: opts.shard ? scan.candidates.filter((c) => mine(c.relPath)) : scan.candidates, warnings: scanWarnings(scan), problems: scanProblems(scan), scanMs: Date.now() - t };
}

/** What one index run works with, handed from phase to phase. */
interface RunContext {
  idx: IndexDatabase;
  root: string;
  dbPath: string;
  opts: IndexOptions;
  log: (m: string) => void;
  /** When the run started (Date.now()). */
  t0: number;
  found: Found;
  /** The run's reader, made for the number of files it reads first. */
  reader: (files: number) => RecordReader;
  /** Records read while a new database opened (see indexFolder). */
  readEarly: FileRecord[];
}

/** What the comparison with the index decided. */
interface Plan {
  writer: IndexWriter;
  candidates: Candidate[];
  known: Map<string, KnownFile>;
  toRead: Candidate[];
  toForget: number[];
  /** Settings that change what is stored changed: every file is read again. */
  rereadAll: boolean;
  identity: boolean;
  salt: string;
}

/** The phases of a run: settings and scan/compare, forget, read what changed, checks, save. */
async function run(ctx: RunContext): Promise<IndexResult> {
  const warnings = [...ctx.idx.takeWarnings(), ...ctx.found.warnings];
  warnings.forEach((w) => ctx.log(w));
  for (let i = 0; i < ctx.found.problems; i++) emit(ctx.opts.observer, { type: 'error', kind: 'scan' });
  const plan = await compare(ctx);
  // A sharded run records itself (shard_runs); an unsharded one leaves an unchanged file as it was.
  const shard = ctx.opts.shard;
  if (shard) await shardRunStarted(sqliteStore(ctx.idx), shard);
  forget(plan);
  const read = await readChanged(ctx, plan);
  await updateChecks(ctx);
  if (shard) await shardRunEnded(sqliteStore(ctx.idx), shard, read.cancelled, { files: plan.candidates.length, read: read.done, removed: plan.toForget.length, errors: read.counts.error });
  const written = await save(ctx, plan, read);
  const durationMs = Date.now() - ctx.t0;
  const unchanged = plan.candidates.length - plan.toRead.length;
  emit(ctx.opts.observer, { type: 'finished', store: 'sqlite', cancelled: read.cancelled, candidates: plan.candidates.length, read: read.done, unchanged, removed: plan.toForget.length, counts: read.counts, ms: durationMs });
  return {
    root: ctx.root,
    dbPath: ctx.dbPath,
    cancelled: read.cancelled,
    candidates: plan.candidates.length,
    read: read.done,
    unchanged,
    removed: plan.toForget.length,
    counts: read.counts,
    warnings,
    durationMs,
    written,
  };
}

/** Phase 1: the run's settings, the candidates (the scan's, or the given paths), and what to read or forget. */
async function compare(ctx: RunContext): Promise<Plan> {
  const { idx, opts, log } = ctx;
  const identity = opts.storePatientIdentity !== false;
  const settingsKey = JSON.stringify({ identity, pixel: !!opts.pixelStats, include: opts.include ?? [], exclude: opts.exclude ?? [], sniff: opts.sniffExtensionless !== false });
  const previous = idx.getMeta('settings');
  // Settings that change what is stored (identity, pixel stats, globs): re-read everything.
  const rereadAll = previous !== undefined && previous !== settingsKey;
  if (rereadAll) log('index settings changed since the last run: re-reading every file');
  idx.setMeta('settings', settingsKey);
  idx.setMeta('root', ctx.root);
  if (opts.dataset) idx.setMeta('dataset', opts.dataset);
  // An index run's index is no merge's output any more: merge must refuse to replace it (db/merge.ts).
  idx.deleteMeta('merged');
  const salt = identity ? '' : (idx.getMeta('patient_salt') ?? newSalt(idx));
  const writer = new IndexWriter(idx);

  const tScan = Date.now();
  const known = writer.knownFiles();
  let candidates: Candidate[];
  let toForget: number[] = [];
  if (ctx.found.candidates === null) {
    // Named paths (a watcher's batch) are a shard's only where its folders are.
    const res = await statCandidates(ctx.root, namedPaths(opts.only ?? [], opts.gone, known).filter(shardFilter(opts.shard)));
    candidates = res.present;
    toForget = res.missing.map((p) => known.get(p)?.id).filter((id): id is number => id !== undefined);
  } else {
    candidates = ctx.found.candidates;
    if (!opts.signal?.aborted) {
      const present = new Set(candidates.map((c) => c.relPath));
      // A shard forgets only the files of its own folders: the others are other shards' part.
      const mine = shardFilter(opts.shard);
      for (const [p, k] of known) if (!present.has(p) && mine(p)) toForget.push(k.id);
    }
  }
  log(`scan: ${candidates.length} candidate files in ${ctx.found.scanMs + Date.now() - tScan} ms`);
  const toRead = rereadAll
    ? candidates
    : candidates.filter((c) => mustRead(c, known.get(c.relPath)));
  emit(opts.observer, { type: 'planned', store: 'sqlite', candidates: candidates.length, toRead: toRead.length, toForget: toForget.length, ms: ctx.found.scanMs + Date.now() - tScan });
  return { writer, candidates, known, toRead, toForget, rereadAll, identity, salt };
}

/** A batch's named paths, and the indexed files at or under its gone paths (as this run finds the index). */
function namedPaths(only: string[], gone: string[] | undefined, known: Map<string, KnownFile>): string[] {
  if (!gone?.length) return only;
  const goneSet = new Set(gone);
  const out = new Set(only);
  for (const p of known.keys()) {
    if (goneSet.has(p)) out.add(p);
    else for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) if (goneSet.has(p.slice(0, i))) {
      out.add(p);
      break;
    }
  }
  return [...out];
}

/** Phase 2: forget files that are gone (or now excluded). */
function forget(plan: Plan): void {
  if (!plan.toForget.length) return;
  plan.writer.begin();
  plan.writer.remove(plan.toForget);
  plan.writer.commit();
}

interface ReadOutcome {
  done: number;
  counts: IndexResult['counts'];
  cancelled: boolean;
}

/** Phase 3: read what changed, several reads in flight, committing in batches and saving now and then. */
async function readChanged(ctx: RunContext, plan: Plan): Promise<ReadOutcome> {
  const { idx, opts } = ctx;
  const { writer } = plan;
  const report = throttle(opts.onProgress);
  const counts = { ok: 0, partial: 0, error: 0, not_dicom: 0 };
  const total = plan.toRead.length;
  const tRead = Date.now();
  const saveEvery = opts.saveEveryMs ?? SAVE_EVERY_MS;
  let lastSave = Date.now();
  let lastCommit = Date.now();
  let done = 0;
  // Periodic saves write their file in the background (saveAsync): the last one is awaited below.
  let saving: Promise<void> = Promise.resolve();
  // For the observer: the files written since the last commit and the time their writes took.
  const pending = { files: 0, ms: 0 };
  const commit = () => {
    const t = performance.now();
    writer.commit();
    if (opts.observer && pending.files) emit(opts.observer, { type: 'batch-written', store: 'sqlite', files: pending.files, ms: pending.ms + performance.now() - t });
    pending.files = pending.ms = 0;
  };
  writer.begin();
  const accept = (rec: FileRecord) => {
    rec.isNew = !plan.rereadAll && !plan.known.has(rec.relPath);
    if (!plan.identity && rec.values) anonymise(rec.values, plan.salt);
    const t = opts.observer ? performance.now() : 0;
    writer.write(rec);
    if (opts.observer) {
      pending.files++;
      pending.ms += performance.now() - t;
      emit(opts.observer, { type: 'file-read', status: rec.status, bytes: rec.bytesRead ?? 0, ms: rec.readMs ?? 0 });
      if (rec.errorKind) emit(opts.observer, { type: 'error', kind: rec.errorKind });
    }
    counts[rec.status]++;
    done++;
    report({ phase: 'read', done, total });
  };
  const afterChunk = () => {
    if (Date.now() - lastCommit < COMMIT_EVERY_MS && done % COMMIT_EVERY_FILES >= FILES_PER_CHUNK) return;
    commit();
    lastCommit = Date.now();
    if (Date.now() - lastSave > saveEvery) {
      report({ phase: 'save', done, total });
      writer.invalidateStatements();
      saving = saveObserved(idx, opts.observer);
      saving.catch(() => undefined); // awaited after the reads
      lastSave = Date.now();
    }
    writer.begin();
  };
  // Files read while the database opened are the first of toRead when nothing was known (else read again).
  const preRead = plan.known.size === 0 && !plan.rereadAll ? ctx.readEarly : [];
  for (let i = 0; i < preRead.length; i++) {
    accept(preRead[i]);
    if (i % FILES_PER_CHUNK === FILES_PER_CHUNK - 1) afterChunk();
  }
  const rest = plan.toRead.slice(preRead.length);
  const reader = ctx.reader(rest.length);
  await reader.readAll(rest, accept, { signal: opts.signal, afterChunk, chunkSize: FILES_PER_CHUNK });
  // Reader threads end here, before the checks and the save: their heaps are not held beside the save's copy of the index.
  await reader.close();
  commit();
  writer.invalidateStatements();
  await saving;
  const cancelled = !!opts.signal?.aborted;
  ctx.log(`read: ${done} files in ${Date.now() - tRead} ms (${plan.candidates.length - total} unchanged, ${plan.toForget.length} removed; ${reader.describe()})${cancelled ? ', cancelled' : ''}`);
  return { done, counts, cancelled };
}

/** Phase 4: the dataset checks of the series whose files changed (only those). */
async function updateChecks(ctx: RunContext): Promise<void> {
  const store = sqliteStore(ctx.idx);
  const res = await refreshChecks(store);
  if (res.series) ctx.log(`checks: ${res.series} series in ${res.ms} ms`);
  await observeStore(ctx.opts.observer, store);
}

/** Phase 5: save when anything changed. Returns false when the run wrote no index (nothing to record). */
async function save(ctx: RunContext, plan: Plan, read: ReadOutcome): Promise<boolean> {
  const { idx } = ctx;
  const tSave = Date.now();
  idx.setMeta('incomplete', read.cancelled ? 'true' : 'false');
  if (plan.candidates.length === 0 && plan.known.size === 0 && !fs.existsSync(ctx.dbPath)) {
    ctx.log('no candidate files and no index yet: no index written');
    return false;
  }
  if (read.done > 0 || plan.toForget.length > 0 || idx.isDirty) {
    idx.setMeta('last_indexed', new Date().toISOString());
    throttle(ctx.opts.onProgress)({ phase: 'save', done: read.done, total: plan.toRead.length });
    // Only sql.js's export() holds this thread; the file is written in the thread pool.
    await saveObserved(idx, ctx.opts.observer);
    ctx.log(`save: ${Date.now() - tSave} ms`);
  } else {
    ctx.log('nothing changed: the index file is left as it was');
  }
  return true;
}

/** Files handed to the reader at a time; a commit is considered after each chunk. */
const FILES_PER_CHUNK = 128;
/** Commit at least this often (ms), or every this many files, whichever comes first. */
const COMMIT_EVERY_MS = 2000;
const COMMIT_EVERY_FILES = 4096;
/** Save a long run at least this often (ms), so a crash loses at most this much work. */
const SAVE_EVERY_MS = 30_000;


/** Saves the index file, telling the observer how long it took. */
async function saveObserved(idx: IndexDatabase, observer: RunObserver | undefined): Promise<void> {
  const t = performance.now();
  await idx.saveAsync();
  emit(observer, { type: 'saved', store: 'sqlite', ms: performance.now() - t });
}

function newSalt(idx: IndexDatabase): string {
  const salt = crypto.randomBytes(16).toString('hex');
  idx.setMeta('patient_salt', salt);
  return salt;
}

/** Removes identity: no name or birth date, PatientID as a salted hash that still groups a patient. */
export function anonymise(v: FieldValues, salt: string): void {
  v.PatientName = null;
  v.PatientBirthDate = null;
  if (v.PatientID) v.PatientID = 'anon-' + crypto.createHash('sha256').update(salt).update('\0').update(String(v.PatientID)).digest('hex').slice(0, 16);
}

function throttle(fn: ((p: IndexProgress) => void) | undefined): (p: IndexProgress) => void {
  if (!fn) return () => undefined;
  let last = 0;
  let lastPhase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase !== lastPhase || now - last >= 100 || p.done === p.total) {
      last = now;
      lastPhase = p.phase;
      fn(p);
    }
  };
}
