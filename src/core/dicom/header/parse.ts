/**
 * Parsing the bytes read so far of one file: file meta (if any), then the data set up to the pixel
 * data with dicom-parser's own element readers, checked against the bytes (a meta that claims an
 * encoding the data does not have is read as the data really is, as pydicom and GDCM do).
 */
import * as dicomParser from 'dicom-parser';
import { formatCount } from '../../../shared/format';
import { Budget, ParseClock } from './budget';
import { ElementLoop, PIXEL_DATA, readElements } from './elements';
import { detectEncoding } from './encoding';
import { readFileMeta } from './fileMeta';
import { inflate } from './inflate';
import { classify, sniffLayout } from './layout';
import {
  blank,
  BudgetExceeded,
  BytePlace,
  dataSetUnreadable,
  deflateDamaged,
  deflatedNotRead,
  endsInsideValue,
  headerEndsEarly,
  isStackOverflow,
  metaEndsEarly,
  nestedTooDeep,
  noDataSet,
  ReadProblem,
} from './problems';
import { DEFLATE, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from './transferSyntaxes';
import { DEFAULT_LIMITS, ParseResult, Problem, ReadLimits } from './types';

export interface ParseOptions {
  /** Read simple explicit VR little endian elements without dicom-parser's reader (default true; tests compare both). */
  fastPath?: boolean;
}

export type Attempt = { kind: 'done'; result: ParseResult } | { kind: 'more'; need: number; fallback: ParseResult };

/** What a file without preamble gets in front of its meta, so that dicom-parser reads it as Part 10. */
const PREAMBLE_AND_MARKER = 132;

/**
 * Parses the bytes read so far. `fileSize` tells whether more of the file exists; when the header
 * goes on past `bytes`, says how much to read next. `clock` is the parse time this file has spent
 * so far (its earlier, shorter reads).
 */
export function parseBytes(bytes: Uint8Array, fileSize: number, limits: ReadLimits = DEFAULT_LIMITS, opts: ParseOptions = {}, clock = new ParseClock()): Attempt {
  const complete = bytes.length >= fileSize;
  const sniff = sniffLayout(bytes);
  if (sniff.kind === 'not_dicom') return { kind: 'done', result: blank('not_dicom', sniff.problem) };
  let input = bytes;
  if (sniff.kind === 'meta-without-preamble') {
    const padded = new Uint8Array(bytes.length + PREAMBLE_AND_MARKER);
    padded.set([0x44, 0x49, 0x43, 0x4d], 128);
    padded.set(bytes, PREAMBLE_AND_MARKER);
    input = padded;
  }
  const offsetShift = input === bytes ? 0 : PREAMBLE_AND_MARKER;
  const part10 = sniff.kind !== 'raw';
  const parsed = parseDataSet(input, sniff.kind === 'raw' ? sniff.transferSyntax : null, complete, limits, opts.fastPath !== false, clock, offsetShift);
  if (parsed === 'need-whole-file') return { kind: 'more', need: fileSize, fallback: blank('error', deflatedNotRead()) };
  const { dataSet, failure, skipped, place } = parsed;
  const ts = parsed.transferSyntax;
  const pixel = dataSet?.elements[PIXEL_DATA];
  if (!complete && !parsed.final && (failure !== null || !pixel)) {
    // Ran off the end of what we read (or stopped cleanly at its edge): read more.
    const maxEnd = dataSet ? furthestEnd(dataSet) - offsetShift : 0;
    return {
      kind: 'more',
      need: maxEnd > bytes.length ? maxEnd + 4096 : bytes.length * 2,
      fallback: classify(dataSet, ts, part10, failure ?? headerEndsEarly(), sniff.kind),
    };
  }
  if (failure !== null) return { kind: 'done', result: classify(dataSet, ts, part10, failure, sniff.kind) };
  const result = classify(dataSet, ts, part10, null, sniff.kind);
  if (result.status === 'ok' && dataSet) {
    const inflated = ts === DEFLATE;
    const size = inflated ? dataSet.byteArray.length : fileSize + offsetShift;
    if (pixel) {
      const encapsulated = pixel.length === 0xffffffff || !!pixel.hadUndefinedLength;
      result.pixelData = { offset: pixel.dataOffset - (inflated ? 0 : offsetShift), length: encapsulated ? undefined : pixel.length, encapsulated };
      if (!encapsulated && pixel.dataOffset + pixel.length > size) markPartial(result, endsInsideValue(PIXEL_DATA, pixel.length, size - pixel.dataOffset, place));
    }
    // Elements parsed before the pixel data of a partial read all lie inside it: only a complete
    // read can have one that claims to run past the end of the file.
    const over = complete ? overrun(dataSet, size, place) : null;
    if (over && result.status === 'ok') markPartial(result, over);
    if (skipped && result.status === 'ok') markPartial(result, skipped);
  }
  return { kind: 'done', result };
}

function markPartial(r: ParseResult, p: Problem): void {
  r.status = 'partial';
  r.error = p.reason;
  r.errorKind = p.kind;
}

interface Parsed {
  dataSet: dicomParser.DataSet | null;
  transferSyntax: string | null;
  failure: Problem | null;
  /** Why a part of the header was skipped (an unreadable sequence), if one was. */
  skipped?: Problem | null;
  /** A limit stopped the parse: reading more of the file cannot help. */
  final?: boolean;
  /** How positions in the parsed bytes are told to people. */
  place: BytePlace;
}

/** Positions in `bytes` as bytes of what they hold: the file (shifted by a preamble we added) or an inflated data set from `start`. */
function placeIn(bytes: Uint8Array, shift: number, inflatedFrom: number | null): BytePlace {
  const from = inflatedFrom ?? shift;
  return {
    subject: inflatedFrom === null ? 'the file' : 'the deflated data set',
    at: (position: number) => `at byte ${formatCount(position - from)} of ${formatCount(bytes.length - from)}`,
  };
}

/**
 * Parses file meta (if any) and the data set up to the pixel data with dicom-parser's own element
 * readers. Unlike dicomParser.parseDicom this checks the declared encoding against the bytes
 * (detectEncoding).
 */
function parseDataSet(
  input: Uint8Array,
  rawTransferSyntax: string | null,
  complete: boolean,
  limits: ReadLimits,
  fastPath: boolean,
  clock: ParseClock,
  shift: number,
): Parsed | 'need-whole-file' {
  let metaElements: Record<string, dicomParser.Element> = {};
  let position = 0;
  let declared: string | null = rawTransferSyntax;
  const filePlace = placeIn(input, shift, null);
  if (rawTransferSyntax === null) {
    const meta = readFileMeta(input);
    if ('problem' in meta) return { dataSet: meta.partial, transferSyntax: null, failure: meta.problem, place: filePlace };
    ({ elements: metaElements, end: position, transferSyntax: declared } = meta);
  }
  if (position >= input.length) {
    return { dataSet: withElements(input, metaElements), transferSyntax: declared, failure: !complete ? headerEndsEarly() : position > input.length ? metaEndsEarly() : noDataSet(), place: filePlace };
  }
  let arr = input;
  let place = filePlace;
  if (declared === DEFLATE) {
    if (!complete) return 'need-whole-file';
    try {
      arr = inflate(input, position, limits.maxInflatedBytes);
    } catch (e) {
      return { dataSet: withElements(input, metaElements), transferSyntax: declared, failure: e instanceof ReadProblem ? e.problem : deflateDamaged(), place };
    }
    place = placeIn(arr, 0, position);
  }
  const { explicitVr, bigEndian } = detectEncoding(arr, position, declared);
  const parser = bigEndian ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
  const dataSet = newDataSet(parser, arr, {});
  dataSet.warnings = [];
  let failure: Problem | null = null;
  let final = false;
  const loop = new ElementLoop(new Budget(limits, clock), place);
  const t0 = Date.now();
  if (position >= arr.length) {
    failure = noDataSet();
  } else {
    const stream = new dicomParser.ByteStream(parser, arr, position);
    try {
      loop.budget.watch(stream);
      readElements(dataSet, stream, explicitVr, fastPath && !bigEndian, loop);
    } catch (e) {
      failure = e instanceof ReadProblem ? e.problem : isStackOverflow(e) ? nestedTooDeep() : dataSetUnreadable(stream.position, place);
      final = e instanceof BudgetExceeded;
    }
  }
  clock.usedMs += Date.now() - t0;
  Object.assign(dataSet.elements, metaElements);
  const transferSyntax = declared ?? (explicitVr ? (bigEndian ? EXPLICIT_BE : EXPLICIT_LE) : IMPLICIT_LE);
  return { dataSet, transferSyntax, failure, skipped: loop.skipped(), final, place };
}

/** dicom-parser's DataSet class (exported at run time, not in its typings). */
const DataSet = (dicomParser as unknown as { DataSet: new (p: dicomParser.ByteArrayParser, a: Uint8Array, e: object) => dicomParser.DataSet }).DataSet;

function newDataSet(parser: dicomParser.ByteArrayParser, arr: Uint8Array, elements: Record<string, dicomParser.Element>): dicomParser.DataSet {
  return new DataSet(parser, arr, elements);
}

/** A data set of the file meta elements alone, or null when there are none. */
function withElements(arr: Uint8Array, elements: Record<string, dicomParser.Element>): dicomParser.DataSet | null {
  if (Object.keys(elements).length === 0) return null;
  return newDataSet(dicomParser.littleEndianByteArrayParser, arr, elements);
}

/** Where the furthest value of the top-level elements ends (the pixel data and undefined lengths aside). */
function furthestEnd(ds: dicomParser.DataSet): number {
  let end = 0;
  for (const tag in ds.elements) {
    const el = ds.elements[tag];
    if (tag === PIXEL_DATA || el.length === 0xffffffff) continue;
    end = Math.max(end, el.dataOffset + el.length);
  }
  return end;
}

/** The first element (before the pixel data) whose value runs past `size` bytes. */
function overrun(ds: dicomParser.DataSet, size: number, place: BytePlace): Problem | null {
  for (const tag in ds.elements) {
    const el = ds.elements[tag];
    if (tag === PIXEL_DATA || el.length === 0xffffffff || el.hadUndefinedLength) continue;
    if (el.dataOffset + el.length > size) return endsInsideValue(tag, el.length, size - el.dataOffset, place);
  }
  return null;
}
