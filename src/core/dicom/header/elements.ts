/**
 * The top-level element loop of a data set, up to the pixel data (dicomParser.parseDicomDataSet*
 * does the same, but gives up on the first bad element). A sequence of defined length whose items
 * dicom-parser cannot read is kept as an opaque element and skipped, so the rest of the header is
 * still read.
 */
import * as dicomParser from 'dicom-parser';
import { vrOf } from '../dictionary';
import type { Budget } from './budget';
import { fastPathCost, readSimpleExplicitLE } from './fastPath';
import { BudgetExceeded, BytePlace, endsInsideElementHeader, endsInsideValue, isStackOverflow, nestedTooDeep, nestedTooDeepIn, ReadProblem, sequenceSkipped, unreadableElement } from './problems';
import type { Problem } from './types';
import { DP_MISREAD_VRS, LONG_LENGTH_VRS } from './vr';

/** dicom-parser's key of the pixel data element, where the header ends. */
export const PIXEL_DATA = 'x7fe00010';

const UNDEFINED_LENGTH = 0xffffffff;

/** The state of one pass of the element loop over a file's bytes: its budget, where its bytes lie, what it skipped. */
export class ElementLoop {
  /** Sequences skipped for a limit of ours (nesting deeper than the stack allows): they make the file partial. */
  skippedCount = 0;
  private firstSkipped: string | null = null;

  constructor(
    readonly budget: Budget,
    readonly place: BytePlace,
  ) {}

  /** Notes a sequence skipped for a limit of ours. */
  skip(tag: string): void {
    this.firstSkipped ??= tag;
    this.skippedCount++;
  }

  /** Why part of the header was skipped, if a part was. */
  skipped(): Problem | null {
    return this.firstSkipped === null ? null : sequenceSkipped(this.firstSkipped, this.skippedCount);
  }
}

/**
 * Reads the elements of `ds` from `stream` to the pixel data or the end of the bytes. Explicit VR
 * little endian elements of defined length that are not sequences take the fast path (when
 * `fastLittleEndian`); everything else goes through dicom-parser's element readers. Throws a
 * ReadProblem for an element that cannot be read.
 */
export function readElements(ds: dicomParser.DataSet, stream: dicomParser.ByteStream, explicit: boolean, fastLittleEndian: boolean, loop: ElementLoop): void {
  const arr = stream.byteArray;
  const end = arr.length;
  const fast = explicit && fastLittleEndian;
  const elements = ds.elements;
  const budget = loop.budget;
  const vrCallback = vrOf as (tag: string) => string;
  while (stream.position < end) {
    if (fast) {
      const simple = readSimpleExplicitLE(arr, stream.position, end);
      if (simple !== null) {
        budget.spend(fastPathCost(simple));
        elements[simple.tag] = simple;
        if (simple.tag === PIXEL_DATA) return;
        stream.position = simple.dataOffset + simple.length;
        continue;
      }
    }
    const start = stream.position;
    let el: dicomParser.Element;
    if (explicit && start + 6 <= end && DP_MISREAD_VRS.has(String.fromCharCode(arr[start + 4], arr[start + 5]))) {
      // OV, SV, UV: a 4-byte length that dicom-parser reads as 2 bytes; read here (PS3.5 7.1.2).
      const head = readElementHead(stream, true);
      if (!head || head.length === UNDEFINED_LENGTH || head.dataOffset + head.length > end) {
        stream.position = start;
        throw new ReadProblem(elementProblem(new Error('element ends past the data'), head, start, stream, loop.place));
      }
      budget.spend(2);
      elements[head.tag] = { tag: head.tag, vr: head.vr, length: head.length, dataOffset: head.dataOffset };
      stream.position = head.dataOffset + head.length;
      continue;
    }
    try {
      el = explicit ? dicomParser.readDicomElementExplicit(stream, ds.warnings, PIXEL_DATA) : dicomParser.readDicomElementImplicit(stream, PIXEL_DATA, vrCallback);
    } catch (e) {
      if (e instanceof BudgetExceeded) throw e;
      stream.position = start;
      const head = readElementHead(stream, explicit);
      const isSeq = head && (head.vr === 'SQ' || (!explicit && vrOf(head.tag) === 'SQ'));
      if (!head || !isSeq || head.length === UNDEFINED_LENGTH || head.dataOffset + head.length > end) {
        throw new ReadProblem(elementProblem(e, head, start, stream, loop.place));
      }
      elements[head.tag] = { tag: head.tag, vr: 'SQ', length: head.length, dataOffset: head.dataOffset, items: [] };
      // A sequence dicom-parser cannot read in a valid file (as pydicom reads it) stays a warning;
      // one we gave up on for a limit of ours (nesting deeper than the stack) makes the file partial.
      const overflow = isStackOverflow(e);
      ds.warnings.push(overflow ? sequenceSkipped(head.tag, 1).reason : `${unreadableElement(head.tag, start, e, loop.place).reason}; skipped`);
      if (overflow) loop.skip(head.tag);
      stream.position = head.dataOffset + head.length;
      continue;
    }
    elements[el.tag] = el;
    if (el.tag === PIXEL_DATA) return;
  }
}

interface ElementHead {
  tag: string;
  vr?: string;
  length: number;
  dataOffset: number;
}

/** The tag, VR and length of the element at the stream's position, or null when the bytes end inside them. */
function readElementHead(stream: dicomParser.ByteStream, explicit: boolean): ElementHead | null {
  try {
    const tag = dicomParser.readTag(stream);
    if (!explicit) return { tag, length: stream.readUint32(), dataOffset: stream.position };
    const vr = stream.readFixedString(2);
    if (LONG_LENGTH_VRS.has(vr)) {
      stream.seek(2);
      return { tag, vr, length: stream.readUint32(), dataOffset: stream.position };
    }
    return { tag, vr, length: stream.readUint16(), dataOffset: stream.position };
  } catch {
    return null;
  }
}

/** Why the element at `start` could not be read, from what its head says and what dicom-parser threw. */
function elementProblem(e: unknown, head: ElementHead | null, start: number, stream: dicomParser.ByteStream, place: BytePlace): Problem {
  if (isStackOverflow(e)) return head ? nestedTooDeepIn(head.tag) : nestedTooDeep();
  const end = stream.byteArray.length;
  if (!head) return endsInsideElementHeader(start, start + 4 <= end ? tagAt(stream, start) : null, place);
  if (head.length !== UNDEFINED_LENGTH && head.dataOffset + head.length > end) return endsInsideValue(head.tag, head.length, end - head.dataOffset, place);
  return unreadableElement(head.tag, start, e, place);
}

/** dicom-parser's key of the tag at `pos`, read without the stream (whose reads the budget counts). */
function tagAt(stream: dicomParser.ByteStream, pos: number): string {
  const p = stream.byteArrayParser;
  return 'x' + (p.readUint16(stream.byteArray, pos) * 65536 + p.readUint16(stream.byteArray, pos + 2)).toString(16).padStart(8, '0');
}
