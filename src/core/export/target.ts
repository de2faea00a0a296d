/**
 * Where an export may be written. An export replaces its target atomically, so the target must be
 * a new file or an ordinary file the user chose to replace: never the index (or its lock and
 * temporary files), never the data folder or a file in it that the index lists, never a folder, a
 * symbolic link, a DICOM file or an SQLite database. Decided here once, for the CLI and the extension.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileHead } from '../fileHead';
import { isInside } from '../indexedPath';
import type { IndexDatabase } from '../db/database';
import { IndexSource, localIndexOf, rootOf } from '../store/source';

export class ExportRefusedError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Refused to export to ${path}: it ${reason}. Nothing was written; choose a new file name.`);
    this.name = 'ExportRefusedError';
  }
}

/**
 * When the index is not a local file (PostgreSQL) there is no index file to protect; its data folder
 * is protected when this machine has it (the root given to the run); the rules about folders, links,
 * DICOM and SQLite files apply always.
 */
/** For a file written from no index at all (a rendered image): only the rules about folders, links, DICOM and SQLite files. */
export const NO_LOCAL_INDEX = null;

export function checkExportTarget(fileIn: string, source: IndexSource | typeof NO_LOCAL_INDEX): void {
  const file = path.resolve(fileIn);
  const real = realOrSelf(file);
  const idx = source && localIndexOf(source);
  const index = idx ? realOrSelf(path.resolve(idx.file)) : null;
  if (real === index) throw new ExportRefusedError(file, 'is the index database');
  const base = index ? path.basename(index) : null;
  if (index && path.dirname(real) === path.dirname(index) && (path.basename(real).startsWith(`${base}.`) || path.basename(real).startsWith(`.${base}.`)))
    throw new ExportRefusedError(file, "is one of the index's own files");
  const root = source && rootOf(source);
  if (root && real === realOrSelf(root)) throw new ExportRefusedError(file, 'is the data folder');
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ExportRefusedError(file, `cannot be examined (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!st) {
    const dir = path.dirname(file);
    if (!isDir(dir)) throw new ExportRefusedError(file, `would be in ${dir}, which is not an existing folder`);
    return;
  }
  if (st.isDirectory()) throw new ExportRefusedError(file, 'is a folder');
  if (st.isSymbolicLink()) throw new ExportRefusedError(file, 'is a symbolic link');
  if (!st.isFile()) throw new ExportRefusedError(file, 'is not a regular file');
  if (idx && root && isIndexedFile(idx, root, real)) throw new ExportRefusedError(file, 'is one of the indexed data files');
  // A shared index's file list is on the server: any existing file of the data folder may be one of them.
  if (!idx && root && isInside(realOrSelf(root), real)) throw new ExportRefusedError(file, 'is an existing file in the data folder, which may be one of the indexed files');
  if (index && path.dirname(real) === path.dirname(index) && path.basename(path.dirname(index)) === '.dicom') throw new ExportRefusedError(file, "is one of the files of the index's own .dicom folder");
  if (/\.(dcm|dicom|dic)$/i.test(real)) throw new ExportRefusedError(file, 'has the name of a DICOM file');
  const head = readFileHead(file, 132);
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') throw new ExportRefusedError(file, 'is an SQLite database');
  if (head.length >= 132 && head.subarray(128, 132).toString('latin1') === 'DICM') throw new ExportRefusedError(file, 'is a DICOM file');
}

function isIndexedFile(idx: IndexDatabase, root: string, file: string): boolean {
  const rel = path.relative(realOrSelf(root), file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const parts = rel.split(path.sep);
  const name = parts.pop()!;
  return idx.scalar('SELECT 1 FROM files f JOIN dirs d ON d.id = f.dir_id WHERE d.path = ? AND f.name = ?', [parts.join('/'), name]) !== undefined;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(p)), path.basename(p));
    } catch {
      return p;
    }
  }
}
