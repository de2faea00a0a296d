/**
 * What may be at a database path. The tool only ever rebuilds, moves aside or replaces a file that
 * it wrote itself; anything else at the path is refused before a byte is written, and left exactly
 * as it was. This module is the one place that decides it (the CLI and the extension only ask).
 *
 * - absent: allowed when its folder exists; the default `.dicom/` folder is created (with its
 *   `.gitignore`), no other folder ever is;
 * - an index of ours (our SQLite `application_id`, or, for indexes written before it was set, all of
 *   our tables and views and a `meta.schema_version`, read with SQLite): opened, or rebuilt when
 *   damaged (only with our id: without it a damaged file cannot be told apart) or of another
 *   schema version;
 * - a folder, the data folder itself, a symbolic link, a special file, a file that is not SQLite (an
 *   empty file included), another program's SQLite database: refused (DatabaseRefusedError).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileHeadAndSize } from '../fileHead';
import { isForeignLock } from '../lock';
import { DatabaseRefusedError } from './refused';

export { DatabaseRefusedError };

/** SQLite's header field for the application that owns a file (`PRAGMA application_id`): 'DWI1'. */
export const APPLICATION_ID = 0x44574931;

export const DEFAULT_DB_RELATIVE = '.dicom/index.sqlite';

export function defaultDbPath(root: string): string {
  return path.join(root, DEFAULT_DB_RELATIVE);
}

/**
 * - `legacy`: an SQLite file without our application id, which may be an index written before the
 *   id was set: IndexDatabase.open decides from its schema (with SQLite itself) before it is used.
 */
export type ExistingKind = 'absent' | 'ours' | 'ours-damaged' | 'legacy';

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Decides what `file` is and throws DatabaseRefusedError unless the tool may use it. `dataRoot` is
 * the folder being indexed (or the index's recorded root), when known.
 */
export function classifyDatabasePath(fileIn: string, dataRoot?: string): ExistingKind {
  const file = path.resolve(fileIn);
  if (dataRoot !== undefined && samePath(file, path.resolve(dataRoot))) throw new DatabaseRefusedError(file, 'is the data folder itself');
  if (dataRoot !== undefined && isDefaultPath(file, dataRoot) && isLink(path.dirname(file)))
    throw new DatabaseRefusedError(file, `is in ${path.dirname(file)}, which is a symbolic link`);
  const lock = `${file}.lock`;
  // Looked at once (a run may let its lock go at any moment): a lock gone meanwhile is no refusal.
  if (isForeignLock(lock)) throw new DatabaseRefusedError(file, `has beside it ${path.basename(lock)}, a file this tool did not write`);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return checkParent(file, dataRoot);
    if (code === 'ENOTDIR') throw new DatabaseRefusedError(file, 'is inside something that is not a folder');
    throw new DatabaseRefusedError(file, `cannot be examined (${code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new DatabaseRefusedError(file, 'is a folder');
  if (st.isSymbolicLink()) throw new DatabaseRefusedError(file, 'is a symbolic link (give the path of the file itself)');
  if (!st.isFile()) throw new DatabaseRefusedError(file, 'is not a regular file');
  // The header and the size from one descriptor: a save renamed over the path between two looks must
  // not pair one file's page count with another's size (and so read as damaged).
  const { head, size } = readFileHeadAndSize(file, 100);
  if (head.length === 0) throw new DatabaseRefusedError(file, 'is an empty file that this tool did not write');
  if (head.length < 100 || head.subarray(0, 16).toString('latin1') !== SQLITE_MAGIC) throw new DatabaseRefusedError(file, 'is not an SQLite database (not a file this tool wrote)');
  if (head.readUInt32BE(68) === APPLICATION_ID) return looksWhole(head, size) ? 'ours' : 'ours-damaged';
  if (head.readUInt32BE(68) !== 0) throw new DatabaseRefusedError(file, "is another program's SQLite database");
  return 'legacy';
}

/** An absent file: its folder must exist, except the default `.dicom/` folder of the data root. */
function checkParent(file: string, dataRoot: string | undefined): ExistingKind {
  const dir = path.dirname(file);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    st = undefined;
  }
  if (st && !st.isDirectory()) throw new DatabaseRefusedError(file, `is inside ${dir}, which is not a folder`);
  if (!st && !(dataRoot !== undefined && isDefaultPath(file, dataRoot) && fs.existsSync(dataRoot)))
    throw new DatabaseRefusedError(file, `would be in ${dir}, which does not exist (only the default .dicom folder is created)`);
  return 'absent';
}

export function isDefaultPath(file: string, dataRoot: string): boolean {
  return samePath(path.resolve(file), defaultDbPath(path.resolve(dataRoot)));
}

/**
 * Makes the default `.dicom/` folder when `file` is the data root's default database path, and
 * (with `gitignore`, at a save) its `.gitignore` of `*`, so the index is never committed. Never
 * follows a symbolic link there. Returns whether the folder was created now.
 */
export function ensureDefaultFolder(file: string, dataRoot: string, opts: { gitignore: boolean }): boolean {
  if (!isDefaultPath(file, dataRoot)) return false;
  const dir = path.dirname(path.resolve(file));
  let created = false;
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) throw new DatabaseRefusedError(path.resolve(file), `is in ${dir}, which is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    try {
      fs.mkdirSync(dir);
      created = true;
    } catch (again) {
      // Another run made it meanwhile (two started at once): the same checks as above, on what is there now.
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
      const st = fs.lstatSync(dir);
      if (!st.isDirectory()) throw new DatabaseRefusedError(path.resolve(file), `is in ${dir}, which is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}`);
    }
  }
  if (opts.gitignore) {
    try {
      fs.writeFileSync(path.join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return created;
}

/** Removes a default folder this run created and left empty but for its own `.gitignore`. */
export function removeDefaultFolderIfUnused(dir: string): void {
  try {
    const names = fs.readdirSync(dir);
    if (names.some((n) => n !== '.gitignore')) return;
    if (names.length && fs.readFileSync(path.join(dir, '.gitignore'), 'utf8') !== GITIGNORE) return;
    fs.rmSync(path.join(dir, '.gitignore'), { force: true });
    fs.rmdirSync(dir);
  } catch {
    /* left as it is */
  }
}

const GITIGNORE = '# Written by DICOM Workspace Index: the index is local, never commit it.\n*\n';

/**
 * A cheap structural check instead of PRAGMA quick_check (seconds at LIDC scale): the header's page
 * size times page count must be the file's size, which catches truncated and padded files.
 */
function looksWhole(head: Buffer, size: number): boolean {
  const raw = head.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  const pages = head.readUInt32BE(28);
  const countValid = head.readUInt32BE(92) === head.readUInt32BE(24);
  return pageSize >= 512 && (!countValid || pages * pageSize === size);
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}
