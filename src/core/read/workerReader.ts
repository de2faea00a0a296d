/**
 * Reading headers on N threads (`--jobs N`) while the caller, on the main thread, stays the one
 * writer of the store. Files go out in batches (BATCH_FILES); each thread reads its batch with the
 * single-threaded ChunkReader and sends the records back in the batch's order (structured clone of
 * plain data); records reach `onRecord` in the order of the files given, so a run with threads
 * writes what a run without them writes.
 * - Back-pressure: at most PIPELINE batches per thread are out, and no batch is sent more than
 *   AHEAD_PER_THREAD × N batches ahead of the first one not yet handed on: memory stays bounded
 *   however slow the writer is.
 * - Cancellation (the signal): every thread is stopped at once; what was handed on stays written.
 * - A file that makes no progress for `fileTimeoutMs` (a parser stuck in a loop), or on which a
 *   thread crashes (out of memory: `resourceLimits`), gets its thread replaced: the batch is read
 *   again one file per task, so the one file responsible is found and recorded as an `error`
 *   (kind `limit`, readerHung / readerCrashed), and the run goes on.
 */
import * as path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { readerCrashed, readerHung } from '../dicom/header/problems';
import type { Problem } from '../dicom/header/types';
import type { FileRecord } from '../records';
import type { Candidate } from '../scan/scanner';
import type { ChunkReaderOptions, ReadAllOptions, RecordReader } from './chunkReader';
import type { BatchMessage, ReaderWorkerData, RecordsMessage } from './workerProtocol';

export interface WorkerReaderOptions {
  reader: ChunkReaderOptions;
  /** Reader threads (≥ 1). */
  jobs: number;
  /** Files per batch (default BATCH_FILES). */
  batchFiles?: number;
  /** A thread that finishes no file for this long (ms) is stopped and replaced (default 30 s). */
  fileTimeoutMs?: number;
  /** Each thread's V8 heap limits (a hostile file that needs more crashes only its thread); the young generation is YOUNG_GENERATION_MB unless given. */
  resourceLimits?: ResourceLimits;
  /** The worker's script; default readWorker.js beside this module (dist/ in the bundles, out/ under tsc). */
  workerFile?: string;
  log?: (message: string) => void;
}

/**
 * Each thread's young generation (MB): a thread's garbage is short-lived (one batch's buffers and
 * records). At V8's default, one reader thread beside the writer held 30–40 MB more at 244,000 files
 * (median RSS 261–265 MB against 222–233 without a thread) and peaked at 372–448 MB; at 4 MB: 228–235
 * MB and 356–363 MB in 11 of 13 runs, for about 7% more reading time (README, Every core).
 */
const YOUNG_GENERATION_MB = 4;

const BATCH_FILES = 64;
const PIPELINE = 2;
const AHEAD_PER_THREAD = 4;
const FILE_TIMEOUT_MS = 30_000;

/** A batch, or a part of one being read again file by file after its thread stopped. */
interface Task {
  id: number;
  seq: number;
  start: number;
  files: Candidate[];
}

interface Slot {
  worker: Worker;
  progress: Int32Array;
  tasks: Task[];
  /** The progress counter when last seen, and since when (ms) it has not moved. */
  seen: number;
  since: number;
  online: boolean;
  gone: boolean;
}

export class WorkerReader implements RecordReader {
  private readonly slots: (Slot | null)[];
  private nextId = 1;
  private onMessage: ((slot: Slot, m: RecordsMessage) => void) | null = null;
  private onFailure: ((slot: Slot, what: 'hung' | 'crashed', detail: string) => void) | null = null;
  private stats = { files: 0, replaced: 0, sync: 0 };

  constructor(private readonly opts: WorkerReaderOptions) {
    this.slots = Array.from({ length: Math.max(1, opts.jobs) }, () => null);
  }

  private get timeoutMs(): number {
    return this.opts.fileTimeoutMs ?? FILE_TIMEOUT_MS;
  }

  private spawn(i: number): Slot {
    const progress = new SharedArrayBuffer(4);
    const workerData: ReaderWorkerData = { reader: this.opts.reader, progress };
    const worker = new Worker(this.opts.workerFile ?? path.join(__dirname, 'readWorker.js'), { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, ...this.opts.resourceLimits } });
    const slot: Slot = { worker, progress: new Int32Array(progress), tasks: [], seen: 0, since: Date.now(), online: false, gone: false };
    worker.on('online', () => {
      slot.online = true;
      slot.since = Date.now(); // the watchdog counts from when the thread runs
    });
    worker.on('message', (m: RecordsMessage) => this.onMessage?.(slot, m));
    worker.on('error', (e: Error & { code?: string }) => this.onFailure?.(slot, 'crashed', e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out of memory' : 'an error it could not handle'));
    worker.on('exit', (code) => this.onFailure?.(slot, 'crashed', `it exited with code ${code}`));
    this.slots[i] = slot;
    return slot;
  }

  private stop(slot: Slot): void {
    slot.gone = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots[i] = null;
    // A thread blocked in a system call (a hung network read) cannot be stopped at once: let it go.
    void slot.worker.terminate().catch(() => undefined);
    slot.worker.unref();
  }

  async readAll(files: Candidate[], onRecord: (rec: FileRecord) => void, opts: ReadAllOptions): Promise<number> {
    const { signal, afterChunk, chunkSize, stop } = opts;
    const per = this.opts.batchFiles ?? BATCH_FILES;
    const batchCount = Math.ceil(files.length / per);
    const results: (FileRecord | undefined)[][] = [];
    const missing: number[] = [];
    const queue: Task[] = [];
    let made = 0; // batches made into tasks
    let handed = 0; // batches handed on, in order
    let taken = 0; // files handed on
    const ahead = AHEAD_PER_THREAD * this.slots.length;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;

    return new Promise<number>((resolve, reject) => {
      let finished = false;
      const finish = (e?: unknown) => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        signal?.removeEventListener('abort', pump);
        this.onMessage = null;
        this.onFailure = null;
        if (e !== undefined || signal?.aborted) for (const s of this.slots) if (s) this.stop(s);
        if (e !== undefined) reject(e instanceof Error ? e : new Error(String(e)));
        else resolve(taken);
      };
      const complete = (t: Task, recs: FileRecord[]) => {
        for (let k = 0; k < recs.length; k++) results[t.seq][t.start + k] = recs[k];
        missing[t.seq] -= recs.length;
      };
      const send = (slot: Slot, t: Task) => {
        if (slot.tasks.length === 0) {
          slot.seen = Atomics.load(slot.progress, 0);
          slot.since = Date.now();
        }
        slot.tasks.push(t);
        const m: BatchMessage = { id: t.id, files: t.files };
        slot.worker.postMessage(m);
      };
      const pump = () => {
        if (finished) return;
        try {
          if (signal?.aborted) return finish();
          // Hand on every batch complete at the front, in order.
          while (handed < made && missing[handed] === 0) {
            for (const rec of results[handed] as FileRecord[]) {
              onRecord(rec);
              if (++taken % chunkSize === 0) afterChunk();
              if (signal?.aborted) return finish();
            }
            results[handed] = [];
            handed++;
          }
          const stopping = !!stop?.();
          if (handed === batchCount || (stopping && handed === made)) return finish();
          for (let i = 0; i < self.slots.length; i++) {
            let slot = self.slots[i];
            while ((slot?.tasks.length ?? 0) < PIPELINE) {
              let t = queue.shift();
              if (!t && !stopping && made < batchCount && made - handed < ahead) {
                const batch = files.slice(made * per, (made + 1) * per);
                results[made] = new Array(batch.length);
                missing[made] = batch.length;
                t = { id: self.nextId++, seq: made++, start: 0, files: batch };
              }
              if (!t) break;
              slot ??= self.spawn(i);
              send(slot, t);
            }
          }
        } catch (e) {
          finish(e);
        }
      };
      this.onMessage = (slot, m) => {
        if (slot.gone) return;
        const t = slot.tasks.shift();
        if (!t || t.id !== m.id) return finish(new Error('a reader thread answered out of turn'));
        slot.seen = Atomics.load(slot.progress, 0);
        slot.since = Date.now();
        complete(t, m.records);
        self.stats.files += m.records.length;
        pump();
      };
      this.onFailure = (slot, what, detail) => {
        if (slot.gone) return;
        const started = slot.online;
        self.stop(slot);
        // A thread that never ran: its script is missing or broken (not a file's fault).
        if (!started && what === 'crashed') return finish(new Error(`the reader threads could not start (${detail})`));
        self.stats.replaced++;
        const [culprit, ...rest] = slot.tasks;
        const again: Task[] = [];
        if (culprit && culprit.files.length > 1) {
          // Which file? Read the batch again, one file per task.
          culprit.files.forEach((f, k) => again.push({ id: self.nextId++, seq: culprit.seq, start: culprit.start + k, files: [f] }));
        } else if (culprit) {
          const p = what === 'hung' ? readerHung(self.timeoutMs) : readerCrashed(detail);
          // Not the file's path (folder names can be patient IDs): the file's row in the index says which one.
          self.opts.log?.(`a reader thread stopped on one file (${p.reason}); the file is recorded as an error (kind limit), the thread was replaced, the run goes on`);
          complete(culprit, [failed(culprit.files[0], p)]);
        }
        queue.unshift(...again, ...rest);
        pump();
      };
      const timer = setInterval(() => {
        const now = Date.now();
        for (const s of self.slots) {
          if (!s || !s.online || s.tasks.length === 0) continue;
          const seen = Atomics.load(s.progress, 0);
          if (seen !== s.seen) {
            s.seen = seen;
            s.since = now;
          } else if (now - s.since > self.timeoutMs) {
            self.onFailure?.(s, 'hung', 'no progress');
          }
        }
      }, Math.max(10, Math.min(1000, this.timeoutMs / 4)));
      signal?.addEventListener('abort', pump);
      pump();
    });
  }

  describe(): string {
    return `${this.stats.files} read on ${this.slots.length} reader thread${this.slots.length === 1 ? '' : 's'}${this.stats.replaced ? `, ${this.stats.replaced} replaced` : ''}`;
  }

  async close(): Promise<void> {
    const live = this.slots.filter((s): s is Slot => s !== null);
    for (const s of live) s.gone = true;
    this.slots.fill(null);
    await Promise.all(live.map((s) => s.worker.terminate().catch(() => undefined)));
  }
}

function failed(c: Candidate, p: Problem): FileRecord {
  return { relPath: c.relPath, size: c.size, mtimeMs: c.mtimeMs, status: 'error', error: p.reason, errorKind: p.kind };
}
