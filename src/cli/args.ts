/** What every CLI command shares: argument parsing, the usage error (exit 2), opening an existing index. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { DatabaseUnusableError, IndexDatabase } from '../core/db/database';
import { defaultDbPath } from '../core/db/dbPath';
import type { IndexSource } from '../core/store/source';
import { assertPgIndex } from '../core/store/postgresSchema';
import { PostgresStore } from '../core/store/postgresStore';
import { isPostgresUrl, parsePgUrl } from '../core/store/postgresUrl';
import type { QueryStore } from '../core/store/queryStore';
import { sqliteStore } from '../core/store/sqliteStore';

/** A bad argument: exit status 2. */
export class UsageError extends Error {}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  return positionals[0];
}

/** The one file a command reads (tags, render): its absolute path, or a UsageError when it is missing or a folder. */
export function existingFile(given: string): string {
  const file = path.resolve(given);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UsageError(`the file ${file} does not exist`);
  }
  if (st.isDirectory()) throw new UsageError(`${file} is a folder; give one file`);
  return file;
}

/** An index given as its file or as the data folder (then its default index), opened read-only. */
export async function openExisting(given: string): Promise<IndexDatabase> {
  let abs = path.resolve(given);
  let isFolder: boolean;
  try {
    isFolder = fs.statSync(abs).isDirectory();
  } catch {
    throw new UsageError(`${abs} does not exist (give an index database, or a folder indexed with 'dicom-index index <folder>')`);
  }
  if (isFolder) {
    const inFolder = defaultDbPath(abs);
    if (!fs.existsSync(inFolder)) throw new UsageError(`${abs} is a folder without an index: looked for ${inFolder} (run 'dicom-index index ${given}' first, or give the database file)`);
    abs = inFolder;
  }
  try {
    return await IndexDatabase.open(abs, { readOnly: true });
  } catch (e) {
    if (e instanceof DatabaseUnusableError) throw new Error(`${e.message}: not a usable index database (run 'dicom-index index <folder>' to rebuild it)`, { cause: e });
    throw e;
  }
}

/** An index to read through the store interface: the SQLite file (or its folder), or a postgresql:// URL. */
export interface OpenIndex {
  store: QueryStore;
  source: IndexSource;
  close(): Promise<void>;
}

export async function openIndexStore(given: string): Promise<OpenIndex> {
  if (isPostgresUrl(given)) {
    const store = await PostgresStore.connect(parsePgUrl(given));
    try {
      await assertPgIndex(store);
    } catch (e) {
      await store.close();
      throw e;
    }
    return { store, source: { store, root: null }, close: () => store.close() };
  }
  const idx = await openExisting(given);
  return { store: sqliteStore(idx), source: idx, close: async () => idx.close() };
}

/** The folder to index: it exists, is a folder and can be listed (else a clear error). */
export function checkedFolder(given: string): string {
  const root = path.resolve(given);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`the folder ${root} does not exist`);
    throw new Error(`cannot read folder ${root}: ${code ?? (e as Error).message}`, { cause: e });
  }
  if (!st.isDirectory()) throw new UsageError(`${root} is not a folder`);
  try {
    fs.readdirSync(root);
  } catch (e) {
    throw new Error(`cannot read folder ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  return root;
}
