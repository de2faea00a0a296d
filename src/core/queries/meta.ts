/** The index's `meta` rows (key → value): when it was last indexed, whether a run was stopped, its root. */
import type { QueryStore } from '../store/queryStore';

export async function metaValue(store: QueryStore, key: string): Promise<string | undefined> {
  const r = await store.rows('SELECT value FROM meta WHERE key = ?', [key]);
  return r.length ? String(r[0][0]) : undefined;
}
