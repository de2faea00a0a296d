/**
 * Indexes a root folder into its database, incrementally: scan, compare with the `files` table,
 * read only new or changed files, forget deleted ones. Reads overlap with parsing (several reads in
 * flight), writes go in transactions of a batch, saves are periodic and atomic. Cancelling (an
 * AbortSignal) commits what was read and saves: the index stays consistent and usable.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LIMITS, ReadLimits } from './dicom/readHeader';
import { ChunkReader } from './read/chunkReader';
import { IndexDatabase } from './db/database';
import { classifyDatabasePath, defaultDbPath, ensureDefaultFolder, removeDefaultFolderIfUnused } from './db/dbPath';
import { FileRecord, IndexWriter } from './db/writer';
import { acquireLock } from './lock';
import { Candidate, scanFolder } from './scan/scanner';
import { statCandidates } from './scan/statPaths';
import type { FieldValues } from './dicom/fields';

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
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  /** Diagnostics (counts, timings, never tag values). */
  log?: (message: string) => void;
  concurrency?: number;
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
  classifyDatabasePath(dbPath, root);
  const createdDir = ensureDefaultFolder(dbPath, root);
  const lock = acquireLock(dbPath);
  try {
    // One reader for the run: it learns the best way to read as it goes.
    const reader = newReader(root, opts);
    if (opts.database) {
      if (opts.rebuild) await opts.database.reset();
      return await run(opts.database, root, dbPath, opts, log, t0, await findCandidates(root, dbPath, opts), reader, []);
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
      found = await findCandidates(root, dbPath, opts);
      if (fresh && found.candidates && !opened) {
        await reader.readAll(found.candidates, (rec) => preRead.push(rec), opts.signal, () => undefined, CHUNK, () => opened);
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
      return await run(idx, root, dbPath, opts, log, t0, found, reader, preRead);
    } finally {
      idx.close();
    }
  } finally {
    lock.release();
    // A folder with nothing to index gets no index: the default folder made for it goes again.
    if (createdDir && !fs.existsSync(dbPath)) removeDefaultFolderIfUnused(path.dirname(dbPath));
  }
}

interface Found {
  /** Candidate files, or null for a run on given paths (`only`), which the index is needed to resolve. */
  candidates: Candidate[] | null;
  warnings: string[];
  scanMs: number;
}

/** Warm page cache: synchronous reads; cold: 16 reads in flight. The reader measures which as it goes. */
function newReader(root: string, opts: IndexOptions): ChunkReader {
  return new ChunkReader({
    root,
    limits: opts.limits ?? DEFAULT_LIMITS,
    pixelStats: opts.pixelStats === true,
    concurrency: Math.max(1, opts.concurrency ?? 16),
    ioMode: opts.ioMode ?? 'adaptive',
  });
}

/** The scan of the root (not for `only` runs). */
async function findCandidates(root: string, dbPath: string, opts: IndexOptions): Promise<Found> {
  if (opts.only) return { candidates: null, warnings: [], scanMs: 0 };
  const t = Date.now();
  const relIndexDir = path.relative(root, path.dirname(dbPath)).split(path.sep).join('/');
  const report = throttle(opts.onProgress);
  const scan = await scanFolder(root, {
    include: opts.include,
    exclude: opts.exclude,
    sniffExtensionless: opts.sniffExtensionless,
    indexDir: relIndexDir,
    signal: opts.signal,
    onProgress: (n) => report({ phase: 'scan', done: n, total: 0 }),
  });
  return { candidates: scan.candidates, warnings: scan.unreadableDirs.map((d) => `a folder could not be listed (${d.reason})`), scanMs: Date.now() - t };
}

async function run(
  idx: IndexDatabase,
  root: string,
  dbPath: string,
  opts: IndexOptions,
  log: (m: string) => void,
  t0: number,
  found: Found,
  reader: ChunkReader,
  readEarly: FileRecord[],
): Promise<IndexResult> {
  const warnings = [...idx.takeWarnings(), ...found.warnings];
  warnings.forEach((w) => log(w));
  const identity = opts.storePatientIdentity !== false;
  const settingsKey = JSON.stringify({ identity, pixel: !!opts.pixelStats, include: opts.include ?? [], exclude: opts.exclude ?? [], sniff: opts.sniffExtensionless !== false });
  const previous = idx.getMeta('settings');
  let forceRereadAll = false;
  if (previous !== undefined && previous !== settingsKey) {
    // Settings that change what is stored (identity, pixel stats, globs): re-read everything.
    forceRereadAll = true;
    log('index settings changed since the last run: re-reading every file');
  }
  idx.setMeta('settings', settingsKey);
  idx.setMeta('root', root);
  const salt = identity ? '' : (idx.getMeta('patient_salt') ?? newSalt(idx));
  const writer = new IndexWriter(idx);
  const report = throttle(opts.onProgress);
  const signal = opts.signal;
  const counts = { ok: 0, partial: 0, error: 0, not_dicom: 0 };

  // 1. The scan's candidates (or the given paths).
  const tScan = Date.now();
  let candidates: Candidate[];
  const known = writer.knownFiles();
  let toForget: number[] = [];
  if (found.candidates === null) {
    const res = await statCandidates(root, opts.only ?? []);
    candidates = res.present;
    toForget = res.missing.map((p) => known.get(p)?.id).filter((id): id is number => id !== undefined);
  } else {
    candidates = found.candidates;
    if (!signal?.aborted) {
      const present = new Set(candidates.map((c) => c.relPath));
      for (const [p, k] of known) if (!present.has(p)) toForget.push(k.id);
    }
  }
  log(`scan: ${candidates.length} candidate files in ${found.scanMs + Date.now() - tScan} ms`);

  // 2. Compare with what the index holds.
  const toRead = forceRereadAll
    ? candidates
    : candidates.filter((c) => {
        const k = known.get(c.relPath);
        return !k || k.retry || k.size !== c.size || k.mtimeMs !== Math.round(c.mtimeMs);
      });
  const unchanged = candidates.length - toRead.length;
  if (toForget.length) {
    writer.begin();
    writer.remove(toForget);
    writer.commit();
  }

  // 3. Read what changed, several reads in flight, writing in batches.
  const tRead = Date.now();
  const saveEvery = opts.saveEveryMs ?? 30_000;
  let lastSave = Date.now();
  let lastCommit = Date.now();
  let done = 0;
  writer.begin();
  const accept = (rec: FileRecord) => {
    rec.isNew = !forceRereadAll && !known.has(rec.relPath);
    if (!identity && rec.values) anonymise(rec.values, salt);
    writer.write(rec);
    counts[rec.status]++;
    done++;
    report({ phase: 'read', done, total: toRead.length });
  };
  const afterChunk = () => {
    if (Date.now() - lastCommit < 2000 && done % 4096 >= CHUNK) return;
    writer.commit();
    lastCommit = Date.now();
    if (Date.now() - lastSave > saveEvery) {
      report({ phase: 'save', done, total: toRead.length });
      writer.invalidateStatements();
      idx.save();
      lastSave = Date.now();
    }
    writer.begin();
  };
  // Files read while the database opened are the first of toRead when nothing was known (else read again).
  const preRead = known.size === 0 && !forceRereadAll ? readEarly : [];
  for (let i = 0; i < preRead.length; i++) {
    accept(preRead[i]);
    if (i % CHUNK === CHUNK - 1) afterChunk();
  }
  await reader.readAll(toRead.slice(preRead.length), accept, signal, afterChunk, CHUNK);
  const how = reader.describe();
  writer.commit();
  writer.invalidateStatements();
  const cancelled = !!signal?.aborted;
  log(`read: ${done} files in ${Date.now() - tRead} ms (${unchanged} unchanged, ${toForget.length} removed; ${how})${cancelled ? ', cancelled' : ''}`);

  // 4. Save.
  const tSave = Date.now();
  idx.setMeta('incomplete', cancelled ? 'true' : 'false');
  const nothingToRecord = candidates.length === 0 && known.size === 0 && !fs.existsSync(dbPath);
  if (nothingToRecord) {
    log('no candidate files and no index yet: no index written');
  } else if (done > 0 || toForget.length > 0 || idx.isDirty) {
    idx.setMeta('last_indexed', new Date().toISOString());
    report({ phase: 'save', done, total: toRead.length });
    idx.save();
    log(`save: ${Date.now() - tSave} ms`);
  } else {
    log('nothing changed: the index file is left as it was');
  }
  return {
    root,
    dbPath,
    cancelled,
    candidates: candidates.length,
    read: done,
    unchanged,
    removed: toForget.length,
    counts,
    warnings,
    durationMs: Date.now() - t0,
    written: !nothingToRecord,
  };
}

const CHUNK = 128;

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
