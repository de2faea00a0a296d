/**
 * Reads the header of one DICOM file: a small first read, dicom-parser up to the pixel data
 * (x7fe00010), and a larger read only when the header needs it. Never throws for bad files: the
 * result carries a status and a one-line reason.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import { vrOf } from './dictionary';

export type FileStatus = 'ok' | 'partial' | 'error' | 'not_dicom';

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
  /** One line: why the file is not `ok`. */
  error: string | null;
  size: number;
  mtimeMs: number;
  bytesRead: number;
  dataSet: dicomParser.DataSet | null;
  transferSyntax: string | null;
  part10: boolean;
  pixelData: PixelDataLocation | null;
}

const PIXEL_DATA = 'x7fe00010';
/** Read-only, and never blocking on a FIFO that replaced a file after the scan saw it. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
const DEFLATE = '1.2.840.10008.1.2.1.99';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';


/** A read the header process asks for: fill `buf` from `offset` with `length` bytes of the file. */
interface ReadRequest {
  buf: Buffer;
  offset: number;
  length: number;
}

/**
 * The header-reading process, independent of how bytes are read: it yields read requests and
 * receives the number of bytes read, so a synchronous driver (fastest with a warm page cache) and
 * an asynchronous one (overlaps I/O with parsing on a cold cache) share every decision.
 */
function* headerProcess(size: number, mtimeMs: number, limits: ReadLimits, scratch?: Buffer): Generator<ReadRequest, HeaderRead, number> {
  if (size === 0) return failure('not_dicom', 'empty file', 0, mtimeMs);
  // The time budget counts parsing only, over all attempts (not the waits for reads).
  limits = { ...limits, clock: { usedMs: 0 } } as ReadLimits;
  const want = Math.min(size, limits.firstRead);
  let buf = scratch && scratch.length >= want ? scratch : Buffer.allocUnsafe(want);
  let have = yield { buf, offset: 0, length: want };
  for (;;) {
    const attempt = parseBytes(buf.subarray(0, have), have < want ? have : size, limits);
    if (attempt.kind === 'done') return { ...attempt.result, size: have < want ? have : size, mtimeMs, bytesRead: have };
    // The header goes on past what we read: read up to what the parser says it needs.
    const next = Math.min(size, Math.max(attempt.need, have * 2));
    if (have >= size || next <= have || next > limits.maxHeaderBytes) {
      const r = attempt.fallback;
      if (next > limits.maxHeaderBytes && have < size) {
        r.status = r.dataSet && countDataElements(r.dataSet) > 0 ? 'partial' : 'error';
        r.error = `header longer than the ${limits.maxHeaderBytes / 1048576} MiB limit`;
      }
      return { ...r, size, mtimeMs, bytesRead: have };
    }
    const bigger = Buffer.allocUnsafe(next);
    buf.copy(bigger, 0, 0, have);
    buf = bigger;
    const got = yield { buf, offset: have, length: next - have };
    have += got;
    if (have < next) {
      // The file shrank under us (rewritten between scan and read): parse what there is.
      const attemptShort = parseBytes(buf.subarray(0, have), have, limits);
      const r = attemptShort.kind === 'done' ? attemptShort.result : attemptShort.fallback;
      return { ...r, size: have, mtimeMs, bytesRead: have };
    }
  }
}

/** Time spent opening files and reading their first chunk (for the choice of synchronous or asynchronous reads). */
export interface IoTiming {
  ms: number;
  reads: number;
}

/**
 * Reads and parses one file's header with asynchronous I/O. `scratch`, as for readHeaderSync, takes
 * the first read (a fresh 16 KiB buffer per file is external memory that V8 collects with full
 * garbage collections); the result's data set may point into it.
 */
export async function readHeader(
  filePath: string,
  limits: ReadLimits = DEFAULT_LIMITS,
  known?: { size: number; mtimeMs: number },
  scratch?: Buffer,
  syncOpen?: IoTiming,
): Promise<HeaderRead> {
  let fd: number;
  // With `syncOpen` (and the scan's size and mtime) the file is opened and closed synchronously:
  // right after the scan's stat the inode is cached, so that costs a few microseconds on a local
  // disk, where each thread-pool round trip costs far more; only the data read waits. The time the
  // opens take is added to `syncOpen`, so that a caller can tell a network file system.
  const openSync = !!known && !!syncOpen;
  try {
    if (openSync) {
      const t = performance.now();
      fd = fs.openSync(filePath, OPEN_FLAGS);
      syncOpen.ms += performance.now() - t;
      syncOpen.reads++;
    } else {
      fd = await fsOpen(filePath);
    }
  } catch (e) {
    return failure('error', ioReason(e), 0, 0);
  }
  try {
    // With the size and mtime the scan just found, one thread-pool round trip (fstat) less per
    // file. A file that shrank since is caught by the short read; one that grew is re-read by the
    // next run, whose scan sees its new size and mtime.
    const file = known ?? regularFile(await fsFstat(fd));
    if (isRecord(file)) return file;
    const steps = headerProcess(file.size, file.mtimeMs, limits, scratch);
    let step = steps.next();
    while (!step.done) step = steps.next(await readFully(fd, step.value.buf, step.value.offset, step.value.length));
    return step.value;
  } catch (e) {
    return readThrew(e);
  } finally {
    if (openSync) closeQuietly(fd);
    else fs.close(fd, () => undefined);
  }
}

/**
 * The same with synchronous I/O: measurably faster per file when the page cache is warm (no
 * thread-pool round trips). `scratch` is reused for the first read: the result's data set may
 * point into it, so use the result before the next call with the same scratch buffer.
 */
export function readHeaderSync(
  filePath: string,
  limits: ReadLimits = DEFAULT_LIMITS,
  scratch?: Buffer,
  known?: { size: number; mtimeMs: number },
  io?: IoTiming,
): HeaderRead {
  let fd: number;
  const t0 = io ? performance.now() : 0;
  try {
    fd = fs.openSync(filePath, OPEN_FLAGS);
  } catch (e) {
    return failure('error', ioReason(e), 0, 0);
  }
  try {
    // With the scan's size and mtime, one system call (fstat) less per file, as in readHeader.
    const file = known ?? regularFile(fs.fstatSync(fd));
    if (isRecord(file)) return file;
    const steps = headerProcess(file.size, file.mtimeMs, limits, scratch);
    let step = steps.next();
    let first = true;
    while (!step.done) {
      const got = readFullySync(fd, step.value.buf, step.value.offset, step.value.length);
      if (first && io) {
        // The open and the first read: what the page cache (or the disk) costs per file.
        io.ms += performance.now() - t0;
        io.reads++;
        first = false;
      }
      step = steps.next(got);
    }
    return step.value;
  } catch (e) {
    return readThrew(e);
  } finally {
    closeQuietly(fd);
  }
}

/** An open file's size and mtime, or the record of a file that is not a regular file. */
function regularFile(st: fs.Stats): { size: number; mtimeMs: number } | HeaderRead {
  return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : failure('not_dicom', 'not a regular file', 0, st.mtimeMs);
}

const isRecord = (f: { size: number; mtimeMs: number } | HeaderRead): f is HeaderRead => 'status' in f;

/** The record of a read that threw: a directory opened as a file is not DICOM, anything else cannot be read. */
function readThrew(e: unknown): HeaderRead {
  if ((e as NodeJS.ErrnoException).code === 'EISDIR') return failure('not_dicom', 'not a regular file', 0, 0);
  return failure('error', ioReason(e), 0, 0);
}

/** Closes a file read only: an error closing it changes nothing of what was read. */
function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing to do
  }
}

function readFullySync(fd: number, buf: Buffer, offset: number, length: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, offset + got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

export interface ParseOptions {
  /** Read simple explicit VR little endian elements without dicom-parser's reader (default true; tests compare both). */
  fastPath?: boolean;
}

type ParseResult = Omit<HeaderRead, 'size' | 'mtimeMs' | 'bytesRead'>;
type Attempt = { kind: 'done'; result: ParseResult } | { kind: 'more'; need: number; fallback: ParseResult };

/**
 * Parses the bytes read so far. `fileSize` tells whether more of the file exists; when the header
 * goes on past `bytes`, says how much to read next.
 */
export function parseBytes(bytes: Uint8Array, fileSize: number, limits: ReadLimits = DEFAULT_LIMITS, opts: ParseOptions = {}): Attempt {
  const complete = bytes.length >= fileSize;
  const sniff = sniffLayout(bytes);
  if (sniff.kind === 'not_dicom') {
    return { kind: 'done', result: blank('not_dicom', sniff.reason) };
  }
  let input = bytes;
  if (sniff.kind === 'meta-without-preamble') {
    const padded = new Uint8Array(bytes.length + 132);
    padded.set([0x44, 0x49, 0x43, 0x4d], 128);
    padded.set(bytes, 132);
    input = padded;
  }
  const part10 = sniff.kind !== 'raw';
  const parsed = parseDataSet(input, sniff.kind === 'raw' ? sniff.transferSyntax : null, complete, limits, opts.fastPath !== false);
  if (parsed === 'need-whole-file') return { kind: 'more', need: fileSize, fallback: blank('error', 'deflated data set not read') };
  const { dataSet, failure: failureText, skipped } = parsed;
  const ts = parsed.transferSyntax;
  const offsetShift = input === bytes ? 0 : 132;
  const pixel = dataSet?.elements[PIXEL_DATA];
  if (!complete && !parsed.final && (failureText !== null || !pixel)) {
    // Ran off the end of what we read (or stopped cleanly at its edge): read more.
    const maxEnd = dataSet ? furthestEnd(dataSet) - offsetShift : 0;
    return {
      kind: 'more',
      need: maxEnd > bytes.length ? maxEnd + 4096 : bytes.length * 2,
      fallback: classify(dataSet, ts, part10, failureText ?? 'header ends early', sniff.kind),
    };
  }
  if (failureText !== null) {
    return { kind: 'done', result: classify(dataSet, ts, part10, failureText, sniff.kind) };
  }
  const result = classify(dataSet, ts, part10, null, sniff.kind);
  if (result.status === 'ok' && dataSet) {
    const inflated = ts === DEFLATE;
    const size = inflated ? dataSet.byteArray.length : fileSize + offsetShift;
    if (pixel) {
      const encapsulated = pixel.length === 0xffffffff || !!pixel.hadUndefinedLength;
      result.pixelData = { offset: pixel.dataOffset - (inflated ? 0 : offsetShift), length: encapsulated ? undefined : pixel.length, encapsulated };
      if (!encapsulated && pixel.dataOffset + pixel.length > size) {
        result.status = 'partial';
        result.error = `(7FE0,0010) declared ${pixel.length} bytes, ${Math.max(0, size - pixel.dataOffset)} present`;
      }
    }
    // Elements parsed before the pixel data of a partial read all lie inside it: only a complete
    // read can have one that claims to run past the end of the file.
    const over = complete ? overrun(dataSet, size) : null;
    if (over && result.status === 'ok') {
      result.status = 'partial';
      result.error = over;
    }
    if (skipped && result.status === 'ok') {
      result.status = 'partial';
      result.error = skipped;
    }
  }
  return { kind: 'done', result };
}

type Layout =
  | { kind: 'part10' }
  | { kind: 'meta-without-preamble' }
  | { kind: 'raw'; transferSyntax: string }
  | { kind: 'not_dicom'; reason: string };

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));
const FIRST_GROUPS = new Set([0x0000, 0x0002, 0x0004, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028]);

/** Decides how the bytes are laid out: Part 10, file meta without preamble, a bare data set, or not DICOM. */
export function sniffLayout(b: Uint8Array): Layout {
  if (b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) {
    // DICM: but is anything readable after it?
    if (b.length < 140 || !isVr(b[136], b[137])) return { kind: 'not_dicom', reason: 'DICM marker but no DICOM elements after it' };
    return { kind: 'part10' };
  }
  if (b.length < 8) return { kind: 'not_dicom', reason: 'too short for DICOM' };
  const groupLE = b[0] | (b[1] << 8);
  const groupBE = (b[0] << 8) | b[1];
  const explicitVR = isVr(b[4], b[5]);
  if (groupLE === 0x0002 && explicitVR) return { kind: 'meta-without-preamble' };
  if (FIRST_GROUPS.has(groupLE) && groupLE !== 0) return { kind: 'raw', transferSyntax: explicitVR ? EXPLICIT_LE : IMPLICIT_LE };
  if (FIRST_GROUPS.has(groupBE) && groupBE !== 0 && explicitVR) return { kind: 'raw', transferSyntax: EXPLICIT_BE };
  return { kind: 'not_dicom', reason: 'no DICM marker and no recognisable DICOM data set' };
}

function isVr(a: number, b: number): boolean {
  return VRS.has(String.fromCharCode(a, b));
}

function classify(dataSet: dicomParser.DataSet | null, ts: string | null, part10: boolean, failure: string | null, layout: Layout['kind']): ParseResult {
  if (layout !== 'raw' && dataSet && !hasReadableElement(dataSet)) {
    // A valid-looking meta over bytes that hold no element whose value fits in the file: noise.
    return { status: 'error', error: failure ?? 'no readable data element after the file meta', dataSet: null, transferSyntax: ts, part10, pixelData: null };
  }
  if (layout !== 'raw' && failure === null) return { status: 'ok', error: null, dataSet, transferSyntax: ts, part10, pixelData: null };
  const dataElements = dataSet ? countDataElements(dataSet) : 0;
  if (layout === 'raw' && dataElements < 3) {
    return blank('not_dicom', 'no DICM marker, no file meta, fewer than 3 public tags in groups 0008-0028');
  }
  if (failure === null) return { status: 'ok', error: null, dataSet, transferSyntax: ts, part10, pixelData: null };
  if (dataSet && dataElements > 0) return { status: 'partial', error: failure, dataSet, transferSyntax: ts, part10, pixelData: null };
  return { status: 'error', error: failure, dataSet: null, transferSyntax: ts, part10, pixelData: null };
}

/** Public elements in groups 0008-0028: what makes a data set more than noise. */
function countDataElements(ds: dicomParser.DataSet): number {
  let n = 0;
  for (const tag in ds.elements) {
    const group = parseInt(tag.slice(1, 5), 16);
    if (group >= 0x0008 && group <= 0x0028 && group % 2 === 0) n++;
  }
  return n;
}

/** Is there one element outside the file meta whose value lies inside the bytes? */
function hasReadableElement(ds: dicomParser.DataSet): boolean {
  for (const tag in ds.elements) {
    if (tag.startsWith('x0002')) continue;
    const el = ds.elements[tag];
    if (el.length === 0xffffffff || el.hadUndefinedLength || el.dataOffset + el.length <= ds.byteArray.length) return true;
  }
  return false;
}

function furthestEnd(ds: dicomParser.DataSet): number {
  let end = 0;
  for (const tag in ds.elements) {
    const el = ds.elements[tag];
    if (tag === PIXEL_DATA || el.length === 0xffffffff) continue;
    end = Math.max(end, el.dataOffset + el.length);
  }
  return end;
}

function overrun(ds: dicomParser.DataSet, size: number): string | null {
  for (const tag in ds.elements) {
    const el = ds.elements[tag];
    if (tag === PIXEL_DATA || el.length === 0xffffffff || el.hadUndefinedLength) continue;
    if (el.dataOffset + el.length > size) {
      return `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()}) declared ${el.length} bytes, ${Math.max(0, size - el.dataOffset)} present`;
    }
  }
  return null;
}

interface Parsed {
  dataSet: dicomParser.DataSet | null;
  transferSyntax: string | null;
  failure: string | null;
  /** Why a part of the header was skipped (an unreadable sequence), if one was. */
  skipped?: string | null;
  /** A limit stopped the parse: reading more of the file cannot help. */
  final?: boolean;
}

/** Parse time spent on this file so far (shared by the attempts of one read). */
function clockOf(limits: ReadLimits): { usedMs: number } {
  return (limits as ReadLimits & { clock?: { usedMs: number } }).clock ?? { usedMs: 0 };
}

/** A per-file limit (elements, time) stopped the parse. */
class BudgetExceeded extends Error {}

/** Counts the work of one parse: dicom-parser's reads and the fast path's elements alike. */
interface Budget {
  /** Adds `n` 16-bit-read equivalents; throws BudgetExceeded past a limit. */
  spend(n: number): void;
}

/**
 * Counts the work of one parse where every element passes, dicom-parser's nested sequence reading
 * included: each tag is two readUint16 calls on the one ByteStream the whole parse shares (the fast
 * path spends what dicom-parser's reader would: 3 for a 2-byte length, 2 for a 4-byte one).
 */
function enforceBudget(stream: dicomParser.ByteStream, limits: ReadLimits): Budget {
  const maxElements = limits.maxElements ?? DEFAULT_LIMITS.maxElements!;
  const maxMs = limits.maxParseMs ?? DEFAULT_LIMITS.maxParseMs!;
  const deadline = Date.now() + maxMs - clockOf(limits).usedMs;
  const maxCalls = 2 * maxElements;
  let calls = 0;
  let nextClockCheck = 4096;
  const budget: Budget = {
    spend(n: number) {
      calls += n;
      if (calls > maxCalls) throw new BudgetExceeded(`header has more than ${maxElements.toLocaleString('en-US')} elements`);
      if (calls >= nextClockCheck) {
        nextClockCheck = calls + 4096;
        if (Date.now() > deadline) throw new BudgetExceeded(`header took longer than ${maxMs / 1000} s to parse`);
      }
    },
  };
  const read16 = stream.readUint16;
  (stream as { readUint16: () => number }).readUint16 = function (this: dicomParser.ByteStream) {
    budget.spend(1);
    return read16.call(this);
  };
  return budget;
}

/**
 * Parses file meta (if any) and the data set up to the pixel data with dicom-parser's own element
 * readers. Unlike dicomParser.parseDicom this checks the declared encoding against the bytes: a
 * meta that claims explicit VR over implicit data (or names no transfer syntax) is read as the data
 * really is, as pydicom and GDCM do.
 */
function parseDataSet(input: Uint8Array, rawTransferSyntax: string | null, complete: boolean, limits: ReadLimits, fastPath: boolean): Parsed | 'need-whole-file' {
  let metaElements: Record<string, dicomParser.Element> = {};
  let position = 0;
  let declared: string | null = rawTransferSyntax;
  if (rawTransferSyntax === null) {
    let meta: dicomParser.DataSet & { position?: number };
    try {
      meta = dicomParser.readPart10Header(input) as dicomParser.DataSet & { position?: number };
    } catch (e) {
      const partial = (e as { dataSet?: dicomParser.DataSet })?.dataSet ?? null;
      return { dataSet: partial, transferSyntax: null, failure: `file meta: ${describe((e as { exception?: unknown })?.exception ?? e)}` };
    }
    // The meta is group 0002 only: dicom-parser also swallows elements of groups below 0002
    // (a string compare of tags), so the data set starts where the last group-0002 value ends.
    position = 132;
    for (const [tag, el] of Object.entries(meta.elements)) {
      if (!tag.startsWith('x0002')) continue;
      metaElements[tag] = el;
      position = Math.max(position, el.dataOffset + el.length);
    }
    const tsEl = meta.elements.x00020010;
    declared = tsEl ? readAscii(input, tsEl.dataOffset, tsEl.length) : null;
  }
  if (position >= input.length) {
    return { dataSet: withElements(input, metaElements), transferSyntax: declared, failure: complete ? 'no data set after the file meta' : 'header ends early' };
  }
  let arr = input;
  if (declared === DEFLATE) {
    if (!complete) return 'need-whole-file';
    try {
      arr = inflate(input, position, limits.maxInflatedBytes);
    } catch (e) {
      return { dataSet: withElements(input, metaElements), transferSyntax: declared, failure: describe(e) };
    }
  }
  const looksExplicit = position + 6 <= arr.length && isVr(arr[position + 4], arr[position + 5]);
  let explicit = declared === null ? looksExplicit : declared !== IMPLICIT_LE;
  if (explicit !== looksExplicit && position + 8 <= arr.length) explicit = looksExplicit;
  let bigEndian = declared === EXPLICIT_BE;
  if (bigEndian && arr[position] === 0x08 && arr[position + 1] === 0x00) bigEndian = false;
  if (!bigEndian && declared !== null && declared !== EXPLICIT_BE && arr[position] === 0x00 && arr[position + 1] === 0x08 && explicit) bigEndian = true;
  const parser = bigEndian ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
  const dataSet = new (dicomParser as unknown as { DataSet: new (p: dicomParser.ByteArrayParser, a: Uint8Array, e: object) => dicomParser.DataSet }).DataSet(parser, arr, {});
  dataSet.warnings = [];
  let failure: string | null = null;
  let final = false;
  const t0 = Date.now();
  try {
    const stream = new dicomParser.ByteStream(parser, arr, position);
    const budget = enforceBudget(stream, limits);
    readElements(dataSet, stream, explicit, fastPath && !bigEndian, budget);
  } catch (e) {
    failure = describe(e);
    final = e instanceof BudgetExceeded;
  }
  clockOf(limits).usedMs += Date.now() - t0;
  Object.assign(dataSet.elements, metaElements);
  const transferSyntax = declared ?? (explicit ? (bigEndian ? EXPLICIT_BE : EXPLICIT_LE) : IMPLICIT_LE);
  const skipped = (dataSet as { skipped?: string }).skipped ?? null;
  return { dataSet, transferSyntax, failure, skipped, final };
}

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/**
 * The top-level element loop (dicomParser.parseDicomDataSet* does the same, but gives up on the first
 * bad element). A sequence of defined length whose items dicom-parser cannot read is kept as an
 * opaque element and skipped, so the rest of the header is still read.
 *
 * Explicit VR little endian elements of defined length that are not sequences (most of a header)
 * take a fast path that makes the very element dicom-parser's readDicomElementExplicit would
 * (a differential test holds the two equal); everything else goes through dicom-parser.
 */
function readElements(ds: dicomParser.DataSet, stream: dicomParser.ByteStream, explicit: boolean, fastLittleEndian: boolean, budget: Budget): void {
  const arr = stream.byteArray;
  const end = arr.length;
  const fast = explicit && fastLittleEndian;
  const elements = ds.elements;
  const vrCallback = vrOf as (tag: string) => string;
  while (stream.position < end) {
    if (fast) {
      const simple = readSimpleExplicitLE(arr, stream.position, end);
      if (simple !== null) {
        // dicom-parser's reader makes two readUint16 calls for the tag and a third for a 2-byte length.
        budget.spend(DP_LONG_VRS.has(simple.vr!) ? 2 : 3);
        elements[simple.tag] = simple;
        if (simple.tag === PIXEL_DATA) return;
        stream.position = simple.dataOffset + simple.length;
        continue;
      }
    }
    const start = stream.position;
    let el: dicomParser.Element;
    try {
      el = explicit ? dicomParser.readDicomElementExplicit(stream, ds.warnings, PIXEL_DATA) : dicomParser.readDicomElementImplicit(stream, PIXEL_DATA, vrCallback);
    } catch (e) {
      if (e instanceof BudgetExceeded) throw e;
      stream.position = start;
      const head = readElementHead(stream, explicit);
      const isSeq = head && (head.vr === 'SQ' || (!explicit && vrOf(head.tag) === 'SQ'));
      if (!head || !isSeq || head.length === 0xffffffff || head.dataOffset + head.length > end) throw e;
      elements[head.tag] = { tag: head.tag, vr: 'SQ', length: head.length, dataOffset: head.dataOffset, items: [] };
      const why = `(${head.tag.slice(1, 5).toUpperCase()},${head.tag.slice(5).toUpperCase()}) sequence unreadable (${describe(e)}), skipped`;
      ds.warnings.push(why);
      // A sequence dicom-parser cannot read in a valid file (as pydicom reads it) stays a warning;
      // one we gave up on for a limit of ours (nesting deeper than the stack) makes the file partial.
      if (isStackOverflow(e)) (ds as { skipped?: string }).skipped ??= why;
      stream.position = head.dataOffset + head.length;
      continue;
    }
    elements[el.tag] = el;
    if (el.tag === PIXEL_DATA) return;
  }
}

/** VR strings by their two bytes (first byte × 256 + second), as dicom-parser reads them. */
const VR_BY_CODE = new Map<number, string>([...VRS].map((vr) => [vr.charCodeAt(0) * 256 + vr.charCodeAt(1), vr]));
/** VRs dicom-parser reads with a 4-byte length (its getDataLengthSizeInBytesForVR; OV, SV and UV are not among them). */
const DP_LONG_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);
/** dicom-parser's tag keys (`xggggeeee`), made once per tag number. Bounded: hostile files may hold any tags. */
const TAG_KEYS = new Map<number, string>();
const MAX_TAG_KEYS = 65536;

/** dicom-parser's key for a tag number: `x` and eight lowercase hex digits. */
function tagKey(tag: number): string {
  let key = TAG_KEYS.get(tag);
  if (key === undefined) {
    key = 'x' + tag.toString(16).padStart(8, '0');
    if (TAG_KEYS.size < MAX_TAG_KEYS) TAG_KEYS.set(tag, key);
  }
  return key;
}

/**
 * The element at `pos` when it is an explicit VR little endian element that dicom-parser would read
 * without looking further (a known VR other than SQ, a defined length, its header inside the bytes),
 * as dicom-parser's readDicomElementExplicit makes it; null for anything else.
 */
function readSimpleExplicitLE(b: Uint8Array, pos: number, end: number): dicomParser.Element | null {
  if (pos + 8 > end) return null;
  const vr = VR_BY_CODE.get(b[pos + 4] * 256 + b[pos + 5]);
  if (vr === undefined || vr === 'SQ') return null;
  const tag = tagKey((b[pos] | (b[pos + 1] << 8)) * 65536 + (b[pos + 2] | (b[pos + 3] << 8)));
  if (DP_LONG_VRS.has(vr)) {
    if (pos + 12 > end) return null;
    const length = (b[pos + 8] | (b[pos + 9] << 8) | (b[pos + 10] << 16)) + b[pos + 11] * 16777216;
    if (length === 0xffffffff) return null;
    return { tag, vr, length, dataOffset: pos + 12 };
  }
  return { tag, vr, length: b[pos + 6] | (b[pos + 7] << 8), dataOffset: pos + 8 };
}

function readElementHead(stream: dicomParser.ByteStream, explicit: boolean): { tag: string; vr?: string; length: number; dataOffset: number } | null {
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

function withElements(arr: Uint8Array, elements: Record<string, dicomParser.Element>): dicomParser.DataSet | null {
  if (Object.keys(elements).length === 0) return null;
  const ds = new (dicomParser as unknown as { DataSet: new (p: dicomParser.ByteArrayParser, a: Uint8Array, e: object) => dicomParser.DataSet }).DataSet(dicomParser.littleEndianByteArrayParser, arr, elements);
  return ds;
}

function readAscii(arr: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < Math.min(arr.length, offset + length); i++) s += String.fromCharCode(arr[i]);
  return s.replace(/[\0 ]+$/, '').trim();
}

function inflate(arr: Uint8Array, position: number, max: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = zlib.inflateRawSync(arr.subarray(position), { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(String(e))) {
      throw new Error(`deflated data set expands beyond ${max / 1048576} MiB`);
    }
    throw new Error(`corrupt deflate stream (${(e as Error).message})`);
  }
  const out = Buffer.allocUnsafe(position + inflated.length);
  out.set(arr.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  const oneLine = String(text).replace(/^dicomParser\.\w+: ?/, '').replace(/\s+/g, ' ').trim();
  if (isStackOverflow(e)) return 'sequences nested too deep';
  return oneLine.slice(0, 300) || 'unreadable';
}

/**
 * Whether a file's recorded error was the system refusing or failing the read (permissions, a file
 * gone, an I/O error, too many open files), which a later run may not meet again, unlike a damaged
 * file, which stays damaged until it changes.
 */
export function isReadFailure(error: string | null): boolean {
  return error !== null && (error === 'permission denied' || error.startsWith('file disappeared') || error.startsWith('cannot read ('));
}

function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'file disappeared before it was read';
    case 'EISDIR':
      return 'is a directory';
    case 'ESPIPE':
      return 'not a regular file';
    case 'ELOOP':
      return 'symbolic link loop';
    default:
      return err?.code ? `cannot read (${err.code})` : `cannot read (${String(err?.message ?? e)})`;
  }
}

function blank(status: FileStatus, error: string): ParseResult {
  return { status, error, dataSet: null, transferSyntax: null, part10: false, pixelData: null };
}

function failure(status: FileStatus, error: string, size: number, mtimeMs: number): HeaderRead {
  return { ...blank(status, error), size, mtimeMs, bytesRead: 0 };
}

// Thin promise wrappers over the callback API: measurably cheaper per call than fs.promises' FileHandle.
const fsOpen = (p: string) => new Promise<number>((res, rej) => fs.open(p, OPEN_FLAGS, (e, fd) => (e ? rej(e) : res(fd))));
const fsFstat = (fd: number) => new Promise<fs.Stats>((res, rej) => fs.fstat(fd, (e, st) => (e ? rej(e) : res(st))));
const fsRead = (fd: number, buf: Buffer, off: number, len: number, pos: number) =>
  new Promise<number>((res, rej) => fs.read(fd, buf, off, len, pos, (e, n) => (e ? rej(e) : res(n))));

async function readFully(fd: number, buf: Buffer, offset: number, length: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const n = await fsRead(fd, buf, offset + got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
