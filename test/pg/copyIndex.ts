/** Test helper: copies an SQLite index's rows into a PostgreSQL index of the same schema (same ids). */
import type { SqlValue } from 'sql.js';
import type { IndexDatabase } from '../../src/core/db/database';
import type { QueryStore, SqlParam } from '../../src/core/store/queryStore';

/** In the order their references need. */
export const INDEX_TABLES = ['dirs', 'files', 'patient_key', 'patient_attrs', 'study_key', 'study_attrs', 'series_key', 'series_attrs', 'image_attrs', 'instance', 'frame', 'series_geometry', 'series_findings', 'checks_pending'];

export async function copyIndex(from: IndexDatabase, to: QueryStore, tables = INDEX_TABLES): Promise<void> {
  await to.transaction(async () => {
    for (const t of tables) {
      const rows: SqlValue[][] = [];
      const cols = from.each(`SELECT * FROM ${t}`, [], (r) => rows.push(r));
      for (let i = 0; i < rows.length; i += 200) {
        const part = rows.slice(i, i + 200);
        const values = part.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ');
        await to.run(`INSERT INTO ${t}(${cols.join(', ')}) VALUES ${values}`, part.flat() as SqlParam[]);
      }
    }
  });
}
