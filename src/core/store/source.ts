/**
 * An index as the core's readers take it: the SQLite file (its database, which also names a local
 * file and data folder to protect) or a store without a local file (PostgreSQL) and the data root
 * its relative paths are under on this machine, if any.
 */
import type { IndexDatabase } from '../db/database';
import type { QueryStore } from './queryStore';
import { sqliteStore } from './sqliteStore';

export type IndexSource = IndexDatabase | { store: QueryStore; root: string | null };

/**
 * Told apart by shape, not by class: an index opened by one bundle (the extension's dist/) is handed
 * to code of another (the integration tests' out/), whose IndexDatabase is another class.
 */
const isShared = (s: IndexSource): s is { store: QueryStore; root: string | null } => 'store' in s;
const isStore = (s: StoreLike): s is QueryStore => 'dialect' in s;

/** The folder the index's relative paths are under (null: not known here). */
export const rootOf = (s: IndexSource): string | null => (isShared(s) ? s.root : (s.getMeta('root') ?? null));
/** The index's own file, when it is one (an export must never replace it). */
export const localIndexOf = (s: IndexSource): IndexDatabase | null => (isShared(s) ? null : s);

/** What the readers accept: an index source, or a store itself. */
export type StoreLike = IndexSource | QueryStore;
export const asStore = (s: StoreLike): QueryStore => (isStore(s) ? s : isShared(s) ? s.store : sqliteStore(s));
