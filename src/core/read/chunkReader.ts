/**
 * Reading chunks of candidate files into records, with the I/O strategy that suits the page cache:
 * synchronous reads (warm cache: no thread-pool round trips, which cost ~100 µs of main-thread time
 * per file here) or several asynchronous reads in flight (cold cache: the disk's waits overlap
 * parsing). The choice follows the measured latency of synchronous reads, re-checked as the run goes.
 *
 * A read worker thread on the second core was tried and measured: with V8's own background threads
 * (GC, compilers) already busy there, it made warm runs 10–20% slower and cold ones no faster.
 */
import { extractFields } from '../dicom/extract';
import { pixelSummary } from '../dicom/pixelStats';
import { HeaderRead, readHeader, readHeaderSync, ReadLimits } from '../dicom/readHeader';
import type { FileRecord } from '../db/writer';
import { Candidate, resolveRel } from '../scan/scanner';

export type IoMode = 'adaptive' | 'sync' | 'async';

export interface ChunkReaderOptions {
  root: string;
  limits: ReadLimits;
  pixelStats: boolean;
  /** Reads in flight in asynchronous mode. */
  concurrency: number;
  ioMode: IoMode;
}

/** Files a probe of synchronous reads takes (on a cold cache each waits for the disk in turn). */
const PROBE_FILES = 16;

/** Synchronous reads between two turns of the event loop (about 10 ms of work). */
const YIELD_EVERY = 64;

export class ChunkReader {
  private readonly strategy: AdaptiveStrategy;
  private readonly scratch: Buffer;

  constructor(private readonly opts: ChunkReaderOptions) {
    this.strategy = new AdaptiveStrategy(opts.ioMode === 'adaptive' ? null : opts.ioMode);
    this.scratch = Buffer.allocUnsafe(opts.limits.firstRead);
  }

  /** Reads `chunk`, handing each record to `onRecord` as soon as it is ready. Stops early on abort. */
  async read(chunk: Candidate[], onRecord: (rec: FileRecord) => void, signal?: AbortSignal): Promise<void> {
    const { mode, probe } = this.strategy.pick();
    if (probe && chunk.length > PROBE_FILES) {
      // Measure synchronous reads on a few files only (on a cold cache each waits for the disk),
      // then read the rest the best way known now.
      await this.readAs('sync', chunk.slice(0, PROBE_FILES), onRecord, signal);
      await this.readAs(this.strategy.best(), chunk.slice(PROBE_FILES), onRecord, signal);
    } else {
      await this.readAs(mode, chunk, onRecord, signal);
    }
  }

  private async readAs(mode: 'sync' | 'async', chunk: Candidate[], onRecord: (rec: FileRecord) => void, signal?: AbortSignal): Promise<void> {
    const { root, limits, pixelStats } = this.opts;
    if (mode === 'sync') {
      const io = { ms: 0, reads: 0 };
      for (let i = 0; i < chunk.length; i++) {
        // Give the event loop a turn now and then: a host (VS Code) stays responsive and can cancel.
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted) break;
        const c = chunk[i];
        const abs = resolveRel(root, c.relPath);
        onRecord(await toRecord(abs, c, readHeaderSync(abs, limits, this.scratch, c, io), pixelStats));
      }
      this.strategy.recordSync(io.reads, io.ms);
    } else {
      // Records are handled in the order their reads finish (one slow disk read must not hold up
      // the parsing of the others), and every finished read starts the next.
      const ready: FileRecord[] = [];
      let wake: (() => void) | null = null;
      let next = 0;
      let pending = 0;
      const launch = () => {
        while (pending < this.opts.concurrency && next < chunk.length && !signal?.aborted) {
          const c = chunk[next++];
          const abs = resolveRel(root, c.relPath);
          pending++;
          void readHeader(abs, limits, c)
            .then((h) => toRecord(abs, c, h, pixelStats))
            .then((rec) => {
              pending--;
              ready.push(rec);
              wake?.();
            });
        }
      };
      launch();
      while ((pending > 0 || ready.length > 0) && !signal?.aborted) {
        if (ready.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          continue;
        }
        onRecord(ready.shift()!);
        launch();
      }
      // Reads already started finish quietly (their files stay as they were in the index).
      while (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
    }
    this.strategy.count(mode, chunk.length);
  }

  describe(): string {
    return this.strategy.describe();
  }
}

export async function toRecord(abs: string, c: Candidate, h: HeaderRead, pixelStats: boolean): Promise<FileRecord> {
  const rec: FileRecord = { relPath: c.relPath, size: h.size || c.size, mtimeMs: h.mtimeMs || c.mtimeMs, status: h.status, error: h.error };
  if (h.dataSet && (h.status === 'ok' || h.status === 'partial')) {
    try {
      const ex = extractFields(h.dataSet, h.transferSyntax);
      rec.values = ex.values;
      rec.sliceThicknessInvalid = ex.sliceThicknessInvalid;
      if (pixelStats) rec.pixel = await pixelSummary(abs, h, ex.values).catch((e) => ({ dataType: null, mean: null, summary: `pixel data unreadable (${(e as Error).message})` }));
    } catch (e) {
      rec.status = 'error';
      rec.error = `header unreadable (${(e as Error).message.split('\n')[0].slice(0, 200)})`;
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

/** Chunks between two probes of synchronous reads while reading asynchronously. */
const REPROBE_EVERY = 16;

/**
 * Chooses between synchronous reads and several asynchronous reads in flight from the latency of
 * synchronous reads: probed on the first files, followed on every synchronous chunk, probed again
 * now and then while asynchronous, since the cache warms or cools as a run goes (a collection
 * larger than memory is read from the disk throughout).
 */
export class AdaptiveStrategy {
  /** Mean µs of a synchronous open + read, smoothed over chunks; null before the first probe. */
  private readUs: number | null = null;
  private chunks = 0;
  private used = { sync: 0, async: 0 };

  constructor(private readonly forced: 'sync' | 'async' | null = null) {}

  /** The mode for the next chunk, and whether its first files are a probe of synchronous reads. */
  pick(): { mode: 'sync' | 'async'; probe: boolean } {
    const n = this.chunks++;
    if (this.forced) return { mode: this.forced, probe: false };
    if (this.readUs === null) return { mode: 'sync', probe: true };
    const best = this.best();
    if (best === 'async' && n % REPROBE_EVERY === 0) return { mode: 'async', probe: true };
    return { mode: best, probe: false };
  }

  best(): 'sync' | 'async' {
    if (this.forced) return this.forced;
    return this.readUs !== null && this.readUs < COLD_READ_US ? 'sync' : 'async';
  }

  /** Synchronous opens and reads and the time they took together. */
  recordSync(reads: number, ms: number): void {
    if (reads === 0) return;
    const us = (1000 * ms) / reads;
    this.readUs = this.readUs === null ? us : 0.5 * this.readUs + 0.5 * us;
  }

  count(mode: 'sync' | 'async', files: number): void {
    this.used[mode] += files;
  }

  describe(): string {
    return `${this.used.sync} read synchronously, ${this.used.async} with reads in flight`;
  }
}
