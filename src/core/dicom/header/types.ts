/** What reading one file's header gives: its status, the reason and kind of a failure, the parsed data set. */
import type * as dicomParser from 'dicom-parser';

export type FileStatus = 'ok' | 'partial' | 'error' | 'not_dicom';

/**
 * Why a file is not `ok`, for deciding what to do with it (the reason text is for people only):
 * - `io`: the system refused or failed the read (permissions, a file gone, an I/O error, too many
 *   open files, not a regular file); a later run may not meet it again.
 * - `format`: the bytes are not DICOM, or damaged; they stay so until the file changes.
 * - `limit`: one of this reader's caps (header size, element count, parse time, inflated size).
 */
export type ErrorKind = 'io' | 'format' | 'limit';

/** A failure: its kind and a one-line reason a person can act on. */
export interface Problem {
  readonly kind: ErrorKind;
  readonly reason: string;
}

export interface ReadLimits {
  /** Size of the first read. 16 KiB measured best here (see the benchmark). */
  firstRead: number;
  /** The most we read to find the end of a header. */
  maxHeaderBytes: number;
  /** The most a deflated data set may inflate to. */
  maxInflatedBytes: number;
  /**
   * The most data elements (sequence items and nested elements included) one parse may read:
   * a header of millions of tiny elements costs seconds and gigabytes otherwise.
   */
  maxElements?: number;
  /** The most time the parsing of one file may take (ms), all of its reads together. */
  maxParseMs?: number;
}

export const DEFAULT_LIMITS: ReadLimits = {
  firstRead: 16 * 1024,
  maxHeaderBytes: 64 * 1024 * 1024,
  maxInflatedBytes: 256 * 1024 * 1024,
  maxElements: 250_000,
  maxParseMs: 2_000,
};

export interface PixelDataLocation {
  /** Offset of the value in `dataSet.byteArray`, and in the file unless the data set was inflated. */
  readonly offset: number;
  /** Declared length in bytes; undefined for encapsulated (compressed) pixel data. */
  readonly length: number | undefined;
  readonly encapsulated: boolean;
}

export interface HeaderRead {
  status: FileStatus;
  /** One line: why the file is not `ok`, in words a person can act on. */
  error: string | null;
  /** What kind of failure `error` is; null when the file is `ok`. */
  errorKind: ErrorKind | null;
  size: number;
  mtimeMs: number;
  bytesRead: number;
  dataSet: dicomParser.DataSet | null;
  transferSyntax: string | null;
  part10: boolean;
  pixelData: PixelDataLocation | null;
}

/** A parse of the bytes read so far: a HeaderRead without what only the file's reads know. */
export type ParseResult = Omit<HeaderRead, 'size' | 'mtimeMs' | 'bytesRead'>;

/** Time spent opening files and reading their first chunk (for the choice of synchronous or asynchronous reads). */
export interface IoTiming {
  ms: number;
  reads: number;
}

/** The scan's size and mtime of a file, which spare the reader an fstat. */
export interface KnownStat {
  size: number;
  mtimeMs: number;
}
