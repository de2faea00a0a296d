/**
 * The `shard_runs` table: each shard's last run (`--shard K/N`; an unsharded run is shard 0/1),
 * started, then finished or cancelled, in the SQLite file and in PostgreSQL alike. A run that dies
 * leaves its row `running` with no `finished_at`: the README's SQL tells whether all shards finished.
 */
import * as os from 'node:os';
import type { Shard } from '../scan/shard';
import type { QueryStore } from './queryStore';

const WHOLE: Shard = { index: 0, count: 1 };

export async function shardRunStarted(store: QueryStore, shard: Shard = WHOLE, startedAt = new Date()): Promise<void> {
  await store.run(
    `INSERT INTO shard_runs(shard_count, shard_index, host, started_at, finished_at, status) VALUES (?, ?, ?, ?, NULL, 'running')
     ON CONFLICT (shard_count, shard_index) DO UPDATE SET host = excluded.host, started_at = excluded.started_at, finished_at = NULL, status = 'running', files = NULL, read = NULL, removed = NULL, errors = NULL`,
    [shard.count, shard.index, os.hostname(), startedAt.toISOString()],
  );
}

export interface ShardRunCounts {
  files: number;
  read: number;
  removed: number;
  errors: number;
}

export async function shardRunEnded(store: QueryStore, shard: Shard = WHOLE, cancelled: boolean, c: ShardRunCounts): Promise<void> {
  await store.run('UPDATE shard_runs SET finished_at = ?, status = ?, files = ?, read = ?, removed = ?, errors = ? WHERE shard_count = ? AND shard_index = ?', [
    new Date().toISOString(),
    cancelled ? 'cancelled' : 'done',
    c.files,
    c.read,
    c.removed,
    c.errors,
    shard.count,
    shard.index,
  ]);
}
