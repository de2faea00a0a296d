/**
 * The header reader's fast path (simple explicit VR little endian elements read without
 * dicom-parser's element reader) must make exactly what dicom-parser makes: the same elements
 * (tag, VR, length, offset, sequence items), the same status, reason and pixel data location, and
 * the same request for more bytes, on real files, fixtures, hostile files and fuzz mutants.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSet, Element } from 'dicom-parser';
import { parseBytes } from '../../src/core/dicom/header/parse';
import { DEFAULT_LIMITS, ReadLimits } from '../../src/core/dicom/header/types';
import { mutate, seedFiles } from '../../tools/fuzz/engine';
import { baseElements, encodeElements, explicitElement, part10, prng, writeHostileCases, restorePermissions } from '../fixtures/hostile';
import { writeAllFixtures } from '../fixtures/dicomFiles';
import { corpusDir } from './corpus';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { filesUnder } from '../fixtures/files';

/** Everything that matters of a data set, as plain data (sequence items included). */
function describeDataSet(ds: DataSet | null | undefined): unknown {
  if (!ds) return null;
  const out: Record<string, unknown> = {};
  for (const tag of Object.keys(ds.elements).sort()) {
    const el: Element = ds.elements[tag];
    out[tag] = {
      tag: el.tag,
      vr: el.vr,
      length: el.length,
      dataOffset: el.dataOffset,
      hadUndefinedLength: el.hadUndefinedLength ?? false,
      items: el.items?.map((it) => describeDataSet(it.dataSet)),
    };
  }
  return { elements: out, warnings: ds.warnings ?? [] };
}

/** The default limits but for the parse time, which would make the comparison depend on the machine's load. */
const UNTIMED: ReadLimits = { ...DEFAULT_LIMITS, maxParseMs: 10 * 60_000 };

function describeAttempt(bytes: Uint8Array, fileSize: number, fastPath: boolean, limits = UNTIMED): unknown {
  const a = parseBytes(bytes, fileSize, limits, { fastPath });
  const r = a.kind === 'done' ? a.result : a.fallback;
  return {
    kind: a.kind,
    need: a.kind === 'more' ? a.need : null,
    status: r.status,
    error: r.error,
    transferSyntax: r.transferSyntax,
    pixelData: r.pixelData,
    dataSet: describeDataSet(r.dataSet),
  };
}

/** Compares both ways of parsing on the whole file and on a first read of `firstRead` bytes. */
function assertSame(name: string, bytes: Uint8Array, firstRead = 1024): void {
  assert.deepEqual(describeAttempt(bytes, bytes.length, true), describeAttempt(bytes, bytes.length, false), `${name}: whole file`);
  if (bytes.length > firstRead) {
    const head = bytes.subarray(0, firstRead);
    assert.deepEqual(describeAttempt(head, bytes.length, true), describeAttempt(head, bytes.length, false), `${name}: first ${firstRead} bytes`);
  }
}

describe('header reader: the fast path equals dicom-parser', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = makeTempDir('dwi-fast-')));
  after(() => {
    restorePermissions(dir);
    removeTempDir(dir);
  });

  it('on the fixtures and the fuzzer seeds (every transfer syntax, sequences, no preamble)', () => {
    const fixtures = path.join(dir, 'fixtures');
    fs.mkdirSync(fixtures);
    writeAllFixtures(fixtures);
    const files = filesUnder(fixtures);
    assert.ok(files.length >= 10, `only ${files.length} fixtures`);
    for (const f of files) assertSame(path.basename(f), fs.readFileSync(f));
    for (const s of seedFiles()) assertSame(s.name, s.bytes);
  });

  it('on the hostile files', () => {
    const hostile = path.join(dir, 'hostile');
    fs.mkdirSync(hostile);
    writeHostileCases(hostile);
    let n = 0;
    for (const f of filesUnder(hostile)) {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(f);
      } catch {
        continue; // unreadable on purpose
      }
      assertSame(path.relative(hostile, f), bytes);
      n++;
    }
    assert.ok(n >= 50, `only ${n} hostile files`);
  });

  it('counts elements against the limit as dicom-parser does (2-byte and 4-byte lengths)', () => {
    for (const vr of ['OB', 'UN', 'UT', 'LO', 'SH']) {
      // The base header, then 1,000 empty private elements of this VR: 1,000+ elements.
      const extra = Buffer.concat(Array.from({ length: 1000 }, (_, i) => explicitElement(0x00090000 | (0x1000 + i), vr, '')));
      const before = encodeElements(new Map([...baseElements({ pixels: 4 })].filter(([t]) => t < 0x00090000)));
      const after = encodeElements(new Map([...baseElements({ pixels: 4 })].filter(([t]) => t > 0x00090000)));
      const bytes = part10('1.2.840.10008.1.2.1', Buffer.concat([before, extra, after]));
      for (const maxElements of [1000, 1040, 1200, 1600, 2000]) {
        const limits = { ...DEFAULT_LIMITS, maxElements };
        assert.deepEqual(describeAttempt(bytes, bytes.length, true, limits), describeAttempt(bytes, bytes.length, false, limits), `${vr}, at most ${maxElements} elements`);
      }
    }
  });

  it('on 3,000 fuzz mutants', () => {
    const rnd = prng(7);
    const seeds = seedFiles();
    for (let i = 0; i < 3000; i++) {
      const seed = seeds[i % seeds.length];
      const m = mutate(seed.bytes, rnd);
      assertSame(`${seed.name} #${i} [${m.what.join('; ')}]`, m.bytes, 512);
    }
  });

  it('on the real files of ../shared/corpus', function () {
    const corpus = corpusDir();
    if (!corpus) return this.skip();
    const files = filesUnder(path.join(corpus, 'real'));
    for (const f of files) assertSame(path.relative(corpus, f), fs.readFileSync(f), 16 * 1024);
    assert.ok(files.length > 100);
  });
});
