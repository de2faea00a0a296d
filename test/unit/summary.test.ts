/** Pure parts of the summary panel: the series query, the Markdown summary, formatting, message checks. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { defaultDbPath, indexFolder } from '../../src/core/indexer';
import { computeStats } from '../../src/core/stats';
import { querySeries, readSummary } from '../../src/extension/summary/data';
import { mdCell, summaryMarkdown } from '../../src/extension/summary/markdown';
import { isHostMessage, isWebviewMessage, PROTOCOL_VERSION, StatsData } from '../../src/shared/messages';
import { formatBytes, formatPixelSpacing, modalityList, percent, thicknessRange } from '../../src/shared/summaryFormat';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

function stats(over: Partial<StatsData> = {}): StatsData {
  return {
    patients: 2,
    studies: 3,
    series: 4,
    instances: 1234,
    distinctSopInstances: 1234,
    duplicateSopInstances: 0,
    duplicateSopFiles: 0,
    conflicts: { patients: 0, studies: 0, series: 0 },
    files: { total: 1240, ok: 1230, partial: 4, error: 1, notDicom: 5 },
    instancesPerStudy: { mean: 411.3333333, min: 10, max: 1000 },
    sliceThickness: { min: 1.25, max: 2.5, missing: 3, invalid: 0, histogram: { '2.5': 200, '1.25': 1031 }, seriesHistogram: { '1.25': 3, '2.5': 1 } },
    modalities: { CT: 1200, 'M|R': 34 },
    totalBytes: 1.5 * 1024 ** 3,
    missingKeys: { PatientID: 0, StudyInstanceUID: 0, SeriesInstanceUID: 0, SOPInstanceUID: 0 },
    lastIndexed: '2025-01-31T10:20:30.000Z',
    incomplete: false,
    ...over,
  };
}

describe('summary: formatting', () => {
  it('formats bytes, spacings, the thickness range, modalities and shares', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1.5 * 1024 ** 3), '1.50 GiB');
    assert.equal(formatBytes(125 * 1024 ** 3), '125.0 GiB');
    assert.equal(formatPixelSpacing('0.703125\\0.703125'), '0.703 × 0.703');
    assert.equal(formatPixelSpacing('odd'), 'odd');
    assert.equal(formatPixelSpacing('0.6000000238419\\0.6'), '0.6 × 0.6');
    assert.equal(thicknessRange(stats()), '1.25–2.5 mm');
    assert.equal(thicknessRange(stats({ sliceThickness: { ...stats().sliceThickness, min: 0.8, max: 650.181824 } })), '0.8–650.182 mm');
    assert.equal(thicknessRange(stats({ sliceThickness: { ...stats().sliceThickness, min: 2, max: 2 } })), '2 mm');
    assert.equal(thicknessRange(stats({ sliceThickness: { ...stats().sliceThickness, min: null, max: null } })), 'none');
    assert.equal(percent(1, 3), '33%');
    assert.equal(percent(1, 200), '0.5%');
    assert.equal(percent(1, 0), '');
    assert.deepEqual(modalityList(stats({ modalities: { MR: 5, '': 2, CT: 5 } })), [['CT', 5], ['MR', 5], ['(none)', 2]]);
  });
});

describe('summary: Markdown', () => {
  it('builds a statistics table and a thickness table, numbers as the cards show them', () => {
    const md = summaryMarkdown(stats(), 'DICOM summary: LIDC');
    const lines = md.trimEnd().split('\n');
    assert.equal(lines[0], '### DICOM summary: LIDC');
    assert.ok(lines.includes('| Statistic | Value |'));
    assert.ok(lines.includes('| Patients | 2 |'));
    assert.ok(lines.includes('| Instances (slices) | 1,234 |'));
    assert.ok(lines.includes('| Instances per study | 411.3 (min 10, max 1,000) |'));
    assert.ok(lines.includes('| Slice thickness | 1.25–2.5 mm (3 without) |'));
    assert.ok(lines.includes('| Size on disk | 1.50 GiB |'));
    assert.ok(lines.includes('| Files with problems | 10 (4 partial, 1 unreadable, 5 not DICOM) |'));
    // thickness rows sorted numerically, with instances and series
    const i = lines.indexOf('| Slice thickness (mm) | Instances | Series |');
    assert.ok(i > 0);
    assert.deepEqual(lines.slice(i + 2, i + 4), ['| 1.25 | 1,031 | 3 |', '| 2.5 | 200 | 1 |']);
    // every table row has the same number of cells as its header
    for (const l of lines.filter((x) => x.startsWith('|'))) assert.ok(/^\|.*\|$/.test(l), l);
  });

  it('escapes values that come from DICOM files', () => {
    const md = summaryMarkdown(stats({ modalities: { CT: 10, 'M|R': 2, '<img src=x>': 1 } }));
    const row = md.split('\n').find((l) => l.startsWith('| Modalities'))!;
    assert.equal(row, '| Modalities | CT 10, M\\|R 2, &lt;img src=x&gt; 1 |');
    assert.equal(row.replace(/\\\|/g, '').split('|').length, 4);
    assert.equal(mdCell('a*b_c`d\\e\nf'), 'a\\*b\\_c\\`d\\\\e f');
  });

  it('says when the index is empty of thicknesses, duplicated, conflicting or incomplete', () => {
    const md = summaryMarkdown(
      stats({
        duplicateSopInstances: 7,
        duplicateSopFiles: 9,
        missingKeys: { PatientID: 0, StudyInstanceUID: 0, SeriesInstanceUID: 0, SOPInstanceUID: 1 },
        conflicts: { patients: 0, studies: 2, series: 1 },
        incomplete: true,
        sliceThickness: { min: null, max: null, missing: 0, invalid: 0, histogram: {}, seriesHistogram: {} },
      }),
    );
    assert.ok(md.includes('| Slice thickness | none |'));
    assert.ok(md.includes('| SOP Instance UIDs | 7 SOP Instance UIDs appear in more than one file (9 extra files); 1 file has no SOP Instance UID |'), md);
    assert.ok(md.includes('| Conflicting attributes | 2 Study UIDs and 1 Series UID have files that disagree on their attributes (each file keeps its own values) |'), md);
    assert.ok(!md.includes('Slice thickness (mm)'));
    assert.ok(md.includes('incomplete'));
  });

  it('leaves out the duplicates and conflicts rows when there are none, and writes the indexed time as the panel does', () => {
    const md = summaryMarkdown(stats({ conflicts: { patients: 0, studies: 0, series: 0 }, lastIndexed: new Date(2025, 0, 31, 10, 20, 30).toISOString() }));
    assert.ok(!md.includes('SOP Instance UID'));
    assert.ok(!md.includes('Conflicting'));
    assert.ok(md.includes('Indexed 2025-01-31 10:20.'), md);
  });
});

describe('summary: messages', () => {
  it('accepts well-formed webview messages of this version only', () => {
    const v = PROTOCOL_VERSION;
    assert.ok(isWebviewMessage({ v, type: 'ready' }));
    assert.ok(isWebviewMessage({ v, type: 'export', format: 'xlsx' }));
    assert.ok(isWebviewMessage({ v, type: 'savePng', chart: 'modalities', dataUrl: 'data:image/png;base64,AAAA' }));
    assert.ok(isWebviewMessage({ v, type: 'revealSeries', uid: '1.2.3' }));
    assert.ok(!isWebviewMessage({ v: v + 1, type: 'ready' }));
    assert.ok(!isWebviewMessage({ v, type: 'export', format: 'pdf' }));
    assert.ok(!isWebviewMessage({ v, type: 'savePng', chart: 'modalities', dataUrl: 'javascript:alert(1)' }));
    assert.ok(!isWebviewMessage({ v, type: 'savePng', chart: 'other', dataUrl: 'data:image/png;base64,AAAA' }));
    assert.ok(!isWebviewMessage({ v, type: 'revealSeries', uid: 3 }));
    assert.ok(!isWebviewMessage({ v, type: 'deleteEverything' }));
    assert.ok(!isWebviewMessage(null));
    assert.ok(!isWebviewMessage('ready'));
    assert.ok(isHostMessage({ v, type: 'notice', text: 'x', kind: 'info' }));
    assert.ok(!isHostMessage({ v: 0, type: 'state' }));
  });
});

describe('summary: series query', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = makeTempDir('dwi-summary-');
    fx.writeSeries(path.join(root, 'B', 'S1'), { count: 3, sliceThickness: 2.5, patientId: 'P-B', patientName: 'Bee^Bob', seriesNumber: 2, seriesDescription: 'AXIAL | <b>2.5</b>' });
    const st = fx.newUid();
    const mixed = fx.newUid();
    fx.writeSeries(path.join(root, 'A', 'S1'), { count: 2, sliceThickness: 1.25, patientId: 'P-A', studyInstanceUid: st, seriesInstanceUid: mixed, seriesNumber: 3 });
    fx.writeSeries(path.join(root, 'A', 'S1'), { count: 1, sliceThickness: 5, patientId: 'P-A', studyInstanceUid: st, seriesInstanceUid: mixed, seriesNumber: 3, firstInstanceNumber: 10 });
    fx.writeSeries(path.join(root, 'A', 'S2'), { count: 2, sliceThickness: 1, patientId: 'P-A', studyInstanceUid: st, seriesNumber: 1, rows: 8, cols: 12 });
    fx.writeNotDicom(root);
    await indexFolder(root);
  });
  after(() => removeTempDir(root));

  it('lists every series with patient, images, distinct thicknesses and sizes, ordered by patient and series number', async () => {
    const idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
    try {
      const { rows, total } = (await querySeries(idx));
      assert.equal(total, 3);
      assert.deepEqual(
        rows.map((r) => [r.patientId, r.seriesNumber, r.images, r.thickness, r.size]),
        [
          ['P-A', 1, 2, [1], ['8×12']],
          ['P-A', 3, 3, [1.25, 5], ['16×16']],
          ['P-B', 2, 3, [2.5], ['16×16']],
        ],
      );
      const b = rows[2];
      assert.equal(b.patient, 'Bee^Bob');
      assert.equal(b.patientName, 'Bee^Bob', 'the raw PN: the webview formats it');
      // P-A's series 3 was written twice with the fixture's default descriptions ("SERIES 1.25MM", "SERIES 5MM").
      assert.deepEqual(rows.map((r) => r.conflicts), [[], ['SeriesDescription'], []]);
      assert.equal(b.description, 'AXIAL | <b>2.5</b>');
      assert.ok(b.uid.startsWith('2.25.'));
      assert.equal(rows.reduce((a, r) => a + r.images, 0), (await computeStats(idx)).instances);

      const capped = (await querySeries(idx, 2));
      assert.equal(capped.total, 3);
      assert.equal(capped.rows.length, 2);

      const summary = await readSummary(idx);
      assert.deepEqual(summary.stats, (await computeStats(idx)));
      assert.equal(summary.seriesTotal, 3);
    } finally {
      idx.close();
    }
  });

  it('shows PatientID when the patient identity is not stored', async () => {
    const other = makeTempDir('dwi-summary-anon-');
    try {
      fx.writeSeries(path.join(other, 'S'), { count: 1, sliceThickness: 3, patientId: 'SECRET', patientName: 'Secret^Person' });
      await indexFolder(other, { storePatientIdentity: false });
      const idx = await IndexDatabase.open(defaultDbPath(other), { readOnly: true });
      try {
        const [r] = (await querySeries(idx)).rows;
        assert.equal(r.patient, r.patientId);
        assert.equal(r.patientName, '');
        assert.notEqual(r.patient, 'SECRET');
        assert.ok(!JSON.stringify(r).includes('Secret'));
      } finally {
        idx.close();
      }
    } finally {
      removeTempDir(other);
    }
  });
});

describe('summary: one table row per Series UID', function () {
  this.timeout(60_000);
  let root: string;
  let split: string;
  before(async () => {
    root = makeTempDir('dwi-summary-uid-');
    // One Series UID whose files disagree on PatientID (the index keeps it under two patients) and on SeriesDescription.
    split = fx.newUid();
    const study = fx.newUid();
    fx.writeSeries(path.join(root, 'split', 'a'), { count: 3, sliceThickness: 1.25, patientId: 'P-1', studyInstanceUid: study, seriesInstanceUid: split, seriesDescription: 'DTI' });
    fx.writeSeries(path.join(root, 'split', 'b'), { count: 2, sliceThickness: 2.5, patientId: 'P-2', studyInstanceUid: study, seriesInstanceUid: split, seriesDescription: 'DTI b', firstInstanceNumber: 10, rows: 8, cols: 8 });
    // One Series UID under two studies of one patient.
    fx.writeSeries(path.join(root, 'studies', 'a'), { count: 1, sliceThickness: 3, patientId: 'P-3', seriesInstanceUid: '1.2.3.4', seriesDescription: 'SAME' });
    fx.writeSeries(path.join(root, 'studies', 'b'), { count: 1, sliceThickness: 3, patientId: 'P-3', seriesInstanceUid: '1.2.3.4', seriesDescription: 'SAME', firstInstanceNumber: 5 });
    // Files with no Series UID: a group of files, not a series.
    fx.writeSeries(path.join(root, 'nouid'), { count: 2, sliceThickness: 5, patientId: 'P-4', overrides: { SeriesInstanceUID: '' } });
    // An ordinary series.
    fx.writeSeries(path.join(root, 'plain'), { count: 4, sliceThickness: 1, patientId: 'P-5' });
    await indexFolder(root);
  });
  after(() => removeTempDir(root));

  it('joins the parts of one UID, adds up their images, and names what they disagree on', async () => {
    const idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
    try {
      const stats = (await computeStats(idx));
      const { rows, total } = (await querySeries(idx));
      const withUid = rows.filter((r) => r.uid);
      assert.equal(new Set(withUid.map((r) => r.uid)).size, withUid.length, 'one row per Series UID');
      assert.equal(withUid.length, stats.series, 'the table counts series as the card does');
      assert.equal(total, rows.length);
      assert.equal(rows.reduce((a, r) => a + r.images, 0), stats.instances, 'every file is in one row');

      const s = rows.find((r) => r.uid === split)!;
      assert.equal(s.images, 5);
      assert.deepEqual(s.thickness, [1.25, 2.5]);
      assert.deepEqual(s.size, ['8×8', '16×16']);
      assert.deepEqual(s.conflicts, ['PatientID', 'SeriesDescription']);

      const two = rows.find((r) => r.uid === '1.2.3.4')!;
      assert.equal(two.images, 2);
      assert.deepEqual(two.conflicts, ['StudyInstanceUID'], 'one patient, two studies');

      const none = rows.filter((r) => !r.uid);
      assert.deepEqual(none.map((r) => [r.patientId, r.images, r.conflicts]), [['P-4', 2, []]]);
      assert.deepEqual(rows.find((r) => r.patientId === 'P-5')!.conflicts, []);
    } finally {
      idx.close();
    }
  });
});
