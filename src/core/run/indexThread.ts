/**
 * An index run on a thread of its own (the VS Code extension host's runs): the same indexFolder or
 * indexIntoPostgres as on the calling thread, with the sql.js database, its saves (export() of the
 * whole file) and the writes off the caller's event loop, which keeps only the progress, the log and
 * a message when the file was saved. Cancelling (the signal) asks the run to stop; it commits and
 * saves what it read, as on the calling thread. Its entry is indexThreadMain.ts (dist/indexThreadMain.js).
 *
 * A thread that dies before its run ends (out of memory, say) rejects with an error; the index keeps
 * what it last saved, and the run's lock is let go, so the next run is not refused as busy.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DatabaseRefusedError } from '../db/refused';
import { defaultDbPath } from '../db/dbPath';
import { IndexBusyError, releaseOrphanedLock } from '../lock';
import type { IndexOptions, IndexProgress, IndexResult } from '../indexer';
import type { PgIndexOptions } from '../indexPostgres';

/** What cannot cross to a thread: functions, the signal, an open database. */
type Callbacks = 'signal' | 'onProgress' | 'log' | 'observer' | 'database';

/** The run a thread is asked to do (its workerData: structured-clone data only). */
export type IndexThreadRequest =
  | { store: 'sqlite'; root: string; options: Omit<IndexOptions, Callbacks> }
  | { store: 'postgresql'; root: string; url: string; options: Omit<PgIndexOptions, Callbacks> };

/** A thread's workerData: its run, and the flag that cancels it (1: cancel). */
export interface IndexThreadData {
  req: IndexThreadRequest;
  cancelled: Int32Array;
}

/** An error of the run, as it crosses back: the kinds a caller tells apart keep their fields. */
export type ThreadError =
  | { kind: 'busy'; message: string; holder: IndexBusyError['holder'] }
  | { kind: 'refused'; message: string; path: string; reason: string; advice: string }
  | { kind: 'other'; message: string };

/** Thread → caller. */
export type IndexThreadMessage =
  | { type: 'log'; message: string }
  | { type: 'progress'; progress: IndexProgress }
  /** The index file was saved: a caller holding its own copy may read it again. */
  | { type: 'saved' }
  | { type: 'done'; result: IndexResult }
  | { type: 'failed'; error: ThreadError };

/** Caller → thread. */
export type IndexThreadCommand = { type: 'cancel' };

/** How often a long run saves when someone reads its saves as it goes (the extension's tree grows at each). */
export const SAVE_EVERY_MS_WITH_READER = 10_000;

export interface IndexThreadHooks {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
  log?: (message: string) => void;
  onSaved?: () => void;
  /** The thread's script; default indexThreadMain.js beside this module (dist/ in the bundles, out/ under tsc). */
  workerFile?: string;
}

export function indexInThread(req: IndexThreadRequest, hooks: IndexThreadHooks = {}): Promise<IndexResult> {
  const since = Date.now();
  // Cancel is seen by the run at its next file (a flag in shared memory), and by a thread waiting on
  // the disk or the server at once (a message).
  const cancelled = new Int32Array(new SharedArrayBuffer(4));
  const workerData: IndexThreadData = { req, cancelled };
  const worker = new Worker(hooks.workerFile ?? path.join(__dirname, 'indexThreadMain.js'), { workerData });
  return new Promise<IndexResult>((resolve, reject) => {
    let settled = false;
    const cancel = () => {
      Atomics.store(cancelled, 0, 1);
      worker.postMessage({ type: 'cancel' } satisfies IndexThreadCommand);
    };
    if (hooks.signal?.aborted) cancel();
    else hooks.signal?.addEventListener('abort', cancel, { once: true });
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', cancel);
      fn();
    };
    worker.on('message', (m: IndexThreadMessage) => {
      if (m.type === 'log') hooks.log?.(m.message);
      else if (m.type === 'progress') hooks.onProgress?.(m.progress);
      else if (m.type === 'saved') hooks.onSaved?.();
      else if (m.type === 'done') settle(() => resolve(m.result));
      else if (m.type === 'failed') settle(() => reject(errorOf(m.error)));
      // The run has ended (its saves written, its lock let go): the thread has nothing left to do.
      if (m.type === 'done' || m.type === 'failed') void worker.terminate();
    });
    const died = (why: string) =>
      settle(() => {
        if (req.store === 'sqlite') releaseOrphanedLock(path.resolve(req.options.dbPath ?? defaultDbPath(req.root)), since);
        reject(new Error(`the indexing thread stopped before its run ended (${why}); the index keeps what it last saved`));
      });
    worker.on('error', (e) => died(e.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
  });
}


export function describeError(e: unknown): ThreadError {
  if (e instanceof IndexBusyError) return { kind: 'busy', message: e.message, holder: e.holder };
  if (e instanceof DatabaseRefusedError) return { kind: 'refused', message: e.message, path: e.path, reason: e.reason, advice: e.advice };
  return { kind: 'other', message: e instanceof Error ? e.message : String(e) };
}

function errorOf(e: ThreadError): Error {
  if (e.kind === 'busy') return new IndexBusyError(e.holder);
  if (e.kind === 'refused') return new DatabaseRefusedError(e.path, e.reason, e.advice);
  return new Error(e.message);
}
