/**
 * What an index run tells an observer as it goes (metrics, machine logs, the watch loop): typed
 * events with counts, sizes and durations only — never a tag value, a path below the root or any
 * patient data. The indexers (indexer.ts, indexPostgres.ts) call `emit`; an observer that throws
 * never stops a run.
 */
import type { ErrorKind, FileStatus } from '../dicom/header/types';
import type { QueryStore } from '../store/queryStore';

export type StoreKind = 'sqlite' | 'postgresql';

/** Why something failed: a file's read (the reader's kinds), the scan of a folder, the store. */
export type FailureKind = ErrorKind | 'scan' | 'store';

export type RunEvent =
  /** The scan and the comparison with the index: what this run will read and forget. */
  | { type: 'planned'; store: StoreKind; candidates: number; toRead: number; toForget: number; ms: number }
  /** One file read and parsed (bytes actually read; ms from the start of its read to its record). */
  | { type: 'file-read'; status: FileStatus; bytes: number; ms: number }
  /** A batch of records written (committed) to the store. */
  | { type: 'batch-written'; store: StoreKind; files: number; ms: number }
  /** The index file saved (the SQLite store: the whole file, written atomically). */
  | { type: 'saved'; store: StoreKind; ms: number }
  /** Something failed: a file (its read's kind), a folder the scan could not list, the store. */
  | { type: 'error'; kind: FailureKind }
  /** The run ended (completed or cancelled); the counts of its summary. */
  | { type: 'finished'; store: StoreKind; cancelled: boolean; candidates: number; read: number; unchanged: number; removed: number; counts: Record<FileStatus, number>; ms: number };

export interface RunObserver {
  event(e: RunEvent): void;
  /**
   * Called once per run after the dataset checks are refreshed, with the store still open, for an
   * observer that reads the index itself (the metrics' counts by check).
   */
  afterChecks?(store: QueryStore): Promise<void>;
}

/** Hands an event to the observer, if any; an observer's failure is not the run's. */
export function emit(observer: RunObserver | undefined, e: RunEvent): void {
  if (!observer) return;
  try {
    observer.event(e);
  } catch {
    /* an observer never stops a run */
  }
}

/** Several observers as one (metrics and logs side by side). */
export function observers(...list: (RunObserver | undefined)[]): RunObserver | undefined {
  const all = list.filter((o): o is RunObserver => !!o);
  if (all.length <= 1) return all[0];
  return {
    event: (e) => all.forEach((o) => emit(o, e)),
    afterChecks: async (store) => {
      for (const o of all) await o.afterChecks?.(store).catch(() => undefined);
    },
  };
}

/** `afterChecks` of the observer, whose failure (a query of its own) is not the run's. */
export async function observeStore(observer: RunObserver | undefined, store: QueryStore): Promise<void> {
  await observer?.afterChecks?.(store).catch(() => undefined);
}
