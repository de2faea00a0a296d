/** What the reader makes of each file and what the index remembers of it: the records the indexer passes between them. */
import type { FieldValues } from './dicom/fields';
import type { ErrorKind, FileStatus } from './dicom/header/types';
import type { PixelSummary } from './dicom/pixelStats';
import type { FrameValues } from './dicom/extract';

export interface FileRecord {
  /** Relative to the root, `/`-separated. */
  relPath: string;
  size: number;
  mtimeMs: number;
  status: FileStatus;
  /** One line for people: why the file is not `ok`. */
  error: string | null;
  /** What kind of failure `error` is (null when `error` is): decides what is retried. */
  errorKind: ErrorKind | null;
  values?: FieldValues;
  sliceThicknessInvalid?: string | null;
  pixel?: PixelSummary | null;
  /** Enhanced multi-frame objects: each frame's geometry. */
  frames?: FrameValues[] | null;
  /** Bytes the reader read of the file, and the time from the start of its read to this record (ms): for metrics. */
  bytesRead?: number;
  readMs?: number;
  /** The index has no row for this path yet (a fresh file): nothing old to delete first. */
  isNew?: boolean;
}

/** Whether a file found on disk must be read: new to the index, its last read failed for a system reason, or its size or mtime changed. */
export function mustRead(found: { size: number; mtimeMs: number }, known: KnownFile | undefined): boolean {
  return !known || known.retry || known.size !== found.size || known.mtimeMs !== Math.round(found.mtimeMs);
}

export interface KnownFile {
  id: number;
  size: number;
  mtimeMs: number;
  status: FileStatus;
  /** The last read failed for a reason of the system's (error kind `io`): read it again. */
  retry: boolean;
}
