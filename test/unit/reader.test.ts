/**
 * The header reader on files written by dcmjs (an independent writer): every uncompressed transfer
 * syntax, character sets, enhanced multi-frame functional groups, SliceThickness spellings, files
 * without preamble, headers longer than the first read, damaged and non-DICOM files.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHeader, readHeaderSync } from '../../src/core/dicom/header/read';
import { DEFAULT_LIMITS } from '../../src/core/dicom/header/types';
import { spawnSync } from 'node:child_process';
import { extractFields } from '../../src/core/dicom/extract';
import { pixelSummary } from '../../src/core/dicom/pixelStats';
import { FIELDS } from '../../src/core/dicom/fields';
import { readFileTags } from '../../src/core/tags';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

/** Compares our values with a fixture's expected ones, for the keywords we extract. */
function assertFields(values: Record<string, unknown>, expected: fx.Expected, label: string) {
  let compared = 0;
  for (const f of FIELDS) {
    if (!(f.keyword in expected)) continue;
    // Text columns (WindowCenter, multi-valued DS) keep the file's string form.
    const want = f.type === 'text' && typeof expected[f.keyword] === 'number' ? String(expected[f.keyword]) : expected[f.keyword];
    const got = values[f.keyword];
    compared++;
    if (typeof want === 'number' && typeof got === 'number') assert.ok(Math.abs(want - got) < 1e-9, `${label} ${f.keyword}: ${got} vs ${want}`);
    else if (want === null) assert.ok(got === null || got === '', `${label} ${f.keyword}: ${JSON.stringify(got)} vs empty`);
    else assert.equal(got, want, `${label} ${f.keyword}`);
  }
  assert.ok(compared >= 20, `${label}: compared ${compared} fields`);
}

describe('header reader on dcmjs-written files', () => {
  let dir: string;
  before(() => (dir = makeTempDir('dwi-reader-')));
  after(() => removeTempDir(dir));

  for (const syntax of ['explicitLittle', 'implicitLittle', 'explicitBig', 'deflatedExplicitLittle'] as const) {
    it(`reads a CT in ${syntax} with every field and the pixel mean`, async () => {
      const f = fx.writeCt(dir, syntax);
      const h = await readHeader(f.path);
      assert.equal(h.status, 'ok', h.error ?? '');
      const { values } = extractFields(h.dataSet!, h.transferSyntax);
      assertFields(values, f.expected, syntax);
      const p = await pixelSummary(f.path, h, values);
      assert.equal(p?.dataType, 'int16');
      assert.ok(Math.abs((p?.mean ?? NaN) - (f.expected.pixelMean as number)) < 1e-9, `mean ${p?.mean} vs ${f.expected.pixelMean}`);
    });
  }

  it('reads only the header: a 512×512 slice costs one 16 KiB read', async () => {
    const f = fx.writeCt(dir, 'explicitLittle', { rows: 512, cols: 512, fileName: 'big.dcm' });
    const h = await readHeader(f.path);
    assert.equal(h.status, 'ok');
    assert.equal(h.bytesRead, DEFAULT_LIMITS.firstRead);
    assert.ok(h.size > 500_000);
  });

  it('grows the read when the header is longer than the first read (private value and long sequence)', async () => {
    for (const kind of ['private', 'sequence'] as const) {
      const f = fx.writeLargeHeaderCt(dir, { kind, fileName: `large-${kind}.dcm` });
      const h = await readHeader(f.path);
      assert.equal(h.status, 'ok', `${kind}: ${h.error}`);
      assert.ok(h.bytesRead > 64 * 1024 && h.bytesRead <= h.size, `${kind}: read ${h.bytesRead} of ${h.size}`);
      assertFields(extractFields(h.dataSet!, h.transferSyntax).values, f.expected, kind);
    }
  });

  it('decodes Latin-1 and UTF-8 names with the declared character set', async () => {
    const l1 = fx.writeLatin1Ct(dir);
    const u8 = fx.writeUtf8Ct(dir);
    const v1 = extractFields((await readHeader(l1.path)).dataSet!, null).values;
    const v8 = extractFields((await readHeader(u8.path)).dataSet!, null).values;
    assert.equal(v1.PatientName, 'Müller^Jürgen');
    assert.equal(v8.PatientName, '山田^太郎');
  });

  it('takes SliceThickness from per-frame, then shared functional groups of enhanced objects', async () => {
    const pf = fx.writeEnhancedCtPerFrame(dir);
    const sh = fx.writeEnhancedCtShared(dir);
    const vp = extractFields((await readHeader(pf.path)).dataSet!, null).values;
    const vs = extractFields((await readHeader(sh.path)).dataSet!, null).values;
    assert.equal(vp.SliceThickness, pf.expected.SliceThickness);
    assert.equal(vs.SliceThickness, sh.expected.SliceThickness);
    assert.equal(vp.VOILUTFunction, pf.expected.VOILUTFunction);
    assert.equal(vp.NumberOfFrames, 3);
  });

  it('accepts one finite positive DS number and nothing else as SliceThickness', async () => {
    const cases: [string, number | null][] = [
      ['1.25', 1.25], ['1.250000', 1.25], ['1.25E+00', 1.25], [' 1.25', 1.25],
      ['1,25', null], ['abc', null], ['1.0\\2.0', null], ['-1', null], ['0', null], ['NaN', null], ['1e400', null], ['', null],
    ];
    for (const [raw, want] of cases) {
      const f = fx.writeSliceThicknessString(dir, raw, { fileName: `st-${cases.findIndex((c) => c[0] === raw)}.dcm` });
      const h = await readHeader(f.path);
      assert.equal(h.status, 'ok', raw);
      const ex = extractFields(h.dataSet!, null);
      assert.equal(ex.values.SliceThickness, want, JSON.stringify(raw));
      assert.equal(ex.sliceThicknessInvalid !== null, want === null && raw.trim() !== '', `invalid flag for ${JSON.stringify(raw)}`);
    }
  });

  it('reads a bare data set with no preamble and no file meta', async () => {
    const f = fx.writeNoPreambleImplicit(dir);
    const h = await readHeader(f.path);
    assert.equal(h.status, 'ok', h.error ?? '');
    assert.equal(h.part10, false);
    assertFields(extractFields(h.dataSet!, h.transferSyntax).values, f.expected, 'no preamble');
  });

  it('reports a text file named .dcm as not DICOM, and empty files too', async () => {
    const f = fx.writeNotDicom(dir);
    const h = await readHeader(f.path);
    assert.equal(h.status, 'not_dicom');
    assert.equal(h.error, 'not a DICOM file (no DICM marker and no recognisable data element)');
    assert.equal(h.errorKind, 'format');
    fs.writeFileSync(path.join(dir, 'empty.dcm'), '');
    assert.deepEqual([(await readHeader(path.join(dir, 'empty.dcm'))).status, (await readHeader(path.join(dir, 'empty.dcm'))).error], ['not_dicom', 'empty file']);
  });

  it('salvages the header of a file cut inside the pixel data (partial), with a one-line reason', async () => {
    const f = fx.writeTruncatedCt(dir, { where: 'pixels' });
    const h = await readHeader(f.path);
    assert.equal(h.status, 'partial');
    assert.match(h.error!, /^the file ends inside the pixel data: [\d,]+ of its [\d,]+ bytes are there$/);
    assert.equal(h.errorKind, 'format');
    const { values } = extractFields(h.dataSet!, h.transferSyntax);
    assert.equal(values.SOPInstanceUID, f.expected.SOPInstanceUID);
    const p = await pixelSummary(f.path, h, values);
    assert.equal(p?.mean, null);
  });

  it('reports a file cut inside the header without throwing', async () => {
    const f = fx.writeTruncatedCt(dir, { where: 'header' });
    const h = await readHeader(f.path);
    assert.ok(['partial', 'error'].includes(h.status), h.status);
    assert.ok(h.error && !h.error.includes('\n'));
  });

  it('reports a missing file and a directory named .dcm as problems, not exceptions', async () => {
    assert.equal((await readHeader(path.join(dir, 'nope.dcm'))).status, 'error');
    fs.mkdirSync(path.join(dir, 'folder.dcm'), { recursive: true });
    const h = await readHeader(path.join(dir, 'folder.dcm'));
    assert.equal(h.status, 'not_dicom');
  });

  it('does not block on a FIFO that replaced a scanned file (the scan\'s size and mtime given)', async function () {
    const fifo = path.join(dir, 'pipe.dcm');
    if (process.platform === 'win32' || spawnSync('mkfifo', [fifo]).status !== 0) return this.skip();
    const known = { size: 1000, mtimeMs: 0 };
    for (const h of [readHeaderSync(fifo, DEFAULT_LIMITS, known), await readHeader(fifo, DEFAULT_LIMITS, known)]) {
      assert.notEqual(h.status, 'ok');
      assert.equal(h.error, 'not a regular file (a pipe or socket)');
      assert.equal(h.errorKind, 'io');
    }
  });

  it('dumps every tag of a file, sequences indented, binary shortened', async () => {
    const f = fx.writeEnhancedCtPerFrame(dir, { fileName: 'dump.dcm' } as never);
    const t = await readFileTags(f.path);
    assert.equal(t.status, 'ok');
    const byKeyword = new Map(t.rows.map((r) => [r.keyword, r]));
    assert.equal(byKeyword.get('SOPInstanceUID')?.tag, '(0008,0018)');
    assert.equal(byKeyword.get('SOPInstanceUID')?.value, f.expected.SOPInstanceUID);
    assert.equal(byKeyword.get('PerFrameFunctionalGroupsSequence')?.vr, 'SQ');
    assert.ok(t.rows.some((r) => r.depth >= 2 && r.keyword === 'SliceThickness'));
    assert.match(byKeyword.get('PixelData')!.value, /^pixel data, \d+ bytes$/);
  });
});
