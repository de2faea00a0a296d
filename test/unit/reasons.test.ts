/**
 * The reasons the reader gives are for people (the Problems list, the hover and the CSV show them as
 * they are): one line of plain language with a kind, no parser internals, counts with thousands
 * separators, no tag value. Checked on every hostile file, every file of ../shared/corpus/real (read
 * directly and as the chunk reader's records), fuzz mutants, and the system errors the reader maps.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { extractFields } from '../../src/core/dicom/extract';
import { parseBytes } from '../../src/core/dicom/header/parse';
import { ioProblem } from '../../src/core/dicom/header/problems';
import { readHeader, readHeaderSync } from '../../src/core/dicom/header/read';
import { DEFAULT_LIMITS, ErrorKind, HeaderRead, ParseResult } from '../../src/core/dicom/header/types';
import { ChunkReader } from '../../src/core/read/chunkReader';
import type { FileRecord } from '../../src/core/records';
import { scanFolder } from '../../src/core/scan/scanner';
import { mutate, seedFiles } from '../../tools/fuzz/engine';
import * as hx from '../fixtures/hostile';
import { filesUnder } from '../fixtures/files';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { corpusDir } from './corpus';

/** What no reason may contain: dicom-parser's and Node's words, code, or raw values of ours. */
const INTERNAL: RegExp[] = [
  /maxP ?osition/i,
  /dicom-?parser/i,
  /\bparameters?\b/i,
  /\bundefined\b/,
  /\bnull\b/,
  /\bNaN\b/,
  /\[object /,
  /\b\w*Error\b:?/,
  /\bat \S+ \(?\S+:\d+:\d+\)?/, // a stack frame
  /\.(js|ts):\d+/,
  /readFixedString|readUint(16|32)|readTag|readSequence|readDicomElement|ByteStream|ByteArrayParser|littleEndian|bigEndian|parseDicom|readPart10Header/i,
  /buffer (overread|overrun)|past end of buffer/i,
  /\bERR_[A-Z_]+/,
  /\bx[0-9a-f]{8}\b/, // dicom-parser's tag keys
];

const KINDS = new Set<ErrorKind>(['io', 'format', 'limit']);

/** The strings a file's header holds (PatientName, UIDs, …) that a reason must never quote. */
function tagValues(values: Record<string, unknown> | undefined): string[] {
  return Object.values(values ?? {}).filter((v): v is string => typeof v === 'string' && v.trim().length >= 4);
}

/** What is wrong with one reason, or nothing. */
function reasonProblems(label: string, status: string, error: string | null, kind: ErrorKind | null, values: string[] = []): string[] {
  if (status === 'ok') return error === null && kind === null ? [] : [`${label}: ok with ${JSON.stringify(error)} (${kind})`];
  const out: string[] = [];
  if (!error || !error.trim()) return [`${label}: ${status} without a reason`];
  if (!kind || !KINDS.has(kind)) out.push(`${label}: ${JSON.stringify(error)} has no kind (${kind})`);
  if (/[\r\n]/.test(error) || error.length > 300) out.push(`${label}: not one short line: ${JSON.stringify(error)}`);
  if (!/^[a-z(]/.test(error)) out.push(`${label}: ${JSON.stringify(error)} does not start as a sentence part`);
  for (const re of INTERNAL) if (re.test(error)) out.push(`${label}: ${JSON.stringify(error)} has ${re}`);
  // Counts of a thousand and more carry separators (tags such as (0009,1010) aside).
  if (/\d{4,}/.test(error.replace(/\([0-9A-F]{4},[0-9A-F]{4}\)/g, ''))) out.push(`${label}: ${JSON.stringify(error)} has a count without separators`);
  for (const v of values) {
    const quoted = new RegExp(`(^|\\W)${v.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|\\W)`);
    if (quoted.test(error)) out.push(`${label}: ${JSON.stringify(error)} quotes a tag value`);
  }
  return out;
}

function readProblems(label: string, h: HeaderRead | ParseResult): string[] {
  let values: string[] = [];
  if (h.dataSet && (h.status === 'ok' || h.status === 'partial')) values = tagValues(extractFields(h.dataSet, h.transferSyntax).values);
  return reasonProblems(label, h.status, h.error, h.errorKind, values);
}

/** Reads every file both ways; returns the problems and the kinds seen. */
async function checkFiles(files: [label: string, abs: string][]): Promise<{ problems: string[]; kinds: Map<string, number> }> {
  const problems: string[] = [];
  const kinds = new Map<string, number>();
  for (const [label, abs] of files) {
    const sync = readHeaderSync(abs);
    const asyncRead = await readHeader(abs);
    problems.push(...readProblems(`${label} (sync)`, sync), ...readProblems(`${label} (async)`, asyncRead));
    if (sync.errorKind) kinds.set(sync.errorKind, (kinds.get(sync.errorKind) ?? 0) + 1);
  }
  return { problems, kinds };
}

/** The chunk reader's records of a folder (pixel statistics on): each error with its kind. */
async function checkRecords(root: string): Promise<{ problems: string[]; records: number }> {
  const { candidates } = await scanFolder(root);
  const problems: string[] = [];
  let records = 0;
  for (const ioMode of ['sync', 'async'] as const) {
    const reader = new ChunkReader({ root, limits: DEFAULT_LIMITS, pixelStats: true, concurrency: 4, ioMode });
    await reader.readAll(
      candidates,
      (rec: FileRecord) => {
        records++;
        problems.push(...reasonProblems(`${rec.relPath} (${ioMode} record)`, rec.status, rec.error, rec.errorKind, tagValues(rec.values)));
      },
      { afterChunk: () => undefined, chunkSize: 64 },
    );
  }
  return { problems, records };
}

describe('reasons in plain language', function () {
  this.timeout(120_000);

  it('the checks catch what they are for', () => {
    // So that a check that could never fail does not pass for one that works.
    assert.deepEqual(reasonProblems('good', 'partial', 'the file ends inside the pixel data: 8,130 of its 8,192 bytes are there', 'format'), []);
    for (const bad of [
      "invalid value for parameter 'maxPosition'",
      'littleEndianByteArrayParser.readUint16: attempt to read past end of buffer',
      'dicomParser.readFixedString: attempt to read past end of buffer',
      "cannot read (Cannot read properties of undefined (reading 'length'))",
      'Error: EIO: i/o error, read',
      'header unreadable (TypeError: x is not a function at extract (/src/core/dicom/extract.ts:12:3))',
      '(7FE0,0010) declared 8192 bytes, 8130 present',
      'x7fe00010 not found',
    ]) {
      assert.notDeepEqual(reasonProblems('bad', 'partial', bad, 'format'), [], bad);
    }
    assert.notDeepEqual(reasonProblems('no kind', 'error', 'the file meta information is damaged', null), []);
    assert.notDeepEqual(reasonProblems('value', 'partial', 'the file ends inside Müller^Jürgen', 'format', ['Müller^Jürgen']), []);
  });

  describe('on every hostile file', () => {
    let dir: string;
    before(() => (dir = makeTempDir('dwi-reasons-')));
    after(() => {
      hx.restorePermissions(path.join(dir, 'cases'));
      removeTempDir(dir);
    });

    it('read directly (both readers) and as the chunk reader\'s records', async () => {
      const root = path.join(dir, 'cases');
      const manifest = hx.writeHostileCases(root);
      const files = Object.entries(manifest).map(([name, c]): [string, string] => [name, path.join(root, c.relPath)]);
      const { problems, kinds } = await checkFiles(files);
      const records = await checkRecords(root);
      assert.deepEqual([...problems, ...records.problems], []);
      assert.ok(records.records >= 2 * 80, `${records.records} records`);
      // Every kind is met here: damaged files, our limits, and the system (links, folders).
      for (const k of KINDS) assert.ok((kinds.get(k) ?? 0) > 0, `no ${k} reason among the hostile files`);
    });
  });

  it('on every file of ../shared/corpus/real, read directly and as records', async function () {
    const corpus = corpusDir();
    if (!corpus) return this.skip();
    const real = path.join(corpus, 'real');
    const files = filesUnder(real).map((f): [string, string] => [path.relative(corpus, f), f]);
    assert.ok(files.length >= 249, `${files.length} corpus files`);
    const { problems, kinds } = await checkFiles(files);
    const records = await checkRecords(real);
    assert.deepEqual([...problems, ...records.problems], []);
    assert.ok((kinds.get('format') ?? 0) >= 15, 'the corpus has damaged and non-DICOM files');
  });

  it('on 2,000 fuzz mutants, the whole file and a first read of 512 bytes', () => {
    const rnd = hx.prng(23);
    const seeds = seedFiles();
    const problems: string[] = [];
    let reasons = 0;
    for (let i = 0; i < 2000; i++) {
      const seed = seeds[i % seeds.length];
      const m = mutate(seed.bytes, rnd);
      for (const first of [m.bytes.length, 512]) {
        const a = parseBytes(m.bytes.subarray(0, first), m.bytes.length);
        const r = a.kind === 'done' ? a.result : a.fallback;
        if (r.error) reasons++;
        problems.push(...readProblems(`${seed.name} #${i} [${m.what.join('; ')}] first ${first}`, r));
      }
    }
    assert.deepEqual(problems.slice(0, 20), []);
    assert.ok(reasons > 1000, `${reasons} reasons`);
  });

  it('system errors: each code as words, kind io, and read again next run', () => {
    const codes = ['EACCES', 'EPERM', 'ENOENT', 'ELOOP', 'EIO', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'ESTALE', 'ENOMEM', 'EBUSY', 'EXDEV'];
    const seen = new Set<string>();
    for (const code of codes) {
      const p = ioProblem(Object.assign(new Error(`${code}: something, open '/secret/path.dcm'`), { code }));
      assert.equal(p.kind, 'io', code);
      assert.deepEqual(reasonProblems(code, 'error', p.reason, p.kind), []);
      assert.match(p.reason, /^cannot be read: /, code);
      assert.ok(!p.reason.includes('/secret/'), `${code}: the path is the row's, not the reason's`);
      assert.equal(p.kind, 'io', `${code}: read again next run`);
      seen.add(p.reason);
    }
    assert.equal(seen.size, codes.length - 1, 'EACCES and EPERM share their words; the rest differ');
    for (const odd of [new TypeError("Cannot read properties of undefined (reading 'x')"), 'a thrown string', { code: 'ERR_OUT_OF_RANGE' }, null]) {
      const p = ioProblem(odd);
      assert.equal(p.reason, 'cannot be read: an unexpected error in the reader');
      assert.equal(p.kind, 'io');
    }
    assert.equal(ioProblem(Object.assign(new Error('x'), { code: 'EISDIR' })).reason, 'not a regular file (a folder)');
  });
});
