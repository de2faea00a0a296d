/**
 * One index run per database at a time, across processes (two windows, or the CLI beside the
 * extension): an exclusive lock file beside the database. A lock whose process is gone (same
 * host, no such pid) or that is older than `staleMs` is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseRefusedError } from './db/refused';

/** Written into every lock, so that a `.lock` file of another program is never taken for ours. */
const LOCK_TOOL = 'dicom-workspace-index';

/**
 * Whether the lock file at `file` is one of ours: a regular file holding our JSON (older versions
 * wrote it without the `tool` field), or empty or cut short (a run killed while writing it).
 */
export function isOurLockFile(file: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (!st.isFile() || st.size > 4096) return false;
  const text = fs.readFileSync(file, 'utf8');
  if (text === '' || (text.startsWith('{"pid":') && !text.endsWith('}'))) return true;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    return typeof j.pid === 'number' && typeof j.host === 'string' && typeof j.started === 'string' && (j.tool === undefined || j.tool === LOCK_TOOL);
  } catch {
    return false;
  }
}

export class IndexBusyError extends Error {
  constructor(readonly holder: { pid: number; host: string; started: string }) {
    super(`another index run (process ${holder.pid} on ${holder.host}, since ${holder.started}) is using this index`);
  }
}

export interface Lock {
  release(): void;
}

export function acquireLock(dbFile: string, staleMs = 6 * 3600_000): Lock {
  const file = `${dbFile}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString(), tool: LOCK_TOOL }));
      fs.closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            const mine = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number };
            if (mine.pid === process.pid) fs.rmSync(file, { force: true });
          } catch {
            /* already gone */
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Another program's file of that name is never taken over or removed.
      if (!isOurLockFile(file)) throw new DatabaseRefusedError(dbFile, `has beside it ${path.basename(file)}, a file this tool did not write`);
      let holder: { pid: number; host: string; started: string };
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        holder = { pid: 0, host: '', started: '' };
      }
      if (isStale(holder, file, staleMs)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      throw new IndexBusyError(holder);
    }
  }
  throw new Error('could not take the index lock');
}

function isStale(h: { pid: number; host: string; started: string }, file: string, staleMs: number): boolean {
  if (!h.pid) {
    // Unreadable or half-written lock: stale once it is a few seconds old.
    try {
      return Date.now() - fs.statSync(file).mtimeMs > 5000;
    } catch {
      return true;
    }
  }
  if (h.host === os.hostname()) {
    if (h.pid === process.pid) return false;
    try {
      process.kill(h.pid, 0);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  return Date.now() - Date.parse(h.started) > staleMs;
}
