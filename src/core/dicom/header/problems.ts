/**
 * Every reason the header reader gives for a file that is not `ok`: one line in plain language, with
 * the figures we have (bytes, counts, limits), never a tag value; each with its kind. The Problems
 * list, the hover and the CSV show these words as they are.
 */
import { formatCount } from '../../../shared/format';
import { lookupTag } from '../dictionary';
import type { ErrorKind, FileStatus, HeaderRead, ParseResult, Problem } from './types';

const PIXEL_DATA = 'x7fe00010';

const problem = (kind: ErrorKind, reason: string): Problem => ({ kind, reason });
const mib = (bytes: number) => `${formatCount(bytes / 1048576)} MiB`;
const bytes = (n: number) => `${formatCount(n)} byte${n === 1 ? '' : 's'}`;

/** `(0008,1030) StudyDescription`, or `(0009,1010)` for a tag the dictionary does not name. */
export function elementName(tag: string): string {
  const t = `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;
  const keyword = lookupTag(tag)?.keyword.replace(/^RETIRED_/, '');
  return keyword ? `${t} ${keyword}` : t;
}

/** Where a byte lies: `at byte 8,130 of 8,192` (of the inflated data set when it was deflated). */
export interface BytePlace {
  /** What is read: "the file", or "the deflated data set" for offsets in inflated bytes. */
  readonly subject: string;
  /** A position in the parsed bytes as a byte of `subject`, and the length of `subject`. */
  at(position: number): string;
}

// ---------------------------------------------------------------------------------------------
// Not DICOM

export const emptyFile = (): Problem => problem('format', 'empty file');
export const noMarkerNoElements = (): Problem => problem('format', 'not a DICOM file (no DICM marker and no recognisable data element)');
export const tooShort = (n: number): Problem => problem('format', `not a DICOM file (${bytes(n)}: too short for DICOM)`);
export const markerWithoutElements = (): Problem => problem('format', 'not a DICOM file (a DICM marker, but no data element after it)');
export const tooFewElements = (): Problem =>
  problem('format', 'not a DICOM file (no DICM marker, no file meta information and fewer than 3 recognisable data elements)');

// ---------------------------------------------------------------------------------------------
// Damaged

export const metaEndsEarly = (): Problem => problem('format', 'the file ends inside its file meta information');
export const metaDamaged = (): Problem => problem('format', 'the file meta information is damaged');
export const noDataSet = (): Problem => problem('format', 'the file ends after its file meta information (there is no data set)');
export const noReadableElement = (): Problem => problem('format', 'the data set after the file meta information is damaged: none of its elements can be read');
export const headerEndsEarly = (): Problem => problem('format', 'the file ends before its header does');
export const deflateDamaged = (): Problem => problem('format', 'the deflated data set is damaged (it cannot be inflated)');
export const valuesUndecodable = (): Problem => problem('format', 'the header was read, but its values could not be decoded');

/** An element whose value runs past the end: `the file ends inside (0008,1030) StudyDescription: 10 of its 20 bytes are there`. */
export function endsInsideValue(tag: string, length: number, present: number, place: BytePlace): Problem {
  const what = tag === PIXEL_DATA ? 'the pixel data' : elementName(tag);
  return problem('format', `${place.subject} ends inside ${what}: ${formatCount(Math.max(0, present))} of its ${bytes(length)} are there`);
}

/** The bytes end before an element's tag, VR and length do (`tag` when its 4 bytes are there). */
export function endsInsideElementHeader(start: number, tag: string | null, place: BytePlace): Problem {
  const what = tag ? `${elementName(tag)}, before its value` : 'an element';
  return problem('format', `${place.subject} ends inside ${what} (${place.at(start)})`);
}

/** A sequence or element of undefined length (or a sequence's items) that dicom-parser could not read to its end. */
export function unreadableElement(tag: string, start: number, e: unknown, place: BytePlace): Problem {
  const name = elementName(tag);
  switch (parserTrouble(e)) {
    case 'ends':
      return problem('format', `${place.subject} ends inside ${name}, which starts ${place.at(start)}`);
    case 'items':
      return problem('format', `${name} is damaged: one of its items does not start with an item tag (the element starts ${place.at(start)})`);
    default:
      return problem('format', `${name} is damaged (the element starts ${place.at(start)})`);
  }
}

/** A failure outside any one element we could name. */
export const dataSetUnreadable = (position: number, place: BytePlace): Problem =>
  problem('format', `the data set cannot be read (it is damaged ${place.at(position)})`);

/** A failure of dicom-parser's file meta reader. */
export const metaUnreadable = (e: unknown): Problem => (parserTrouble(e) === 'ends' ? metaEndsEarly() : metaDamaged());

/**
 * What went wrong in dicom-parser, from the text it throws (strings, not error classes): the bytes
 * ended (`ends`), a sequence item was not where one should be (`items`), or anything else.
 */
function parserTrouble(e: unknown): 'ends' | 'items' | 'other' {
  const text = e instanceof Error ? e.message : String(e);
  if (/past end|overread|overrun|maxP ?osition|greater than or equal to/i.test(text)) return 'ends';
  if (/item tag|basic offset table/i.test(text)) return 'items';
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// Our limits

export const headerTooLarge = (maxBytes: number): Problem => problem('limit', `the header is larger than the ${mib(maxBytes)} limit`);
export const tooManyElements = (max: number): Problem => problem('limit', `the header has more than ${formatCount(max)} elements (the limit)`);
export const parseTooSlow = (maxMs: number): Problem => problem('limit', `the header took longer than the ${formatCount(maxMs / 1000)} s limit to parse`);
export const inflatesTooLarge = (max: number): Problem => problem('limit', `the deflated data set expands beyond the ${mib(max)} limit`);
export const deflatedNotRead = (): Problem => problem('limit', 'the deflated data set is too large to read');
export const nestedTooDeep = (): Problem => problem('limit', 'the sequences are nested too deep to read');

/** A sequence whose items are nested deeper than the reader's stack allows. */
export const nestedTooDeepIn = (tag: string): Problem => problem('limit', `${elementName(tag)}: its sequences are nested too deep to read`);

/** A sequence kept opaque because its items are nested deeper than the reader's stack allows. */
export function sequenceSkipped(tag: string, count: number): Problem {
  const more = count > 1 ? ` (${formatCount(count)} sequences skipped)` : '';
  return problem('limit', `${elementName(tag)} skipped: its sequences are nested too deep to read${more}`);
}

// ---------------------------------------------------------------------------------------------
// The system

/** A failed system call, as a reason: `cannot be read: permission denied`. */
export function ioProblem(e: unknown): Problem {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return problem('io', 'cannot be read: permission denied');
    case 'ENOENT':
      return problem('io', 'cannot be read: the file disappeared after the folder was scanned');
    case 'EISDIR':
      return notRegularFile('a folder');
    case 'ESPIPE':
      return notRegularFile('a pipe or socket');
    case 'ELOOP':
      return problem('io', 'cannot be read: a loop of symbolic links');
    case 'EIO':
      return problem('io', 'cannot be read: input/output error (EIO; the disk or network file system failed)');
    case 'EMFILE':
    case 'ENFILE':
      return problem('io', `cannot be read: too many open files (${code})`);
    case 'ETIMEDOUT':
      return problem('io', 'cannot be read: the read timed out (ETIMEDOUT)');
    case 'ESTALE':
      return problem('io', 'cannot be read: the network file system lost the file (ESTALE)');
    case 'ENOMEM':
      return problem('io', 'cannot be read: out of memory (ENOMEM)');
    default:
      return code && /^E[A-Z0-9]+$/.test(code) ? problem('io', `cannot be read: system error ${code}`) : unexpected();
  }
}

/** A path that is not a regular file (`what` it is, when known). */
export const notRegularFile = (what?: string): Problem => problem('io', what ? `not a regular file (${what})` : 'not a regular file');

/** A failure the reader did not foresee; read again next run. */
export const unexpected = (): Problem => problem('io', 'cannot be read: an unexpected error in the reader');

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

// ---------------------------------------------------------------------------------------------
// A reader thread stopped on a file (`--jobs`): the file is reported, the run goes on

/** The file's read made no progress for `ms`: the thread reading it was stopped and replaced. */
export const readerHung = (ms: number): Problem => problem('limit', `reading it took longer than ${ms < 1000 ? `${formatCount(ms)} ms` : `${formatCount(ms / 1000)} s`}: the reader thread was stopped`);
/** The thread reading the file crashed on it (out of memory, or an error it could not catch). */
export const readerCrashed = (what: string): Problem => problem('limit', `the reader thread stopped on this file (${what})`);
