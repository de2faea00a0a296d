/**
 * How many reader threads a run uses (`--jobs N`, the `dicom.index.jobs` setting) and the reader
 * that goes with it: N ≥ 2 reads on N worker threads (WorkerReader) while the main thread writes;
 * 1 reads on the main thread (ChunkReader); `auto`, the measured choice of the README's Performance
 * section, may also be one reader thread (on 2–3 cores): see autoThreads.
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

/** On 2–3 cores, runs of at least this many files read on one reader thread beside the writer (measured break-even: 6,000 CT slices). */
export const MIN_FILES_FOR_ONE_THREAD = 10_000;

/**
 * Reader threads for a run (0: the main thread reads and writes, no thread). `--jobs 1` is 0,
 * `--jobs N` is N. `auto`, from the measurements in the README's Performance section:
 * - 4 or more cores: one reader thread per core beyond the two the writer and V8 use (the main
 *   thread writes, V8's collector and compiler threads run beside it), at most 8, for runs of at
 *   least MIN_FILES_FOR_THREADS files;
 * - 2 or 3 cores: one reader thread for runs of at least MIN_FILES_FOR_ONE_THREAD files (the
 *   writer on one core, the reader on the other; two reader threads were slower: 3 busy threads);
 * - otherwise none: starting a thread and warming its JIT costs more than it saves.
 */
export function autoThreads(filesToRead: number, cores = os.availableParallelism()): number {
  if (cores >= 4) return filesToRead >= MIN_FILES_FOR_THREADS ? Math.min(8, cores - 2) : 0;
  if (cores >= 2) return filesToRead >= MIN_FILES_FOR_ONE_THREAD ? 1 : 0;
  return 0;
}

export function readerThreads(setting: JobsSetting | undefined, filesToRead: number, cores?: number): number {
  if (setting === undefined || setting === 'auto') return autoThreads(filesToRead, cores);
  const n = Math.max(1, Math.min(MAX_JOBS, Math.floor(setting)));
  return n === 1 ? 0 : n;
}

export type ThreadOptions = Omit<WorkerReaderOptions, 'reader' | 'jobs'>;

/** The reader of a run: `threads` reader threads (WorkerReader), or none (ChunkReader on this thread). */
export function newRecordReader(reader: ChunkReaderOptions, threads: number, opts: ThreadOptions = {}): RecordReader {
  if (threads >= 1) {
    opts.log?.(`reading on ${threads} reader thread${threads === 1 ? '' : 's'}`);
    return new WorkerReader({ ...opts, reader, jobs: threads });
  }
  return new ChunkReader(reader);
}
