/**
 * One index run per database at a time, across processes (two windows, or the CLI beside the
 * extension): an exclusive lock file beside the database. A lock whose process is gone (same
 * host, no such pid) or that is older than `staleMs` is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

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
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }));
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
