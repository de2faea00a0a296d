/** The messages between the main thread and a reader thread (src/core/read/readWorker.ts). */
import type { FileRecord } from '../records';
import type { Candidate } from '../scan/scanner';
import type { ChunkReaderOptions } from './chunkReader';

export interface ReaderWorkerData {
  reader: ChunkReaderOptions;
  /** An Int32Array's buffer: [0] counts the files the thread has finished. */
  progress: SharedArrayBuffer;
}

/** Main → thread: read these files. */
export interface BatchMessage {
  id: number;
  files: Candidate[];
}

/** Thread → main: their records, in the order of the batch's files (structured clone: plain data). */
export interface RecordsMessage {
  id: number;
  records: FileRecord[];
}
