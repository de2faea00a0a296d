/**
 * Conformance with an independent reader: every file of ../shared/corpus/real is read by our core
 * and compared with oracle.jsonl (pydicom, cross-checked with dcmtk and GDCM): status, key fields,
 * slice thickness (functional groups first), pixel means; then the index's statistics against
 * aggregates.json.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHeader } from '../../src/core/dicom/header/read';
import { extractFields } from '../../src/core/dicom/extract';
import { pixelSummary } from '../../src/core/dicom/pixelStats';
import { indexFolder } from '../../src/core/indexer';
import { IndexDatabase } from '../../src/core/db/database';
import { computeStats, Stats } from '../../src/core/stats';
import { corpusDir, loadOracle, OracleRow } from './corpus';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

const FIELDS = [
  'PatientID', 'PatientName', 'StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID', 'Modality', 'StudyDate',
  'SeriesDescription', 'ImageType', 'Rows', 'Columns', 'BitsAllocated', 'BitsStored', 'PixelRepresentation', 'SamplesPerPixel',
  'NumberOfFrames', 'PhotometricInterpretation', 'SpecificCharacterSet', 'TransferSyntaxUID', 'SliceThickness', 'SpacingBetweenSlices', 'VOILUTFunction',
];

const close = (a: unknown, b: unknown) => typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
const expectedValue = (v: unknown) => (Array.isArray(v) ? v.join('\\') : v);

describe('conformance with the shared corpus oracle', function () {
  this.timeout(120_000);
  const dir = corpusDir();
  let oracle: OracleRow[] = [];

  before(function () {
    if (!dir) {
      console.log('    (skipped: ../shared/corpus is absent; set DICOM_CORPUS to its path to run these)');
      this.skip();
    }
    oracle = loadOracle(dir!);
  });

  it('gives every file the oracle status', async () => {
    const wrong: string[] = [];
    for (const r of oracle) {
      const h = await readHeader(path.join(dir!, r.path));
      if (h.status !== r.status) wrong.push(`${r.path}: ${h.status} (${h.error}), oracle ${r.status}`);
      if (h.status !== 'ok') assert.ok(h.error && !h.error.includes('\n'), `${r.path}: a one-line reason`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(oracle.length, 249);
  });

  it('extracts the same field values (decoded with the file character set)', async () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const r of oracle) {
      if (r.status === 'not_dicom') continue;
      const h = await readHeader(path.join(dir!, r.path));
      const { values } = extractFields(h.dataSet!, h.transferSyntax);
      for (const k of FIELDS) {
        const want = expectedValue(r[k]);
        if (k === 'TransferSyntaxUID' && want == null) continue; // files without meta: we report what we read them as
        compared++;
        if (want === values[k] || close(values[k], want)) continue;
        wrong.push(`${r.path} ${k}: ${JSON.stringify(values[k])}, oracle ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(compared > 5000, `compared ${compared} values`);
  });

  it('takes SliceThickness from per-frame, then shared functional groups', async () => {
    const fg = oracle.filter((r) => typeof r.SliceThickness_source === 'string' && r.SliceThickness_source !== 'top-level');
    assert.ok(fg.length >= 2, 'the corpus has enhanced objects');
    for (const r of fg) {
      const h = await readHeader(path.join(dir!, r.path));
      assert.ok(close(extractFields(h.dataSet!, h.transferSyntax).values.SliceThickness, r.SliceThickness), r.path);
    }
  });

  it('computes the mean of the stored pixel values: native as the oracle says, compressed decoded', async () => {
    let compared = 0;
    let decoded = 0;
    const wrong: string[] = [];
    for (const r of oracle) {
      if (r.status === 'not_dicom') continue;
      const file = path.join(dir!, r.path);
      const h = await readHeader(file);
      const p = await pixelSummary(file, h, extractFields(h.dataSet!, h.transferSyntax).values);
      // pixel_mean_raw decodes the stored bytes directly, which is our definition too (pixel_mean
      // differs from it only where pydicom converts colour spaces).
      const want = (r.pixel_mean_raw ?? r.pixel_mean ?? null) as number | null;
      if (r.status === 'partial') continue;
      if (want === null) {
        // Compressed: decoded (decode.test.ts checks the values against dcmtk and GDCM), so a mean;
        // the one file GDCM cannot decode either says why instead.
        const compressed = h.pixelData?.encapsulated === true;
        if (!compressed && p?.mean != null) wrong.push(`${r.path}: mean ${p.mean}, oracle none`);
        if (compressed && p?.mean == null && !/not decoded \(.+\), no mean$/.test(p?.summary ?? '')) wrong.push(`${r.path}: no mean and no reason (${p?.summary})`);
        if (compressed) decoded += p?.mean != null ? 1 : 0;
        continue;
      }
      compared++;
      if (!close(p?.mean, want)) wrong.push(`${r.path}: mean ${p?.mean} (${p?.summary}), oracle ${want}`);
    }
    assert.deepEqual(wrong, []);
    assert.ok(compared >= 90, `compared ${compared} means`);
    assert.ok(decoded >= 40, `${decoded} compressed files with a mean`);
  });

  describe('statistics of an index of the corpus', () => {
    const tmp: string[] = [];
    after(() => tmp.forEach(removeTempDir));
    const indexCorpus = async (sniff: boolean): Promise<Stats> => {
      const t = makeTempDir('dwi-conf-');
      tmp.push(t);
      const dbPath = path.join(t, 'index.sqlite');
      const r = await indexFolder(path.join(dir!, 'real'), { dbPath, sniffExtensionless: sniff });
      assert.equal(r.cancelled, false);
      const idx = await IndexDatabase.open(dbPath);
      try {
        return await computeStats(idx);
      } finally {
        idx.close();
      }
    };

    it('equals aggregates.json (.dcm names, damaged-but-salvaged files included)', async () => {
      const agg = JSON.parse(fs.readFileSync(path.join(dir!, 'aggregates.json'), 'utf8')).real.dcm_ext__lenient;
      const s = await indexCorpus(false);
      assert.equal(s.patients, agg.patients);
      assert.equal(s.studies, agg.studies);
      assert.equal(s.series, agg.series);
      assert.equal(s.instances, agg.dicom_files);
      assert.equal(s.distinctSopInstances, agg.instances_distinct_sop_uid);
      assert.equal(s.sliceThickness.min, agg.slice_thickness_min);
      assert.equal(s.sliceThickness.max, agg.slice_thickness_max);
      assert.equal(s.sliceThickness.missing, agg.files_without_slice_thickness);
      assert.deepEqual(s.sliceThickness.histogram, agg.slice_thickness_histogram);
      assert.deepEqual(s.modalities, agg.modalities);
      assert.deepEqual(s.missingKeys, agg.files_missing);
      assert.equal(s.files.total, 147);
    });

    it('with extension-less DICM files sniffed, counts what the oracle says those files hold', async () => {
      const s = await indexCorpus(true);
      const taken = oracle.filter((r) => r.ext_dcm || (r.has_dicm_magic && !path.basename(r.path).includes('.')));
      const dicom = taken.filter((r) => r.status === 'ok' || r.status === 'partial');
      const distinct = (k: string) => new Set(dicom.map((r) => String(r[k] ?? '').replace(/[\0 ]+$/, '')).filter((v) => v !== '')).size;
      assert.equal(s.files.total, taken.length);
      assert.equal(s.instances, dicom.length);
      assert.equal(s.patients, distinct('PatientID'));
      assert.equal(s.studies, distinct('StudyInstanceUID'));
      assert.equal(s.series, distinct('SeriesInstanceUID'));
      assert.equal(s.distinctSopInstances, distinct('SOPInstanceUID'));
      const hist: Record<string, number> = {};
      for (const r of dicom) if (typeof r.SliceThickness === 'number') hist[String(r.SliceThickness)] = (hist[String(r.SliceThickness)] ?? 0) + 1;
      assert.deepEqual(s.sliceThickness.histogram, hist);
    });
  });
});
