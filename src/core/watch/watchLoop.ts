/**
 * Keeps an index current until stopped: a full incremental run first, then the tree's file events
 * (or, where there are none — network file systems — a rescan every poll interval) in batches
 * (changes.ts), each an index run of just those paths where the store can (the SQLite file), else an
 * incremental run of the folder. A run that fails because the store is unreachable (the lock held by
 * another run, the folder unwritable, the server down) is tried again with back-off, its changes kept
 * with those noted meanwhile, so no change is lost. Stopping lets a batch of changes in hand finish
 * (a full run in hand stops after the files being read, commits and saves them): the index is
 * consistent, and the next start's full run finds whatever was noted and not yet indexed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IndexResult } from '../indexer';
import { scanFolder } from '../scan/scanner';
import { Batch, namesAFile, PendingChanges } from './changes';
import { TreeEvents, watchTree } from './treeEvents';

export type WatchMode = 'events' | 'poll';

export interface WatchRunRequest {
  /** The paths to read again or forget; undefined: a full incremental run. */
  only?: string[];
  /** With `only`: deleted paths that may have been folders (the indexer's `gone`). */
  gone?: string[];
  signal: AbortSignal;
  /** The first run of the watch. */
  first: boolean;
}

export interface WatchReporter {
  started(info: { mode: WatchMode; pollIntervalMs: number }): void;
  batch(info: { paths: number; full: boolean; reason: 'start' | 'changes' | 'rescan' | 'retry' }): void;
  /** The run failed for a reason that may pass (retried in `retryInMs`; `pending` changes kept). */
  unreachable(e: Error, info: { retryInMs: number; pending: number; attempt: number }): void;
  /** A run succeeded after failures. */
  recovered(info: { downMs: number; attempts: number }): void;
  pending(n: number): void;
  /** A folder seen for the first time could not be scanned (the error's code only: its message names paths); a full run is due. */
  folderScanFailed(code: string): void;
}

export interface WatchLoopOptions {
  root: string;
  mode: WatchMode;
  /** Between rescans (ms): the only way changes are found in poll mode, a net for missed events in events mode (0: none). */
  pollIntervalMs: number;
  /** Whether a file is a candidate (the scanner's rule). */
  isCandidate: (rel: string, abs: string) => boolean;
  /** Whether a deleted path may have been a candidate (its bytes are gone: by name and globs only). */
  mayHaveBeenCandidate: (rel: string) => boolean;
  /** Paths whose events mean nothing to the index (the index file itself, its lock and temporary files, where it is inside the tree). */
  ignore?: (rel: string) => boolean;
  /** The store re-reads given paths (else every batch is an incremental run of the folder). */
  pathRuns: boolean;
  run(req: WatchRunRequest): Promise<IndexResult>;
  /** Errors that end the watch (a refused database): everything else is retried. */
  isFatal(e: unknown): boolean;
  reporter: WatchReporter;
  backoff?: { firstMs: number; maxMs: number };
  timing?: { quietMs: number; maxWaitMs: number; maxBatch: number };
}

/** Poll mode's default rescan interval (network file systems). */
export const DEFAULT_POLL_MS = 60_000;
/** Events mode's default rescan interval: a net for events that never came, and a run at least this often (so "no successful run for an hour" means something is wrong). */
export const DEFAULT_RESCAN_MS = 1_800_000;
const BACKOFF = { firstMs: 1000, maxMs: 30_000 };

export class WatchLoop {
  private readonly pending: PendingChanges;
  private stopping = false;
  private wake: (() => void) | null = null;
  private current: { full: boolean; controller: AbortController } | null = null;
  private events: TreeEvents | null = null;
  private readonly mode: WatchMode;
  private readonly pollMs: number;

  constructor(private readonly o: WatchLoopOptions) {
    this.pending = new PendingChanges(o.timing);
    this.mode = o.mode;
    this.pollMs = o.pollIntervalMs;
  }

  /** Stops: a batch of changes in hand finishes, a full run in hand stops after what it is reading and saves. */
  stop(): void {
    this.stopping = true;
    if (this.current?.full) this.current.controller.abort();
    this.poke();
  }

  /** Runs until stopped; rejects on a fatal error (the watch cannot go on). */
  async run(): Promise<void> {
    try {
      if (this.mode === 'events') await this.startEvents();
      this.o.reporter.started({ mode: this.mode, pollIntervalMs: this.pollMs });
      this.pending.requestFull();
      let reason: 'start' | 'changes' | 'rescan' | 'retry' = 'start';
      let lastFull = Date.now();
      let first = true;
      let failures = 0;
      let downSince = 0;
      while (!this.stopping) {
        const now = Date.now();
        if (this.pollMs > 0 && now - lastFull >= this.pollMs && this.pending.empty) {
          this.pending.requestFull(now);
          reason = 'rescan';
        }
        const due = this.pending.dueIn(now);
        const untilRescan = this.pollMs > 0 ? Math.max(0, lastFull + this.pollMs - now) : Infinity;
        const wait = Math.min(due ?? Infinity, untilRescan);
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        if (this.pending.empty) continue;
        const batch = this.pending.take();
        if (!this.o.pathRuns) batch.full = true;
        this.o.reporter.pending(0);
        this.o.reporter.batch({ paths: batch.paths.length + batch.gone.length, full: batch.full, reason: failures ? 'retry' : reason });
        reason = 'changes';
        try {
          await this.runBatch(batch, first);
          first = false;
          if (batch.full) lastFull = Date.now();
          if (failures) this.o.reporter.recovered({ downMs: Date.now() - downSince, attempts: failures });
          failures = 0;
        } catch (e) {
          if (this.o.isFatal(e)) throw e;
          this.pending.restore(batch);
          if (!failures) downSince = Date.now();
          failures++;
          const b = this.o.backoff ?? BACKOFF;
          const retryInMs = Math.min(b.maxMs, b.firstMs * 2 ** (failures - 1));
          this.o.reporter.unreachable(e as Error, { retryInMs, pending: this.pending.size, attempt: failures });
          this.o.reporter.pending(this.pending.size);
          await this.sleep(retryInMs, true);
        }
      }
    } finally {
      this.events?.close();
      this.events = null;
    }
  }

  private async runBatch(batch: Batch, first: boolean): Promise<void> {
    // A data folder that cannot be listed (a mount gone) must not read as "every file deleted".
    try {
      fs.readdirSync(this.o.root);
    } catch (e) {
      throw new Error(`the data folder cannot be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
    }
    const controller = new AbortController();
    this.current = { full: batch.full, controller };
    if (this.stopping && batch.full) controller.abort();
    try {
      await this.o.run({ only: batch.full ? undefined : batch.paths, gone: batch.full ? undefined : batch.gone, signal: controller.signal, first });
    } finally {
      this.current = null;
    }
  }

  private async startEvents(): Promise<void> {
    const { root } = this.o;
    const noted = () => {
      this.o.reporter.pending(this.pending.size);
      this.poke();
    };
    this.events = watchTree(root, {
      ignore: this.o.ignore,
      onFile: (rel, abs) => {
        if (!this.o.isCandidate(rel, abs)) return;
        this.pending.note(rel);
        noted();
      },
      onFolder: (rel, abs) => {
        // A folder created, copied or moved in: its files (their events may have come before the folder was watched).
        // The scan reports what it cannot look at; should it fail all the same, a full run finds the folder's files (never an unhandled rejection, which would end the watch).
        scanFolder(abs, { include: undefined, sniffExtensionless: true }).then(
          (scan) => {
            for (const c of scan.candidates) {
              const p = `${rel}/${c.relPath}`;
              if (this.o.isCandidate(p, path.join(abs, c.relPath))) this.pending.note(p);
            }
            if (scan.candidates.length) noted();
          },
          (e: unknown) => {
            this.o.reporter.folderScanFailed((e as NodeJS.ErrnoException)?.code ?? 'unknown');
            this.pending.requestFull(Date.now(), false);
            noted();
          },
        );
      },
      onGone: (rel) => {
        // A file's name that no rule makes a candidate was never indexed: nothing to forget.
        if (namesAFile(rel) && !this.o.mayHaveBeenCandidate(rel)) return;
        this.pending.noteDeleted(rel);
        noted();
      },
    });
  }

  private poke(): void {
    this.wake?.();
  }

  /** Waits `ms`, or until a change is noted (unless `onlyStop`) or the watch is stopped. */
  private sleep(ms: number, onlyStop = false): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.wake === wakeUp) this.wake = null;
        resolve();
      };
      const wakeUp = () => {
        if (onlyStop && !this.stopping) return;
        done();
      };
      if (ms !== Infinity) timer = setTimeout(done, ms);
      this.wake = wakeUp;
    });
  }
}
