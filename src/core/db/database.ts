/**
 * Opening, validating and saving the index database (SQLite in WebAssembly through sql.js).
 * sql.js keeps the database in memory; `save()` writes it whole and atomically (temporary file,
 * fsync, rename), so a crash at any moment leaves either the old file or the new one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema';
import { writeFileAtomic, writeFileAtomicAsync } from '../atomicFile';
import { APPLICATION_ID, classifyDatabasePath, ensureDefaultFolder, ExistingKind } from './dbPath';
import { DatabaseRefusedError } from './refused';
import { collectAfterGrowth, collectBeforeCopy } from '../runtime';

export { DatabaseRefusedError };

let sqlPromise: Promise<SqlJsStatic> | undefined;

/** Loads sql.js once. The wasm is looked for beside the bundle (dist/), then in node_modules. */
export function loadSqlJs(wasmDir?: string): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const candidates = [wasmDir, __dirname, path.join(__dirname, '..'), path.join(__dirname, '../../dist')].filter(Boolean) as string[];
    const found = candidates.find((d) => fs.existsSync(path.join(d, 'sql-wasm.wasm')));
    sqlPromise = initSqlJs(found ? { locateFile: (f: string) => path.join(found, f) } : undefined);
  }
  return sqlPromise;
}

export interface OpenOptions {
  /** Create a fresh database even if the file exists (Rebuild Index). Only ever over an index of ours. */
  rebuild?: boolean;
  /**
   * The data folder the index describes. With it, the data folder itself is refused as a database
   * path, and its default path (`.dicom/index.sqlite`) gets its folder and `.gitignore` at the first
   * save. Opening writes nothing.
   */
  dataRoot?: string;
  wasmDir?: string;
  /** Never move aside or create: throw DatabaseUnusableError if the file is missing or unusable. */
  readOnly?: boolean;
}

export class DatabaseUnusableError extends Error {}

/**
 * Throws DatabaseRefusedError unless the tool may use `file` (see dbPath.ts), an SQLite file without
 * our application id included (checked with SQLite). Writes nothing: for callers that must decide
 * before they write anything, even a lock file.
 */
export async function assertOurs(file: string, dataRoot?: string, wasmDir?: string): Promise<void> {
  const kind = classifyDatabasePath(file, dataRoot);
  // SQLite is started here only for such a file: otherwise it compiles while the folder is scanned.
  if (kind === 'legacy') checkLegacy(await loadSqlJs(wasmDir), file, kind);
}

/** An SQLite file without our application id is used only when SQLite shows it is an index of ours. */
function checkLegacy(SQL: SqlJsStatic, file: string, kind: ExistingKind): void {
  if (kind === 'legacy' && !isLegacyIndex(SQL, file)) throw new DatabaseRefusedError(path.resolve(file), LEGACY_REFUSAL);
}

const LEGACY_REFUSAL = "is another program's SQLite database (or one too damaged to tell)";

export class IndexDatabase {
  /** Why the file on disk was not used as it was (moved aside, rebuilt): for the user, no patient data. */
  readonly warnings: string[] = [];
  private dirty = false;
  /** The file at the path was an index of ours without the application id (allowed to be replaced once). */
  private replacesLegacy = false;

  private constructor(
    readonly file: string,
    public db: Database,
    /** The data folder, when known: its default `.dicom/` folder is made at the first save. */
    private readonly dataRoot?: string,
  ) {}

  /**
   * Opens the index at `file`. A path that is not ours is refused with DatabaseRefusedError before
   * anything is written (see dbPath.ts); an index of ours that is damaged is kept aside as
   * `<file>.corrupt-<time>` and rebuilt; one of another schema version is rebuilt.
   */
  static async open(file: string, opts: OpenOptions = {}): Promise<IndexDatabase> {
    let kind: ExistingKind;
    try {
      kind = classifyDatabasePath(file, opts.dataRoot);
    } catch (e) {
      // Reading an index (stats, export): the advice is where to find one, not where to write one.
      if (opts.readOnly && e instanceof DatabaseRefusedError) throw new DatabaseRefusedError(e.path, e.reason, "give an index written by 'dicom-index index', or its data folder");
      throw e;
    }
    if (opts.readOnly && kind === 'absent') throw new DatabaseUnusableError(`${file} does not exist`);
    const SQL = await loadSqlJs(opts.wasmDir);
    checkLegacy(SQL, file, kind);
    const warnings: string[] = [];
    let db: Database | undefined;
    if (!opts.rebuild && kind !== 'absent') {
      const found = kind === 'ours-damaged' ? { damaged: 'is damaged (truncated or padded)' } : await checkExisting(SQL, file).catch((e) => ({ damaged: `cannot be read (${(e as Error).message})` }));
      if ('db' in found) {
        db = found.db;
      } else if ('damaged' in found) {
        if (opts.readOnly) throw new DatabaseUnusableError(`${file} ${found.damaged}`);
        const aside = moveAside(file);
        warnings.push(`The index database ${found.damaged}; ${aside ? `kept it as ${path.basename(aside)} and ` : ''}rebuilt it from scratch.`);
      } else {
        if (opts.readOnly) throw new DatabaseUnusableError(`${file} ${found.outdated}`);
        warnings.push(`The index database ${found.outdated}; rebuilt it from scratch.`);
      }
    }
    const fresh = !db;
    if (!db) db = createEmpty(SQL);
    const idx = new IndexDatabase(file, db, opts.dataRoot);
    idx.replacesLegacy = kind === 'legacy';
    idx.warnings.push(...warnings);
    idx.dirty = fresh;
    return idx;
  }

  /** Warnings not yet reported (each is reported once). */
  takeWarnings(): string[] {
    return this.warnings.splice(0);
  }

  /** Empties the database (Rebuild Index on an open database). */
  async reset(): Promise<void> {
    const SQL = await loadSqlJs();
    this.db.close();
    this.db = createEmpty(SQL);
    this.dirty = true;
  }

  /** After a writer's commit: the index has changed (a save is due), and may have grown (see collectAfterGrowth). */
  committed(): void {
    this.markDirty();
    collectAfterGrowth(() => this.sizeBytes());
  }

  markDirty(): void {
    this.dirty = true;
  }

  /** The database's size in bytes (its pages). */
  private sizeBytes(): number {
    return this.scalar('SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()') as number;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  getMeta(key: string): string | undefined {
    return this.scalar('SELECT value FROM meta WHERE key = ?', [key]) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    if (this.getMeta(key) === value) return;
    this.db.run('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
    this.dirty = true;
  }

  /** Removes a meta key (nothing when it is not there). */
  deleteMeta(key: string): void {
    if (this.getMeta(key) === undefined) return;
    this.db.run('DELETE FROM meta WHERE key = ?', [key]);
    this.dirty = true;
  }

  /** Rows as objects. */
  all<T = Record<string, SqlValue>>(sql: string, params: SqlValue[] = []): T[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const out: T[] = [];
      while (stmt.step()) out.push(stmt.getAsObject() as T);
      return out;
    } finally {
      stmt.free();
    }
  }

  /** Calls `fn` for each row (arrays, in column order) without building a list: for exports. */
  each(sql: string, params: SqlValue[], fn: (row: SqlValue[]) => void): string[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const cols = stmt.getColumnNames();
      while (stmt.step()) fn(stmt.get());
      return cols;
    } finally {
      stmt.free();
    }
  }

  scalar(sql: string, params: SqlValue[] = []): SqlValue | undefined {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      return stmt.step() ? stmt.get()[0] : undefined;
    } finally {
      stmt.free();
    }
  }

  /**
   * Writes the database to its file atomically. Note: sql.js's export() closes and reopens the
   * connection, so statements prepared before a save must be prepared again after it.
   */
  save(): void {
    writeFileAtomic(this.file, this.exportForSave());
    this.dirty = false;
  }

  /**
   * save() with only sql.js's export() on this thread: the file is written, flushed and renamed in
   * the thread pool (half the stall of a save of a large index, measured). Saves this way are
   * written in the order they were made; a caller awaits the last before closing or saving with save().
   */
  saveAsync(): Promise<void> {
    const allowLegacy = this.replacesLegacy;
    const bytes = this.exportForSave();
    this.dirty = false;
    // Checked again just before the rename: the write may start seconds after the export.
    const written = this.writing.then(() => {
      this.assertStillOurs(allowLegacy);
      return writeFileAtomicAsync(this.file, bytes);
    });
    this.writing = written.catch(() => undefined);
    return written;
  }
  private writing: Promise<void> = Promise.resolve();

  /** Resolves when the writes saveAsync queued have ended (written or failed): before the index's lock is let go. */
  whenWritten(): Promise<void> {
    return this.writing;
  }

  /** What is at the path now must still be ours (another program may have put something there). */
  private assertStillOurs(allowLegacy: boolean): void {
    const kind = classifyDatabasePath(this.file, this.dataRoot);
    if (kind === 'legacy' && !allowLegacy) throw new DatabaseRefusedError(path.resolve(this.file), 'was replaced by another SQLite file while the index was open');
  }

  /** The database's bytes, once what is at the path is checked to be still ours. */
  private exportForSave(): Uint8Array {
    this.assertStillOurs(this.replacesLegacy);
    collectBeforeCopy(() => this.sizeBytes());
    const bytes = this.db.export();
    this.replacesLegacy = false;
    if (this.dataRoot !== undefined) ensureDefaultFolder(this.file, this.dataRoot, { gitignore: true });
    return bytes;
  }

  close(): void {
    this.db.close();
  }
}

/** A new, empty index: the schema and its version. */
function createEmpty(SQL: SqlJsStatic): Database {
  const db = new SQL.Database();
  // One transaction: the schema is there whole or not at all, and SQLite commits (journal and all)
  // once instead of after each of its ~30 statements: 5–12 ms instead of 14–53 ms here, measured.
  db.exec(`BEGIN; PRAGMA application_id = ${APPLICATION_ID}; ${SCHEMA_SQL}`);
  db.run('INSERT INTO meta(key, value) VALUES (?, ?), (?, ?)', ['schema_version', String(SCHEMA_VERSION), 'created', new Date().toISOString()]);
  db.exec('COMMIT');
  return db;
}

/** The tables and views every index of ours has had, from the first schema version on. */
const LEGACY_OBJECTS = ['table:meta', 'table:dirs', 'table:files', 'table:instance', 'view:file_rows', 'view:instances'];

/** An SQLite file without our application id: one of our indexes from before it was set? */
function isLegacyIndex(SQL: SqlJsStatic, file: string): boolean {
  let db: Database | undefined;
  try {
    db = new SQL.Database(fs.readFileSync(file));
    const objects = new Set((db.exec("SELECT type || ':' || name FROM sqlite_master")[0]?.values ?? []).map((r) => String(r[0])));
    if (!LEGACY_OBJECTS.every((o) => objects.has(o))) return false;
    const version = db.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0];
    return typeof version === 'string' && /^\d+$/.test(version);
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

type Existing = { db: Database } | { damaged: string } | { outdated: string };

/** Opens an existing index of ours: the database, or what is wrong with it. */
async function checkExisting(SQL: SqlJsStatic, file: string): Promise<Existing> {
  // Read in the thread pool: an index of 244,000 files is 89 MB, ~60 ms on this thread otherwise
  // (measured; sql.js then opens that Buffer in ~3 ms).
  const bytes = await fs.promises.readFile(file);
  let db: Database;
  try {
    db = new SQL.Database(bytes);
  } catch {
    return { damaged: 'could not be opened' };
  }
  try {
    const version = db.exec("SELECT value FROM meta WHERE key = 'schema_version'")[0]?.values[0]?.[0];
    if (version !== String(SCHEMA_VERSION)) {
      db.close();
      return { outdated: `has schema version ${version ?? 'none'}, this version needs ${SCHEMA_VERSION}` };
    }
    return { db };
  } catch {
    db.close();
    return { damaged: 'is damaged' };
  }
}

function moveAside(file: string): string | null {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const aside = `${file}.corrupt-${stamp}`;
  try {
    fs.renameSync(file, aside);
    return aside;
  } catch {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      /* nothing more we can do: the rebuilt index is written over it */
    }
    return null;
  }
}
