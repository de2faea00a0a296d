/**
 * Changes noted by a watcher and not yet indexed, and when to hand them over: after a quiet moment
 * (a burst of 1,000 new files is one batch), but no later than a few seconds after the first, and as
 * one full incremental run of the folder when there are too many paths (one scan is cheaper). A
 * path deleted that may have been a folder is kept as gone and, when the batch runs, stands for the
 * indexed files at or under it (the indexer's `gone`, resolved against the index as that run finds
 * it): a deleted folder forgets its files without a rescan.
 * The policy of the extension's watcher and of `dicom-index watch` alike.
 */

/** Hand over once nothing new was noted for this long (ms)… */
export const QUIET_MS = 700;
/** …or this long after the first change of the batch, whichever comes first. */
export const MAX_WAIT_MS = 5000;
/** Above this many paths a batch becomes an incremental run of the whole folder. */
export const MAX_BATCH = 20_000;

/** Whether a deleted path's name says it was a file (a `.dcm` name), not possibly a folder. */
export function namesAFile(rel: string): boolean {
  return /\.dcm$/i.test(rel);
}

export interface Batch {
  /** Relative paths (`/`-separated) to read again or forget; empty for a full run. */
  paths: string[];
  /** Paths deleted that may have been folders (or extension-less files): the indexer's `gone`. */
  gone: string[];
  /** A full incremental run of the folder (scan and compare) instead of the paths. */
  full: boolean;
}

export class PendingChanges {
  private paths = new Set<string>();
  private gone = new Set<string>();
  private full = false;
  private first = 0;
  private last = 0;

  constructor(private readonly timing = { quietMs: QUIET_MS, maxWaitMs: MAX_WAIT_MS, maxBatch: MAX_BATCH }) {}

  /** A path created, changed or deleted (a file: it is read again, or forgotten if it is gone). */
  note(rel: string, now = Date.now()): void {
    this.started(now);
    this.paths.add(rel);
    this.last = now;
  }

  /**
   * A path deleted: a `.dcm` name was a file (noted as such); anything else may have been a folder
   * or an extension-less DICOM file (gone: the run names the indexed files at or under it).
   */
  noteDeleted(rel: string, now = Date.now()): void {
    if (namesAFile(rel)) this.note(rel, now);
    else this.noteGone(rel, now);
  }

  /** A path deleted that may have been a folder: its indexed files are forgotten when the batch runs. */
  noteGone(rel: string, now = Date.now()): void {
    this.started(now);
    this.gone.add(rel);
    this.last = now;
  }

  /**
   * A full run wanted: now (`soon`: the start, a rescan, a watcher that gave up), or after the quiet
   * moment, as a change (a folder copied in, whose files are still arriving).
   */
  requestFull(now = Date.now(), soon = true): void {
    this.started(now);
    this.full = true;
    this.last = soon ? now - this.timing.quietMs : now;
  }

  private started(now: number): void {
    if (this.empty) this.first = now;
  }

  /** Paths noted (a full run counts as one change pending). */
  get size(): number {
    const n = this.paths.size + this.gone.size;
    return n + (this.full && !n ? 1 : 0);
  }

  get empty(): boolean {
    return !this.full && this.paths.size === 0 && this.gone.size === 0;
  }

  /** Milliseconds until the batch is due (0: now), or null when nothing is pending. */
  dueIn(now = Date.now()): number | null {
    if (this.empty) return null;
    return Math.max(0, Math.min(this.last + this.timing.quietMs, this.first + this.timing.maxWaitMs) - now);
  }

  /** Takes the batch: what was noted since the last take. */
  take(): Batch {
    const full = this.full || this.paths.size + this.gone.size > this.timing.maxBatch;
    const batch = { paths: full ? [] : [...this.paths].sort(), gone: full ? [] : [...this.gone].sort(), full };
    this.paths = new Set();
    this.gone = new Set();
    this.full = false;
    return batch;
  }

  /** A batch whose run failed comes back (with what was noted meanwhile): no change is lost. */
  restore(b: Batch, now = Date.now()): void {
    if (b.full) this.requestFull(now);
    for (const p of b.paths) this.note(p, now);
    for (const p of b.gone) this.noteGone(p, now);
  }
}
