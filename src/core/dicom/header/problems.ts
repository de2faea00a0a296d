/** Every reason the header reader gives for a file that is not `ok`, one line each, with its kind. */
import { formatCount } from '../../../shared/summaryFormat';
import type { ErrorKind, FileStatus, HeaderRead, ParseResult, Problem } from './types';

const problem = (kind: ErrorKind, reason: string): Problem => ({ kind, reason });

/** Where a byte lies: `at byte 8,130 of 8,192` (of the inflated data set when it was deflated). */
export interface BytePlace {
  /** What is read: "the file", or "the deflated data set" for offsets in inflated bytes. */
  readonly subject: string;
  /** A position in the parsed bytes as a byte of `subject`, and the length of `subject`. */
  at(position: number): string;
}

const tagText = (tag: string) => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;

/** dicom-parser's or Node's message, on one line. */
export function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  const oneLine = String(text).replace(/^dicomParser\.\w+: ?/, '').replace(/\s+/g, ' ').trim();
  if (isStackOverflow(e)) return 'sequences nested too deep';
  return oneLine.slice(0, 300) || 'unreadable';
}

// ---------------------------------------------------------------------------------------------
// Not DICOM

export const emptyFile = (): Problem => problem('format', 'empty file');
export const noMarkerNoElements = (): Problem => problem('format', 'no DICM marker and no recognisable DICOM data set');
export const tooShort = (_n: number): Problem => problem('format', 'too short for DICOM');
export const markerWithoutElements = (): Problem => problem('format', 'DICM marker but no DICOM elements after it');
export const tooFewElements = (): Problem => problem('format', 'no DICM marker, no file meta, fewer than 3 public tags in groups 0008-0028');

// ---------------------------------------------------------------------------------------------
// Damaged

export const noDataSet = (): Problem => problem('format', 'no data set after the file meta');
export const noReadableElement = (): Problem => problem('format', 'no readable data element after the file meta');
export const headerEndsEarly = (): Problem => problem('format', 'header ends early');
export const deflateDamaged = (e: unknown): Problem => problem('format', `corrupt deflate stream (${(e as Error).message})`);

/** An element whose value runs past the end. */
export function endsInsideValue(tag: string, length: number, present: number, _place: BytePlace): Problem {
  return problem('format', `${tagText(tag)} declared ${length} bytes, ${Math.max(0, present)} present`);
}

/** A sequence that dicom-parser could not read, kept opaque. */
export const sequenceUnreadable = (tag: string, e: unknown): string => `${tagText(tag)} sequence unreadable (${describe(e)}), skipped`;

/** A failure of the element loop. */
export const elementUnreadable = (e: unknown): Problem => problem(isStackOverflow(e) ? 'limit' : 'format', describe(e));

/** A failure of dicom-parser's file meta reader. */
export const metaUnreadable = (e: unknown): Problem => problem('format', `file meta: ${describe(e)}`);

// ---------------------------------------------------------------------------------------------
// Our limits

export const headerTooLarge = (maxBytes: number): Problem => problem('limit', `header longer than the ${maxBytes / 1048576} MiB limit`);
export const tooManyElements = (max: number): Problem => problem('limit', `header has more than ${formatCount(max)} elements`);
export const parseTooSlow = (maxMs: number): Problem => problem('limit', `header took longer than ${maxMs / 1000} s to parse`);
export const inflatesTooLarge = (max: number): Problem => problem('limit', `deflated data set expands beyond ${max / 1048576} MiB`);
export const deflatedNotRead = (): Problem => problem('limit', 'deflated data set not read');

/** A sequence kept opaque because its items are nested deeper than the reader's stack allows. */
export const sequenceSkipped = (tag: string, _count: number): Problem => problem('limit', `${tagText(tag)} sequence unreadable (sequences nested too deep), skipped`);

// ---------------------------------------------------------------------------------------------
// The system

/** A failed system call, as a reason. */
export function ioProblem(e: unknown): Problem {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return problem('io', 'permission denied');
    case 'ENOENT':
      return problem('io', 'file disappeared before it was read');
    case 'EISDIR':
      return problem('io', 'is a directory');
    case 'ESPIPE':
      return notRegularFile();
    case 'ELOOP':
      return problem('io', 'symbolic link loop');
    default:
      return problem('io', err?.code ? `cannot read (${err.code})` : `cannot read (${String(err?.message ?? e)})`);
  }
}

/** A path that is not a regular file. */
export const notRegularFile = (_what?: string): Problem => problem('io', 'not a regular file');

/**
 * Whether a file's recorded error was the system refusing or failing the read (permissions, a file
 * gone, an I/O error, too many open files), which a later run may not meet again, unlike a damaged
 * file, which stays damaged until it changes.
 * @deprecated Decide from the record's `errorKind` (`'io'`), not from its text.
 */
export function isReadFailure(error: string | null): boolean {
  return error !== null && (error === 'permission denied' || error.startsWith('file disappeared') || error.startsWith('cannot read ('));
}

// ---------------------------------------------------------------------------------------------
// Records of failures

/** A parse result without a data set. */
export function blank(status: FileStatus, p: Problem): ParseResult {
  return { status, error: p.reason, errorKind: p.kind, dataSet: null, transferSyntax: null, part10: false, pixelData: null };
}

/** The record of a file that failed before anything was parsed. */
export function failure(status: FileStatus, p: Problem, size: number, mtimeMs: number): HeaderRead {
  return { ...blank(status, p), size, mtimeMs, bytesRead: 0 };
}

/** Thrown inside the parse to stop it with a problem (caught by the parse, never by callers). */
export class ReadProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.reason);
  }
}

/** A per-file limit (elements, time) stopped the parse: reading more of the file cannot help. */
export class BudgetExceeded extends ReadProblem {}

export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}
