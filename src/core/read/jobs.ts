/**
 * How many reader threads a run uses (`--jobs N`, the `dicom.index.jobs` setting) and the reader
 * that goes with it: N ≥ 2 reads on N worker threads (WorkerReader) while the main thread writes;
 * 1 reads on the main thread (ChunkReader). `auto` is the measured choice of the README's
 * Performance section: see autoJobs.
 */
import * as os from 'node:os';
import { ChunkReader, type ChunkReaderOptions, type RecordReader } from './chunkReader';
import { WorkerReader, type WorkerReaderOptions } from './workerReader';

export type JobsSetting = number | 'auto';

/** The most reader threads a run starts (a writer on one thread keeps at most a few busy). */
export const MAX_JOBS = 64;

/** Runs reading fewer files than this use no threads (starting them costs more than they save). */
export const MIN_FILES_FOR_THREADS = 5000;

/** `auto`, or a whole number 1–64; anything else: null. */
export function parseJobs(text: string): JobsSetting | null {
  if (text === 'auto') return 'auto';
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= MAX_JOBS ? n : null;
}

/**
 * `auto`: the main thread alone on fewer than 4 cores (measured on 2: threads were slower, see the
 * README), otherwise one reader thread per core beyond the two the writer and V8 use (the main
 * thread writes, V8's collector and compiler threads run beside it), at most 8; no threads for a
 * run of fewer than MIN_FILES_FOR_THREADS files.
 */
export function autoJobs(filesToRead: number, cores = os.availableParallelism()): number {
  if (cores < 4 || filesToRead < MIN_FILES_FOR_THREADS) return 1;
  return Math.min(8, cores - 2);
}

export function resolveJobs(setting: JobsSetting | undefined, filesToRead: number): number {
  if (setting === undefined || setting === 'auto') return autoJobs(filesToRead);
  return Math.max(1, Math.min(MAX_JOBS, Math.floor(setting)));
}

export type ThreadOptions = Omit<WorkerReaderOptions, 'reader' | 'jobs'>;

export function newRecordReader(reader: ChunkReaderOptions, jobs: number, threads: ThreadOptions = {}): RecordReader {
  // DICOM_INDEX_THREADS_FOR_ONE=1 (the benchmark): one reader thread beside the writer, for measuring it.
  return jobs > 1 || process.env.DICOM_INDEX_THREADS_FOR_ONE === '1' ? new WorkerReader({ ...threads, reader, jobs }) : new ChunkReader(reader);
}
