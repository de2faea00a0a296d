/**
 * Reading chunks of candidate files into records, with the I/O strategy that suits the page cache:
 * synchronous reads (warm cache: no thread-pool round trips, which cost ~100 µs of main-thread time
 * per file here) or several asynchronous reads in flight (cold cache: the disk's waits overlap
 * parsing). The choice follows the measured latency of synchronous reads, re-checked as the run goes.
 */
import { extractFields } from '../dicom/extract';
import { pixelSummary } from '../dicom/pixelStats';
import { readHeader, readHeaderSync } from '../dicom/header/read';
import { ioProblem, unexpected, valuesUndecodable } from '../dicom/header/problems';
import type { HeaderRead, ReadLimits } from '../dicom/header/types';
import type { FileRecord } from '../records';
import { Candidate, resolveRel } from '../scan/scanner';

export type IoMode = 'adaptive' | 'sync' | 'async';

export interface ReadAllOptions {
  signal?: AbortSignal;
  /** Called after every `chunkSize` records (the indexer commits there). */
  afterChunk: () => void;
  chunkSize: number;
  /** Stop starting reads once this says so (reads under way finish): the files taken are a prefix. */
  stop?: () => boolean;
}

/** What the indexers read with: one thread (ChunkReader) or several (WorkerReader, `--jobs N`). */
export interface RecordReader {
  /**
   * Reads every file, handing each record to `onRecord`, calling `afterChunk` after every
   * `chunkSize` records; returns how many of the files were taken (a prefix, unless aborted).
   */
  readAll(files: Candidate[], onRecord: (rec: FileRecord) => void, opts: ReadAllOptions): Promise<number>;
  describe(): string;
  /** Frees what the reader holds (its threads). */
  close(): Promise<void>;
}

export interface ChunkReaderOptions {
  root: string;
  limits: ReadLimits;
  pixelStats: boolean;
  /** Reads in flight in asynchronous mode. */
  concurrency: number;
  ioMode: IoMode;
}

/** Files a probe of synchronous reads takes (on a cold cache each waits for the disk in turn). */
const PROBE_FILES = 8;

/** A synchronous open slower than this on average (µs) goes to the thread pool instead (network file systems). */
const SLOW_OPEN_US = 50;

/** Synchronous reads between two turns of the event loop (about 10 ms of work). */
const YIELD_EVERY = 64;

export class ChunkReader implements RecordReader {
  private readonly strategy: AdaptiveStrategy;
  private readonly scratch: Buffer;
  /** First-read buffers of asynchronous reads, reused. */
  private readonly pool: Buffer[] = [];
  /** Asynchronous reads open and close their files synchronously (until opens prove slow). */
  private syncOpen = true;

  constructor(private readonly opts: ChunkReaderOptions) {
    this.strategy = new AdaptiveStrategy(opts.ioMode === 'adaptive' ? null : opts.ioMode);
    this.scratch = Buffer.allocUnsafe(opts.limits.firstRead);
  }

  /**
   * Reads every file, handing each record to `onRecord` as soon as it is ready, and calling
   * `afterChunk` after every `chunkSize` records (the indexer commits there). Stops early on abort.
   * Asynchronous reads stay in flight from one chunk to the next: no pipeline drain at each
   * boundary, where a cold disk would leave the parser idle.
   */
  async readAll(files: Candidate[], onRecord: (rec: FileRecord) => void, opts: ReadAllOptions): Promise<number> {
    const { signal, afterChunk, chunkSize, stop } = opts;
    let delivered = 0;
    const deliver = (rec: FileRecord) => {
      onRecord(rec);
      if (++delivered % chunkSize === 0) afterChunk();
    };
    let i = 0;
    while (i < files.length && !signal?.aborted && !stop?.()) {
      if (this.strategy.probeNext()) {
        // Measure synchronous reads on a few files only (on a cold cache each waits for the disk).
        const probe = files.slice(i, i + PROBE_FILES);
        const took = await this.readAs('sync', probe, deliver, signal, stop);
        i += took;
        if (took < probe.length) break;
      }
      const mode = this.strategy.best();
      const span = files.slice(i, i + (mode === 'sync' ? chunkSize : this.strategy.forced ? files.length : this.strategy.untilProbe()));
      const took = await this.readAs(mode, span, deliver, signal, stop);
      i += took;
      if (took < span.length) break;
    }
    return i;
  }

  /** Reads `chunk` one way; returns how many of its files were taken (all, unless stopped or aborted). */
  private async readAs(mode: 'sync' | 'async', chunk: Candidate[], onRecord: (rec: FileRecord) => void, signal?: AbortSignal, stop?: () => boolean): Promise<number> {
    const { root, limits, pixelStats } = this.opts;
    if (mode === 'sync') {
      const io = { ms: 0, reads: 0 };
      let i = 0;
      for (; i < chunk.length; i++) {
        // Give the event loop a turn now and then: a host (VS Code) stays responsive and can cancel.
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted || stop?.()) break;
        const c = chunk[i];
        const abs = resolveRel(root, c.relPath);
        const t = performance.now();
        const rec = await toRecord(abs, c, readHeaderSync(abs, limits, c, this.scratch, io), pixelStats);
        rec.readMs = performance.now() - t;
        onRecord(rec);
      }
      this.strategy.recordSync(io.reads, io.ms);
      this.strategy.count(mode, i);
      return i;
    } else {
      // Records are handled in the order their reads finish (one slow disk read must not hold up
      // the parsing of the others), and every finished read starts the next one before it is
      // parsed, so that the disk always has `concurrency` reads to do.
      const ready: FileRecord[] = [];
      let wake: (() => void) | null = null;
      let next = 0;
      let reading = 0;
      let outstanding = 0; // read, or being made into a record (pixel statistics read the file again)
      const maxOutstanding = 2 * this.opts.concurrency;
      const opens = { ms: 0, reads: 0 };
      const launch = () => {
        while (reading < this.opts.concurrency && outstanding < maxOutstanding && next < chunk.length && !signal?.aborted && !stop?.()) {
          const c = chunk[next++];
          const abs = resolveRel(root, c.relPath);
          // A scratch buffer per file in hand, back in the pool once its record is made.
          const scratch = this.pool.pop() ?? Buffer.allocUnsafe(limits.firstRead);
          reading++;
          outstanding++;
          const started = performance.now();
          let read = false;
          void readHeader(abs, limits, c, scratch, this.syncOpen ? opens : undefined)
            .then((h) => {
              read = true;
              reading--;
              launch();
              return toRecord(abs, c, h, pixelStats);
            })
            .catch((): FileRecord => {
              // Never expected (readHeader and toRecord report problems in the record), but a
              // rejection must not stall the run: the file is recorded as unreadable.
              if (!read) reading--;
              const p = unexpected();
              return { relPath: c.relPath, size: c.size, mtimeMs: c.mtimeMs, status: 'error', error: p.reason, errorKind: p.kind };
            })
            .then((rec) => {
              rec.readMs = performance.now() - started;
              this.pool.push(scratch);
              outstanding--;
              ready.push(rec);
              wake?.();
              launch();
            });
        }
      };
      launch();
      while ((outstanding > 0 || ready.length > 0) && !signal?.aborted) {
        if (ready.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        onRecord(ready.shift()!);
      }
      // Reads already started finish quietly (their files stay as they were in the index).
      while (outstanding > 0) await new Promise<void>((resolve) => (wake = resolve));
      // Opening on the main thread suits local disks (the scan has just cached the inode); where
      // an open is a network round trip (NFS, SMB), opens go to the thread pool like the reads.
      if (opens.reads >= PROBE_FILES && (1000 * opens.ms) / opens.reads > SLOW_OPEN_US) this.syncOpen = false;
      this.strategy.count(mode, next);
      return next;
    }
  }

  describe(): string {
    return this.strategy.describe();
  }

  async close(): Promise<void> {}
}

export async function toRecord(abs: string, c: Candidate, h: HeaderRead, pixelStats: boolean): Promise<FileRecord> {
  const rec: FileRecord = { relPath: c.relPath, size: h.size || c.size, mtimeMs: h.mtimeMs || c.mtimeMs, status: h.status, error: h.error, errorKind: h.errorKind, bytesRead: h.bytesRead };
  if (h.dataSet && (h.status === 'ok' || h.status === 'partial')) {
    try {
      const ex = extractFields(h.dataSet, h.transferSyntax);
      rec.values = ex.values;
      rec.sliceThicknessInvalid = ex.sliceThicknessInvalid;
      if (ex.frames) rec.frames = ex.frames;
      if (pixelStats) rec.pixel = await pixelSummary(abs, h, ex.values).catch((e: unknown) => ({ dataType: null, mean: null, summary: `pixel data unreadable (${ioProblem(e).reason})` }));
    } catch {
      const p = valuesUndecodable();
      rec.status = 'error';
      rec.error = p.reason;
      rec.errorKind = p.kind;
      rec.values = undefined;
    }
  }
  return rec;
}

/**
 * A synchronous open and read that takes longer than this on average (µs) means the disk is read
 * (here: ~10–30 µs from the page cache, 250 µs and more from the disk); then the reads go
 * asynchronous. Past it, waiting in turn costs more than the thread pool's round trips.
 */
export const COLD_READ_US = 100;

/** Files read asynchronously between two probes of synchronous reads. */
const REPROBE_EVERY = 2048;

/**
 * Chooses between synchronous reads and several asynchronous reads in flight from the latency of
 * synchronous reads: probed on the first files, followed on every synchronous chunk, probed again
 * before every stretch of asynchronous chunks, since the cache warms or cools as a run goes (a
 * collection larger than memory is read from the disk throughout).
 */
export class AdaptiveStrategy {
  /** Mean µs of a synchronous open + read, smoothed over chunks; null before the first probe. */
  private readUs: number | null = null;
  private used = { sync: 0, async: 0 };

  constructor(readonly forced: 'sync' | 'async' | null = null) {}

  /** Files read asynchronously since the last probe of synchronous reads. */
  private sinceProbe = 0;

  /** Whether the next stretch starts with a probe of synchronous reads. */
  probeNext(): boolean {
    return !this.forced && this.best() === 'async' && (this.readUs === null || this.sinceProbe >= REPROBE_EVERY);
  }

  /** Files to read asynchronously before the next probe. */
  untilProbe(): number {
    return Math.max(1, REPROBE_EVERY - this.sinceProbe);
  }

  best(): 'sync' | 'async' {
    if (this.forced) return this.forced;
    return this.readUs !== null && this.readUs < COLD_READ_US ? 'sync' : 'async';
  }

  /** Synchronous opens and reads and the time they took together. */
  recordSync(reads: number, ms: number): void {
    if (reads === 0) return;
    this.sinceProbe = 0;
    const us = (1000 * ms) / reads;
    this.readUs = this.readUs === null ? us : 0.5 * this.readUs + 0.5 * us;
  }

  count(mode: 'sync' | 'async', files: number): void {
    this.used[mode] += files;
    if (mode === 'async') this.sinceProbe += files;
  }

  describe(): string {
    return `${this.used.sync} read synchronously, ${this.used.async} with reads in flight`;
  }
}
