/** The QueryStore of the embedded index file (sql.js). Writes mark the file dirty, so the next save keeps them. */
import type { SqlValue } from 'sql.js';
import type { IndexDatabase } from '../db/database';
import type { QueryStore, SqlParam, SqlRow } from './queryStore';

export function sqliteStore(idx: IndexDatabase): QueryStore {
  let depth = 0;
  return {
    dialect: 'sqlite',
    async rows(sql, params = []) {
      const out: SqlRow[] = [];
      idx.each(sql, params as SqlValue[], (r) => out.push(r as SqlParam[]));
      return out;
    },
    async each(sql, params, fn) {
      idx.each(sql, params as SqlValue[], (r) => fn(r as SqlParam[]));
    },
    async run(sql, params = []) {
      idx.db.run(sql, params as SqlValue[]);
      idx.markDirty();
    },
    async lock() {
      /* one writer per file: the index's lock file */
    },
    async exec(sql) {
      idx.db.exec(sql);
      idx.markDirty();
    },
    async transaction(fn) {
      // sql.js runs on this thread: nothing else writes between BEGIN and COMMIT unless `fn` awaits
      // other work that does; nested calls join the outer transaction.
      if (depth > 0) return fn();
      idx.db.exec('BEGIN');
      depth++;
      try {
        const out = await fn();
        idx.db.exec('COMMIT');
        return out;
      } catch (e) {
        idx.db.exec('ROLLBACK');
        throw e;
      } finally {
        depth--;
        idx.markDirty();
      }
    },
  };
}
