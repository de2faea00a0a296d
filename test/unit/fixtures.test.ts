// Self-check of the test-data writers: every fixture (test/fixtures/dicomFiles.ts) and a
// small LIDC-like sample (tools/sample) are read back with dcmjs — their own writer, NOT
// our reader — and compared with the `expected` values the builders return. When dcmtk's
// dcmdump is installed, it has to parse the valid files as well (a third implementation).
//
// Nothing from src/core is imported here on purpose.

import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dcmjs from 'dcmjs';
import {
  FixtureFile,
  SLICE_THICKNESS_CASES,
  TAGS,
  TS,
  buildCt,
  part10HeaderLength,
  writeAllFixtures,
  writeExplicitLittleCt,
  writeLargeHeaderCt,
  writeSeries,
  writeSliceThicknessString,
} from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { filesUnder } from '../fixtures/files';
import { CT_KEYWORDS, encodeFileMeta } from '../../tools/sample/ctHeader';
import { findValueSlots, generateLidcSample, planLidcSampleCounts, readSampleManifest } from '../../tools/sample/lidcSample';

type Dict = dcmjs.data.DicomElementDict;
type El = dcmjs.data.DicomElement;

const DCMDUMP = ['/usr/bin/dcmdump', '/usr/local/bin/dcmdump'].find((p) => fs.existsSync(p));
const NUMERIC_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'DS', 'IS']);
const NOT_KEYWORDS = new Set(['TransferSyntaxUID', 'pixelMean', 'pixelMin', 'pixelMax', 'isDicom', 'truncated']);

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Reads a file with dcmjs. Files without preamble/meta get an implicit-LE meta prepended
 *  (dcmjs.readFile needs "DICM"). */
function readWithDcmjs(file: string, noMeta = false): dcmjs.data.DicomDict {
  let buf = fs.readFileSync(file);
  if (noMeta) {
    const head = Buffer.from(new dcmjs.data.DicomDict(encodeFileMeta('1.2.3', '1.2.3', TS.implicitLittle)).write());
    buf = Buffer.concat([head, buf]);
  }
  return dcmjs.data.DicomMessage.readFile(toArrayBuffer(buf));
}

/** Finds a keyword at the top level, else inside the first per-frame functional group item,
 *  else inside the shared functional group item (one macro sequence level down). */
function findElement(dict: Dict, keyword: string): El | undefined {
  const tag = TAGS[keyword][0];
  if (dict[tag]) return dict[tag];
  for (const groupTag of ['52009230', '52009229']) {
    const group = dict[groupTag]?.Value?.[0] as Dict | undefined;
    if (!group) continue;
    for (const macro of Object.values(group)) {
      if (macro.vr !== 'SQ') continue;
      const item = macro.Value?.[0] as Dict | undefined;
      if (item?.[tag]) return item[tag];
    }
  }
  return undefined;
}

/** The value of an element in the same form as `expected` (numbers as numbers, multi-valued
 *  joined with '\', empty as null), computed from dcmjs' raw values. */
function indexValue(el: El | undefined): unknown {
  if (!el) return undefined;
  const raw = el._rawValue !== undefined && !NUMERIC_VRS.has(el.vr) ? el._rawValue : el.Value;
  const list = (Array.isArray(raw) ? raw : [raw]).map((v: unknown) => {
    if (v && typeof v === 'object' && 'Alphabetic' in v) return String((v as { Alphabetic: string }).Alphabetic);
    return v === null || v === undefined ? '' : String(v).trim();
  });
  const joined = list.join('\\');
  if (joined === '') return null;
  if (NUMERIC_VRS.has(el.vr) && list.length === 1) return Number(joined);
  return joined;
}

function pixelStats(dict: Dict, transferSyntax: string): { pixelMean: number; pixelMin: number; pixelMax: number } {
  const ab = dict['7FE00010'].Value![0] as ArrayBuffer;
  const bytes = Buffer.from(ab);
  const values = new Int16Array(bytes.length / 2);
  for (let i = 0; i < values.length; i++) {
    values[i] = transferSyntax === TS.explicitBig ? bytes.readInt16BE(i * 2) : bytes.readInt16LE(i * 2);
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { pixelMean: sum / values.length, pixelMin: min, pixelMax: max };
}

/** Compares every expected keyword (and pixel statistics) with what dcmjs reads. */
function checkAgainstDcmjs(f: FixtureFile, opts: { noMeta?: boolean; skip?: string[] } = {}): dcmjs.data.DicomDict {
  const dd = readWithDcmjs(f.path, opts.noMeta);
  const skip = new Set(opts.skip ?? []);
  for (const [keyword, want] of Object.entries(f.expected)) {
    if (NOT_KEYWORDS.has(keyword) || skip.has(keyword)) continue;
    assert.ok(TAGS[keyword], `unknown keyword in expected: ${keyword}`);
    const el = findElement(dd.dict, keyword);
    if (want === null) {
      assert.ok(el === undefined || indexValue(el) === null, `${keyword} should be empty, got ${JSON.stringify(indexValue(el))}`);
    } else {
      assert.deepEqual(indexValue(el), want, `${path.basename(f.path)}: ${keyword}`);
    }
  }
  const ts = opts.noMeta ? TS.implicitLittle : String(dd.meta['00020010'].Value![0]);
  if (typeof f.expected.TransferSyntaxUID === 'string') assert.equal(ts, f.expected.TransferSyntaxUID);
  if (typeof f.expected.pixelMean === 'number') {
    const s = pixelStats(dd.dict, ts);
    assert.ok(Math.abs(s.pixelMean - f.expected.pixelMean) < 1e-9, `pixelMean ${s.pixelMean} != ${f.expected.pixelMean}`);
    assert.equal(s.pixelMin, f.expected.pixelMin);
    assert.equal(s.pixelMax, f.expected.pixelMax);
  }
  return dd;
}

function dcmdump(file: string, args: string[] = []): { status: number | null; out: string } {
  const r = spawnSync(DCMDUMP!, ['-q', '+U8', ...args, file], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('test fixtures (proven by dcmjs, their writer)', function () {
  let dir: string;
  let all: Record<string, FixtureFile>;

  before(function () {
    dir = makeTempDir('dwi-fixtures-');
    all = writeAllFixtures(dir);
  });

  it('writes every fixture as a file', function () {
    for (const [name, f] of Object.entries(all)) assert.ok(fs.statSync(f.path).size > 0, name);
  });

  for (const name of ['explicitLittle', 'implicitLittle', 'explicitBig', 'deflated']) {
    it(`CT ${name}: all common keywords, transfer syntax and pixel mean`, function () {
      const f = all[name];
      for (const k of CT_KEYWORDS) assert.ok(k in f.expected, `expected lacks ${k}`);
      checkAgainstDcmjs(f);
    });
  }

  it('explicit big endian really is big endian (Rows and pixels)', function () {
    const buf = fs.readFileSync(all.explicitBig.path);
    const at = buf.indexOf(Buffer.from([0x00, 0x28, 0x00, 0x10, 0x55, 0x53])); // (0028,0010) US, BE
    assert.ok(at > 0, 'Rows tag not big endian');
    assert.equal(buf.readUInt16BE(at + 8), all.explicitBig.expected.Rows);
  });

  it('deflated file: dataset is raw deflate after an uncompressed meta', function () {
    const buf = fs.readFileSync(all.deflated.path);
    const head = part10HeaderLength(buf);
    assert.equal(buf.indexOf(Buffer.from('Doe^John')), -1, 'patient name visible: not compressed');
    assert.ok(buf.length - head < 2000);
  });

  it('Latin-1 file: PatientName bytes are ISO 8859-1 and decode to Müller^Jürgen', function () {
    const buf = fs.readFileSync(all.latin1.path);
    assert.ok(buf.indexOf(Buffer.from('M\xfcller^J\xfcrgen', 'latin1')) > 0);
    assert.equal(buf.indexOf(Buffer.from('Müller', 'utf8')), -1);
    checkAgainstDcmjs(all.latin1);
    assert.equal(all.latin1.expected.PatientName, 'Müller^Jürgen');
    assert.equal(all.latin1.expected.SpecificCharacterSet, 'ISO_IR 100');
  });

  it('UTF-8 file: PatientName 山田^太郎 with ISO_IR 192', function () {
    const buf = fs.readFileSync(all.utf8.path);
    assert.ok(buf.indexOf(Buffer.from('山田^太郎', 'utf8')) > 0);
    checkAgainstDcmjs(all.utf8);
    assert.equal(all.utf8.expected.SpecificCharacterSet, 'ISO_IR 192');
  });

  it('enhanced CT per-frame: SliceThickness only in per-frame PixelMeasuresSequence', function () {
    const f = all.enhancedPerFrame;
    const dd = checkAgainstDcmjs(f);
    assert.equal(dd.dict['00180050'], undefined, 'SliceThickness must not be top level');
    const shared = dd.dict['52009229'].Value![0] as Dict;
    assert.equal(shared['00289110'], undefined, 'no shared PixelMeasuresSequence');
    assert.equal(f.expected.SliceThickness, 1.5);
    assert.equal(f.expected.NumberOfFrames, 3);
    assert.equal(f.expected.VOILUTFunction, 'LINEAR');
    assert.equal((dd.dict['52009230'].Value ?? []).length, 3);
  });

  it('enhanced CT shared: SliceThickness only in shared PixelMeasuresSequence', function () {
    const f = all.enhancedShared;
    const dd = checkAgainstDcmjs(f);
    assert.equal(dd.dict['00180050'], undefined);
    const perFrame = dd.dict['52009230'].Value![0] as Dict;
    assert.equal(perFrame['00289110'], undefined, 'no per-frame PixelMeasuresSequence');
    assert.equal(f.expected.SliceThickness, 2);
    assert.equal(f.expected.VOILUTFunction, 'SIGMOID');
  });

  SLICE_THICKNESS_CASES.forEach((c, i) => {
    it(`SliceThickness raw ${JSON.stringify(c.raw)} is written byte-exact (${c.note})`, function () {
      const f = all[`sliceThickness${i}`] as FixtureFile & { raw: string };
      const buf = fs.readFileSync(f.path);
      const slot = findValueSlots(buf, ['00180050']).get('00180050')!;
      const padded = c.raw.length % 2 ? `${c.raw} ` : c.raw;
      assert.equal(buf.toString('latin1', slot.offset, slot.offset + slot.length), padded);
      assert.equal(f.expected.SliceThickness, c.expected);
      checkAgainstDcmjs(f, { skip: ['SliceThickness'] });
    });
  });

  it('writeSliceThicknessString accepts other raw strings', function () {
    const f = writeSliceThicknessString(dir, '2.5000', { fileName: 'st-extra.dcm' });
    assert.equal(f.expected.SliceThickness, 2.5);
  });

  it('no preamble / no meta: starts directly with the implicit LE dataset', function () {
    const buf = fs.readFileSync(all.noPreamble.path);
    assert.notEqual(buf.toString('latin1', 128, 132), 'DICM');
    assert.equal(buf.readUInt16LE(0), 0x0008, 'first group is 0008');
    checkAgainstDcmjs(all.noPreamble, { noMeta: true });
  });

  for (const name of ['largeHeaderPrivate', 'largeHeaderSequence']) {
    it(`${name}: more than 64 KiB before PixelData`, function () {
      const f = all[name] as FixtureFile & { headerBytes: number };
      assert.ok(f.headerBytes > 65536, String(f.headerBytes));
      const buf = fs.readFileSync(f.path);
      assert.ok(buf.indexOf(Buffer.from('Doe^John')) > 65536, 'PatientName lies after the first 64 KiB');
      checkAgainstDcmjs(f);
    });
  }

  it('writeLargeHeaderCt honours bytes', function () {
    const f = writeLargeHeaderCt(dir, { kind: 'private', bytes: 200_000, fileName: 'big2.dcm' });
    assert.ok(f.headerBytes > 200_000);
  });

  it('series: same UIDs, thickness, increasing InstanceNumber; can be extended', function () {
    const sdir = path.join(dir, 'series-ext');
    const a = writeSeries(sdir, { count: 4, sliceThickness: 1.25 });
    const b = writeSeries(sdir, { count: 2, sliceThickness: 1.25, seriesInstanceUid: a.seriesInstanceUid, studyInstanceUid: a.studyInstanceUid, firstInstanceNumber: 5 });
    const files = [...a.files, ...b.files];
    assert.deepEqual(files.map((f) => f.expected.InstanceNumber), [1, 2, 3, 4, 5, 6]);
    assert.equal(new Set(files.map((f) => f.expected.SOPInstanceUID)).size, 6);
    assert.deepEqual(fs.readdirSync(sdir).sort(), ['1-001.dcm', '1-002.dcm', '1-003.dcm', '1-004.dcm', '1-005.dcm', '1-006.dcm']);
    for (const f of files) {
      assert.equal(f.expected.SeriesInstanceUID, a.seriesInstanceUid);
      assert.equal(f.expected.SliceThickness, 1.25);
      checkAgainstDcmjs(f);
    }
    for (const k of ['series1', 'series2', 'series3']) checkAgainstDcmjs(all[k]);
  });

  it('not-DICOM text file named .dcm is rejected by dcmjs', function () {
    assert.equal(all.notDicom.expected.isDicom, false);
    assert.throws(() => readWithDcmjs(all.notDicom.path));
  });

  it('truncated files are cut inside an element value', function () {
    const h = all.truncatedHeader as FixtureFile & { cutAt: number; fullLength: number };
    const p = all.truncatedPixels as FixtureFile & { cutAt: number; fullLength: number };
    assert.equal(fs.statSync(h.path).size, h.cutAt);
    assert.ok(h.cutAt < h.fullLength && p.cutAt < p.fullLength);
    // dcmjs reads leniently up to the cut; nothing after it exists
    const hd = dcmjs.data.DicomMessage.readFile(toArrayBuffer(fs.readFileSync(h.path)), { ignoreErrors: true });
    assert.equal(hd.dict['00100010'], undefined);
    assert.equal(hd.dict['7FE00010'], undefined);
    const buf = fs.readFileSync(h.path);
    assert.ok(buf.indexOf(Buffer.from('Doe^John')) < 0, 'PatientName comes after the cut');
    // the pixel-truncated one still has a complete header
    const dd = dcmjs.data.DicomMessage.readFile(toArrayBuffer(fs.readFileSync(p.path)), { ignoreErrors: true, untilTag: '7FE00010' });
    assert.equal(indexValue(dd.dict['00100010']), 'Doe^John');
    assert.equal(p.expected.PatientName, 'Doe^John');
  });

  it('buildCt returns bytes without writing', function () {
    const { buffer, expected } = buildCt('implicitLittle');
    assert.equal(buffer.toString('latin1', 128, 132), 'DICM');
    assert.equal(expected.TransferSyntaxUID, TS.implicitLittle);
  });

  (DCMDUMP ? it : it.skip)('dcmdump (dcmtk) parses every valid fixture and rejects the broken ones', function () {
    const bad = new Set(['notDicom', 'truncatedHeader', 'truncatedPixels']);
    for (const [name, f] of Object.entries(all)) {
      const r = dcmdump(f.path); // dcmdump detects a dataset without meta by itself
      if (bad.has(name)) {
        assert.notEqual(r.status, 0, `${name} should fail`);
        continue;
      }
      assert.equal(r.status, 0, `${name}: ${r.out.slice(0, 500)}`);
      assert.ok(!/^E:/m.test(r.out), `${name}: ${r.out.slice(0, 500)}`);
    }
    assert.match(dcmdump(all.latin1.path).out, /\(0010,0010\) PN \[Müller\^Jürgen\]/);
    assert.match(dcmdump(all.utf8.path).out, /\(0010,0010\) PN \[山田\^太郎\]/);
    assert.match(dcmdump(all.enhancedPerFrame.path).out, /\(0018,0050\) DS \[1\.5\]/);
  });

  it('a single fixture can be written on its own', function () {
    const d = makeTempDir('dwi-one-');
    const f = writeExplicitLittleCt(d, { overrides: { SliceThickness: 5, PatientName: 'A^B' }, fileName: 'x.dcm' });
    assert.equal(f.expected.SliceThickness, 5);
    checkAgainstDcmjs(f);
    removeTempDir(d);
    assert.equal(fs.existsSync(d), false);
  });
});

describe('LIDC-like sample generator (tools/sample)', function () {
  this.timeout(60000);
  let out: string;
  const opts = { patients: 3, totalFiles: 41, size: 32, seed: 5, seriesPerStudy: 2 };

  before(async function () {
    out = makeTempDir('dwi-sample-');
  });

  const listDcm = (root: string) => filesUnder(root, (name) => name.endsWith('.dcm'));

  it('generates the expected counts, folder shape and manifest', async function () {
    let progress = 0;
    const r = await generateLidcSample(out, { ...opts, onProgress: (n) => (progress = n) });
    assert.deepEqual({ files: r.files, patients: r.patients, studies: r.studies, series: r.series }, { files: 41, patients: 3, studies: 3, series: 6 });
    assert.equal(progress, 41);
    const files = listDcm(out);
    assert.equal(files.length, 41);
    for (const f of files) {
      const rel = path.relative(out, f).split(path.sep);
      assert.equal(rel[0], 'LIDC-IDRI');
      assert.match(rel[1], /^LIDC-IDRI-\d{4}$/);
      assert.match(rel[2], /^\d{2}-\d{2}-\d{4}-NA-\d{5}$/);
      assert.match(rel[3], /^\d+\.000000-NA-\d{5}$/);
      assert.match(rel[4], /^1-\d{3}\.dcm$/);
    }
    const m = readSampleManifest(out);
    assert.equal(m.files, 41);
    assert.equal(m.series, 6);
    assert.equal(m.bytes, files.reduce((s, f) => s + fs.statSync(f).size, 0));
    assert.equal(Object.values(m.sliceThicknessHistogram).reduce((a, b) => a + b, 0), 41);
    for (const s of m.seriesList) assert.equal(listDcm(path.join(out, ...s.dir.split('/'))).length, s.files);
  });

  it('every file decodes with dcmjs with the expected per-instance values', function () {
    const m = readSampleManifest(out);
    const sops = new Set<string>();
    for (const s of m.seriesList) {
      const files = listDcm(path.join(out, ...s.dir.split('/')));
      files.forEach((file, k) => {
        const dd = readWithDcmjs(file);
        const d = dd.dict;
        const v = (kw: string) => indexValue(d[TAGS[kw][0]]);
        for (const kw of CT_KEYWORDS) {
          if (kw === 'ReferringPhysicianName' || kw === 'PatientBirthDate') continue; // empty on purpose
          assert.notEqual(v(kw), undefined, `${kw} missing in ${file}`);
        }
        assert.equal(v('SliceThickness'), s.sliceThickness);
        assert.equal(v('SeriesInstanceUID'), s.seriesInstanceUid);
        assert.equal(v('StudyInstanceUID'), s.studyInstanceUid);
        assert.equal(v('PatientID'), s.patientId);
        assert.equal(v('Manufacturer'), s.manufacturer);
        assert.equal(v('InstanceNumber'), k + 1);
        assert.equal(path.basename(file), `1-${String(k + 1).padStart(3, '0')}.dcm`);
        const sop = String(v('SOPInstanceUID'));
        assert.equal(String(dd.meta['00020003'].Value![0]), sop);
        assert.ok(!sops.has(sop), 'duplicate SOPInstanceUID');
        sops.add(sop);
        const ipp = String(v('ImagePositionPatient')).split('\\').map(Number);
        assert.equal(ipp[2], v('SliceLocation'));
        assert.equal(Number(v('SliceLocation')).toFixed(3), (Number(indexValue(readWithDcmjs(files[0]).dict['00201041'])) - k * s.spacingBetweenSlices).toFixed(3));
        assert.equal(v('Modality'), 'CT');
        assert.equal(v('BodyPartExamined'), 'CHEST');
        assert.equal(v('ImageType'), 'ORIGINAL\\PRIMARY\\AXIAL');
        assert.equal(v('Rows'), 32);
        assert.equal(v('BitsStored'), s.bitsStored);
        assert.equal((d['7FE00010'].Value![0] as ArrayBuffer).byteLength, 32 * 32 * 2);
        assert.equal(String(dd.meta['00020010'].Value![0]), TS.explicitLittle);
      });
    }
    assert.equal(sops.size, 41);
  });

  it('is deterministic for a seed', async function () {
    const again = makeTempDir('dwi-sample2-');
    await generateLidcSample(again, opts);
    const a = listDcm(out);
    const b = listDcm(again);
    assert.deepEqual(a.map((p) => path.relative(out, p)), b.map((p) => path.relative(again, p)));
    for (const i of [0, 7, a.length - 1]) assert.ok(fs.readFileSync(a[i]).equals(fs.readFileSync(b[i])));
    removeTempDir(again);
  });

  it('plans LIDC scale: 244000 files over 1010 patients; default ~1400 slices over 10 patients', function () {
    const lidc = planLidcSampleCounts({ totalFiles: 244000, size: 64 });
    assert.equal(lidc.files, 244000);
    assert.equal(lidc.patients, 1010);
    const def = planLidcSampleCounts({});
    assert.equal(def.patients, 10);
    assert.equal(def.series, 10);
    assert.ok(def.files >= 1200 && def.files <= 1600, String(def.files));
  });

  (DCMDUMP ? it : it.skip)('dcmdump (dcmtk) parses generated files', function () {
    const files = listDcm(out);
    for (const f of [files[0], files[1], files[files.length - 1]]) {
      const r = dcmdump(f);
      assert.equal(r.status, 0, r.out.slice(0, 500));
      assert.match(r.out, /\(0018,0050\) DS \[[\d.]+\]/);
      assert.match(r.out, /\(0008,0016\) UI =CTImageStorage/);
    }
  });

  it('CLI prints a one-line summary without patient names', function () {
    const cliDir = makeTempDir('dwi-sample-cli-');
    const cli = path.join(__dirname, '..', '..', 'tools', 'sample', 'cli.js');
    const stdout = execFileSync(process.execPath, [cli, cliDir, '--patients', '2', '--files', '10', '--size', '16', '--seed', '3'], { encoding: 'utf8' });
    assert.equal(stdout.trim().split('\n').length, 1);
    assert.match(stdout, /^sample: 10 files, 2 patients, 2 studies, 2 series/);
    assert.ok(!/LIDC-IDRI-\d/.test(stdout));
    removeTempDir(cliDir);
  });
});
