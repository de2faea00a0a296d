// The workbook's Checks sheet (src/core/export/checksSheet.ts): one row per series, findings or not,
// read back with exceljs from an export of a small indexed folder: a series missing a slice, a clean
// volume, a gapped series (a check without a count: ✓) whose description is a formula.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ExcelJS from 'exceljs';
import { IndexDatabase } from '../../src/core/db/database';
import { CHECK_SHEET_COLUMNS, exportXlsx, XLSX_SHEETS } from '../../src/core/export';
import { indexFolder } from '../../src/core/indexer';
import { SERIES_CHECKS } from '../../src/shared/checks';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

describe('export: the Checks sheet', function () {
  this.timeout(60_000);
  let dir: string;
  let rows: Map<string, Record<string, unknown>>;
  let header: unknown[];
  let sheets: string[];
  const uids: Record<'missing' | 'clean' | 'gapped', string> = { missing: '', clean: '', gapped: '' };

  before(async () => {
    dir = makeTempDir('dwi-checks-sheet-');
    const data = path.join(dir, 'data');
    // Ten slices 1 mm apart, the fifth file removed: one slice missing (and an InstanceNumber gap).
    const missing = fx.writeSeries(path.join(data, 'p1', 'missing'), { count: 10, sliceThickness: 1, patientId: 'P-1', seriesNumber: 3, seriesDescription: 'AXIAL' });
    fs.unlinkSync(missing.paths[4]);
    uids.missing = missing.seriesInstanceUid;
    uids.clean = fx.writeSeries(path.join(data, 'p2', 'clean'), { count: 6, sliceThickness: 2.5, patientId: 'P-2', seriesNumber: 1, seriesDescription: 'CLEAN' }).seriesInstanceUid;
    // Slices 2 mm apart, 1 mm thick: thickness_spacing_mismatch (no count), and a formula as description.
    uids.gapped = fx.writeSeries(path.join(data, 'p3', 'gapped'), { count: 4, sliceThickness: 1, spacingBetweenSlices: 2, patientId: 'P-3', seriesDescription: '=HYPERLINK("http://x","y")' }).seriesInstanceUid;
    const dbPath = path.join(dir, 'index.sqlite');
    await indexFolder(data, { dbPath });
    const idx = await IndexDatabase.open(dbPath);
    const out = path.join(dir, 'checks.xlsx');
    try {
      await exportXlsx(idx, out);
    } finally {
      idx.close();
    }
    const wb = await new ExcelJS.Workbook().xlsx.readFile(out);
    sheets = wb.worksheets.map((w) => w.name);
    const ws = wb.getWorksheet('Checks')!;
    const values: unknown[][] = [];
    ws.eachRow((r) => values.push((r.values as unknown[]).slice(1)));
    header = values[0];
    rows = new Map(values.slice(1).map((v) => [String(v[0]), Object.fromEntries(CHECK_SHEET_COLUMNS.map((c, i) => [c, v[i] ?? null]))]));
  });

  after(() => removeTempDir(dir));

  it('is a sheet of the workbook, after Series, with a column per series check', () => {
    assert.deepEqual(sheets, [...XLSX_SHEETS]);
    assert.equal(sheets.indexOf('Checks'), sheets.indexOf('Series') + 1);
    assert.deepEqual(header, [...CHECK_SHEET_COLUMNS]);
    for (const c of Object.keys(SERIES_CHECKS)) assert.ok((header as string[]).includes(c), c);
  });

  it('has one row per series, with findings or not', () => {
    assert.deepEqual([...rows.keys()].sort(), Object.values(uids).sort());
  });

  it('the series missing a slice: error, its findings as "check (count)", the counts in their columns', () => {
    const r = rows.get(uids.missing)!;
    assert.equal(r.PatientID, 'P-1');
    assert.equal(r.SeriesNumber, 3);
    assert.equal(r.images, 9);
    assert.equal(r.volume, 'no');
    assert.equal(r['worst severity'], 'error');
    assert.equal(r.findings, 'missing_slices (1), instance_number_gaps (1)');
    assert.equal(r.missing_slices, 1);
    assert.equal(r.instance_number_gaps, 1);
    assert.equal(r.duplicate_slices, null, 'a check that did not fire is empty');
    assert.deepEqual([r['step min (mm)'], r['step median (mm)'], r['step max (mm)']], [1, 1, 2]);
    assert.equal(r.folder, 'p1/missing');
  });

  it('the clean volume: no findings, its measured step and thickness as numbers', () => {
    const r = rows.get(uids.clean)!;
    assert.equal(r.volume, 'yes');
    assert.equal(r['worst severity'], null);
    assert.equal(r.findings, null);
    assert.deepEqual([r['step min (mm)'], r['step median (mm)'], r['step max (mm)'], r.SliceThickness], [2.5, 2.5, 2.5, 2.5]);
    for (const c of Object.keys(SERIES_CHECKS)) assert.equal(r[c], null, c);
  });

  it('a check without a count is ✓; a description that is a formula stays text', () => {
    const r = rows.get(uids.gapped)!;
    assert.equal(r.thickness_spacing_mismatch, '✓');
    assert.equal(r.findings, 'thickness_spacing_mismatch');
    assert.equal(r['worst severity'], 'info');
    assert.equal(r.volume, 'yes');
    assert.equal(r.SeriesDescription, `'=HYPERLINK("http://x","y")`);
  });
});
