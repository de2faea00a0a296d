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
 * Whether something at `file` is not one of our locks: anything but a regular file holding our JSON
 * (older versions wrote it without the `tool` field), or empty or cut short (a run killed while
 * writing it). Nothing there (a lock let go just now, even between two looks) is not foreign.
 */
export function isForeignLock(file: string): boolean {
  let st: fs.Stats;
  let text: string;
  try {
    st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 4096) return true;
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  if (text === '' || (text.startsWith('{"pid":') && !text.endsWith('}'))) return false;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    return !(typeof j.pid === 'number' && typeof j.host === 'string' && typeof j.started === 'string' && (j.tool === undefined || j.tool === LOCK_TOOL));
  } catch {
    return true;
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
      if (isForeignLock(file)) throw new DatabaseRefusedError(dbFile, `has beside it ${path.basename(file)}, a file this tool did not write`);
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

/**
 * The lock of a run of this process that started after `since` and can no longer let it go
 * (the thread running it died): removed, so the next run is not refused as busy. A lock of another
 * process, or one taken by `since` (another run of this process), is left alone.
 */
export function releaseOrphanedLock(dbFile: string, since: number): void {
  const file = `${dbFile}.lock`;
  if (isForeignLock(file)) return;
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; host: string; started: string };
    if (h.pid === process.pid && h.host === os.hostname() && Date.parse(h.started) > since) fs.rmSync(file, { force: true });
  } catch {
    /* gone, or half-written by another process */
  }
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
