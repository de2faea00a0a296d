/**
 * The indexed files at or under a path of the data folder: what the watcher forgets when a path is
 * deleted, since a deleted path may have been a file or a folder (the watcher cannot tell after
 * the fact). Pure SQL over the `files` and `dirs` tables; no pattern matching (LIKE would read `_`
 * and `%` in folder names as wildcards).
 */
import type { IndexDatabase } from '../db/database';
import { REL_PATH_SQL } from '../db/schema';

/** The relative paths (`/`-separated, as stored) of the indexed files that are `rel` or lie under the folder `rel`, sorted. */
export function indexedFilesAtOrUnder(idx: IndexDatabase, rel: string): string[] {
  const slash = rel.lastIndexOf('/');
  const dir = slash < 0 ? '' : rel.slice(0, slash);
  const name = rel.slice(slash + 1);
  const out: string[] = [];
  idx.each(
    `SELECT ${REL_PATH_SQL} AS path FROM files f JOIN dirs d ON d.id = f.dir_id
     WHERE (d.path = ? AND f.name = ?) OR d.path = ? OR substr(d.path, 1, ?) = ?
     ORDER BY path`,
    [dir, name, rel, rel.length + 1, `${rel}/`],
    (row) => out.push(String(row[0])),
  );
  return out;
}
