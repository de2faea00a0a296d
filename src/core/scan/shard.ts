/**
 * `--shard K/N`: the part of a dataset one of N runs indexes. Each series folder (a file's parent
 * folder, relative to the dataset root, `/`-separated) goes to shard K = SHA-256(folder) mod N, so
 * the files of one folder always go together, every machine deals the same way whatever path it
 * mounts the data at, and a shard's re-run touches (reads, forgets) only its own folders.
 * K counts from 0, as Kubernetes' JOB_COMPLETION_INDEX and `sbatch --array=0-(N-1)` do.
 */
import * as crypto from 'node:crypto';

export interface Shard {
  /** 0 … count − 1. */
  index: number;
  count: number;
}

export const MAX_SHARDS = 65536;

/** `K/N` with 0 ≤ K < N ≤ MAX_SHARDS; a message saying what is wrong otherwise. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--shard takes K/N (e.g. 0/3), not '${text}'`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return `--shard K/N: N must be 1 to ${MAX_SHARDS}`;
  if (index >= count) return `--shard K/N: K counts from 0, so it must be less than N (${count}); got ${index}`;
  return { index, count };
}

/** The shard of a series folder ('' for files at the dataset root). */
export function folderShard(folder: string, count: number): number {
  if (count === 1) return 0;
  return crypto.createHash('sha256').update(folder).digest().readUInt32BE(0) % count;
}

/** A test of paths (relative to the dataset root) for one shard; folders are hashed once each. */
export function shardFilter(shard: Shard | undefined): (relPath: string) => boolean {
  if (!shard || shard.count === 1) return () => true;
  const seen = new Map<string, boolean>();
  return (relPath) => {
    const slash = relPath.lastIndexOf('/');
    const folder = slash < 0 ? '' : relPath.slice(0, slash);
    let mine = seen.get(folder);
    if (mine === undefined) {
      mine = folderShard(folder, shard.count) === shard.index;
      seen.set(folder, mine);
    }
    return mine;
  };
}
