/**
 * Reading chunks of candidate files into records, with the I/O strategy that suits the page cache:
 * synchronous reads (warm cache: no thread-pool round trips) or several asynchronous reads in flight
 * (cold cache: I/O overlaps parsing), chosen by measuring both as the run goes.
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

/** Files a probe of the other reading mode takes. */
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
      // Measure the other mode on a few files only (a synchronous probe on a cold cache waits for
      // the disk one file at a time), then read the rest the best way known so far.
      await this.readAs(mode, chunk.slice(0, PROBE_FILES), onRecord, signal);
      await this.readAs(this.strategy.best(), chunk.slice(PROBE_FILES), onRecord, signal);
    } else {
      await this.readAs(mode, chunk, onRecord, signal);
    }
  }

  private async readAs(mode: 'sync' | 'async', chunk: Candidate[], onRecord: (rec: FileRecord) => void, signal?: AbortSignal): Promise<void> {
    const { root, limits, pixelStats } = this.opts;
    const t = performance.now();
    if (mode === 'sync') {
      for (let i = 0; i < chunk.length; i++) {
        // Give the event loop a turn now and then: a host (VS Code) stays responsive and can cancel.
        if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal?.aborted) return;
        const c = chunk[i];
        const abs = resolveRel(root, c.relPath);
        onRecord(await toRecord(abs, c, readHeaderSync(abs, limits, this.scratch, c), pixelStats));
      }
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
    this.strategy.record(mode, chunk.length, performance.now() - t);
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
 * Chooses between synchronous reads and several asynchronous reads in flight by measuring both on
 * chunks of the run itself, re-checking now and then, since the cache warms or cools as it goes.
 */
export class AdaptiveStrategy {
  private rate: Record<'sync' | 'async', number | null> = { sync: null, async: null };
  private chunks = 0;
  private used = { sync: 0, async: 0 };

  constructor(private readonly forced: 'sync' | 'async' | null = null) {}

  /** The mode for the next chunk, and whether it is only a probe of the other mode. */
  pick(): { mode: 'sync' | 'async'; probe: boolean } {
    const n = this.chunks++;
    if (this.forced) return { mode: this.forced, probe: false };
    // The first chunk warms the JIT and is not measured (asynchronous: never badly wrong, where
    // synchronous reads on a cold cache wait for the disk one file at a time); then each mode is
    // measured, and the other one probed again now and then, since the cache warms or cools.
    if (n === 0 || this.rate.async === null) return { mode: 'async', probe: false };
    if (this.rate.sync === null) return { mode: 'sync', probe: true };
    const best = this.best();
    return n % 16 === 15 ? { mode: best === 'sync' ? 'async' : 'sync', probe: true } : { mode: best, probe: false };
  }

  best(): 'sync' | 'async' {
    if (this.forced) return this.forced;
    if (this.rate.sync === null || this.rate.async === null) return 'async';
    return this.rate.sync >= this.rate.async ? 'sync' : 'async';
  }

  record(mode: 'sync' | 'async', files: number, ms: number): void {
    this.used[mode] += files;
    if (this.chunks === 1 && !this.forced) return; // warm-up chunk
    const r = files / Math.max(ms, 0.001);
    const prev = this.rate[mode];
    this.rate[mode] = prev === null ? r : 0.5 * prev + 0.5 * r;
  }

  describe(): string {
    return `${this.used.sync} read synchronously, ${this.used.async} with reads in flight`;
  }
}
