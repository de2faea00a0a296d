/**
 * The summary panel's Dataset checks and Cohort sections, their host side and their messages: what
 * the panel is sent of the check report (one row per check that fired, the series it fired on in
 * the series rows, the measured-step histogram), the guard of the new messages, the form → filter
 * reading of the Cohort form, and the SQL columns its help names.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countCohort } from '../../src/core/cohort/query';
import { IndexDatabase } from '../../src/core/db/database';
import { defaultDbPath, indexFolder } from '../../src/core/indexer';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import { checksSummary, readSummary, stepKey } from '../../src/extension/summary/data';
import { EMPTY_FORM, filterOf, normaliseForm } from '../../src/shared/cohortForm';
import { COHORT_SQL_COLUMNS, isCohortFilter, isHostMessage, isPanelView, isWebviewMessage, MAX_COHORT_TEXT, PROTOCOL_VERSION } from '../../src/shared/messages';
import type { CheckReport } from '../../src/core/checks/report';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

describe('summary checks: messages (protocol 3)', () => {
  const v = PROTOCOL_VERSION;
  it('is a new version: messages of version 2 are refused', () => {
    assert.ok(v >= 3);
    assert.ok(!isWebviewMessage({ v: 2, type: 'ready' }));
    assert.ok(!isHostMessage({ v: 2, type: 'state', state: {} }));
  });

  it('accepts a cohort count question and a cohort export with a well-formed filter', () => {
    const filter = {
      modality: ['CT', 'MR'],
      minThickness: 0.5,
      maxThickness: 2.5,
      minStep: 0.4,
      maxStep: 3,
      minImages: 50,
      maxImages: 1000,
      volumesOnly: true,
      originalOnly: false,
      excludeSeverity: 'warning',
      manufacturer: 'GE',
      kernel: 'B30',
      bodyPart: 'CHEST',
      where: "Rows = 512 AND PixelSpacing LIKE '0.7%'",
    };
    assert.ok(isWebviewMessage({ v, type: 'cohortCount', seq: 0, filter: {} }));
    assert.ok(isWebviewMessage({ v, type: 'cohortCount', seq: 17, filter }));
    for (const format of ['csv', 'json', 'parquet']) assert.ok(isWebviewMessage({ v, type: 'exportCohort', format, filter }), format);
    assert.ok(isWebviewMessage({ v, type: 'savePng', chart: 'seriesStep', dataUrl: 'data:image/png;base64,AAAA' }));
  });

  it('refuses malformed cohort messages', () => {
    const bad: unknown[] = [
      { v, type: 'cohortCount', filter: {} }, // no seq
      { v, type: 'cohortCount', seq: -1, filter: {} },
      { v, type: 'cohortCount', seq: 1.5, filter: {} },
      { v, type: 'cohortCount', seq: '1', filter: {} },
      { v, type: 'cohortCount', seq: 1 }, // no filter
      { v, type: 'cohortCount', seq: 1, filter: null },
      { v, type: 'cohortCount', seq: 1, filter: [] },
      { v, type: 'exportCohort', format: 'xlsx', filter: {} },
      { v, type: 'exportCohort', format: 'csv' },
      { v: v - 1, type: 'exportCohort', format: 'csv', filter: {} },
    ];
    for (const m of bad) assert.ok(!isWebviewMessage(m), JSON.stringify(m));
  });

  it('a filter has only known fields, each of its type', () => {
    const ok = (f: unknown) => isCohortFilter(f);
    assert.ok(ok({}));
    assert.ok(ok({ modality: [] }));
    assert.ok(!ok({ modality: 'CT' }));
    assert.ok(!ok({ modality: [1] }));
    assert.ok(!ok({ modality: Array(101).fill('CT') }));
    assert.ok(!ok({ minThickness: '1' }));
    assert.ok(!ok({ maxStep: Number.NaN }));
    assert.ok(!ok({ maxImages: Infinity }));
    assert.ok(!ok({ volumesOnly: 'yes' }));
    assert.ok(!ok({ excludeSeverity: 'fatal' }));
    assert.ok(ok({ excludeSeverity: 'info' }));
    assert.ok(!ok({ where: 42 }));
    assert.ok(ok({ where: 'x'.repeat(MAX_COHORT_TEXT) }));
    assert.ok(!ok({ where: 'x'.repeat(MAX_COHORT_TEXT + 1) }));
    assert.ok(!ok({ dropTable: true }), 'an unknown field');
    assert.ok(!ok(JSON.parse('{"__proto__": {"where": "1"}}')), 'a __proto__ key is an unknown field');
  });

  it('the view the webview sends for the host to keep, and the host sends back: known shapes only', () => {
    const view = { savedAt: 1_700_000_000_000, sort: { column: 'images', descending: true }, filter: 'lung', facet: { kind: 'check', value: 'missing_slices' }, cohort: { ...EMPTY_FORM, volumesOnly: true } };
    assert.ok(isWebviewMessage({ v, type: 'saveView', view }));
    assert.ok(isHostMessage({ v, type: 'view', view }));
    assert.ok(isPanelView({ savedAt: 1 }));
    for (const facet of [{ kind: 'thickness', value: 2.5 }, { kind: 'step', value: 0.625 }, { kind: 'modality', value: 'CT' }]) assert.ok(isPanelView({ savedAt: 1, facet }), JSON.stringify(facet));
    const bad: unknown[] = [
      {},
      { savedAt: '1' },
      { savedAt: 1, sort: { column: 'nope', descending: true } },
      { savedAt: 1, sort: { column: 'images' } },
      { savedAt: 1, filter: 3 },
      { savedAt: 1, facet: { kind: 'check', value: 'no_such_check' } },
      { savedAt: 1, facet: { kind: 'thickness', value: '2.5' } },
      { savedAt: 1, facet: { kind: 'other', value: 1 } },
      { savedAt: 1, cohort: [] },
      { savedAt: 1, cohort: { where: 'x'.repeat(30_000) } },
    ];
    for (const b of bad) {
      assert.ok(!isPanelView(b), JSON.stringify(b).slice(0, 80));
      assert.ok(!isWebviewMessage({ v, type: 'saveView', view: b }));
    }
  });

  it('the host answers a count with its question number, a count or an error', () => {
    const count = { patients: 1, studies: 1, series: 2, images: 10, files: 10 };
    assert.ok(isHostMessage({ v, type: 'cohortCount', seq: 3, count }));
    assert.ok(isHostMessage({ v, type: 'cohortCount', seq: 3, count: null, error: 'the SQL condition was refused: no such column: x' }));
    assert.ok(!isHostMessage({ v, type: 'cohortCount', count }));
    assert.ok(!isHostMessage({ v, type: 'cohortCount', seq: 3, count: 5 }));
    assert.ok(!isHostMessage({ v, type: 'cohortCount', seq: 3, count: null, error: 5 }));
  });
});

describe('summary checks: the Cohort form', () => {
  it('reads the form into a filter: empty fields do not filter, bounds are numbers', () => {
    assert.deepEqual(filterOf(EMPTY_FORM), { filter: {} });
    const f = filterOf({ ...EMPTY_FORM, modality: ['CT'], minThickness: ' 0.5 ', maxStep: '2,5', minImages: '50', volumesOnly: true, excludeSeverity: 'error', kernel: '  B30f ', where: ' Rows = 512 ' });
    assert.deepEqual(f, { filter: { modality: ['CT'], minThickness: 0.5, maxStep: 2.5, minImages: 50, volumesOnly: true, excludeSeverity: 'error', kernel: 'B30f', where: 'Rows = 512' } });
    const bad = filterOf({ ...EMPTY_FORM, maxThickness: 'thin' });
    assert.equal(bad.filter, undefined);
    assert.match(bad.error!, /maximum slice thickness must be a number/);
    // every filter it makes passes the message guard
    assert.ok(isCohortFilter(f.filter));
  });

  it('a saved form is read back field by field (anything else: the empty value)', () => {
    assert.deepEqual(normaliseForm(undefined), EMPTY_FORM);
    assert.deepEqual(normaliseForm({ modality: ['CT', 3], volumesOnly: 'yes', excludeSeverity: 'fatal', minStep: 7, kernel: 'B' }), { ...EMPTY_FORM, modality: ['CT'], kernel: 'B' });
  });
});

describe('summary checks: what the panel is sent', function () {
  this.timeout(60_000);
  let root: string;
  let gap: string;
  let clean: string;
  before(async () => {
    root = makeTempDir('dwi-summary-checks-');
    // A series of 8 slices 2.5 mm apart with its 4th slice gone (a missing slice), and a clean one of 6 slices 1.25 mm apart.
    const g = fx.writeSeries(path.join(root, 'P1', 'gap'), { count: 8, sliceThickness: 2.5, patientId: 'P1', seriesNumber: 2, seriesDescription: 'GAP' });
    fs.rmSync(g.paths[3]);
    gap = g.seriesInstanceUid;
    clean = fx.writeSeries(path.join(root, 'P2', 'clean'), { count: 6, sliceThickness: 1.25, patientId: 'P2', seriesNumber: 3, seriesDescription: 'CLEAN' }).seriesInstanceUid;
    await indexFolder(root);
  });
  after(() => removeTempDir(root));

  it('one row per check that fired, its series and images; the series rows carry their findings and step', async () => {
    const idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
    try {
      const s = await readSummary(idx);
      assert.ok(s.checks, s.checksError);
      assert.equal(s.checks.series, 2);
      assert.equal(s.checks.volumes, 1);
      const missing = s.checks.rows.find((r) => r.check === 'missing_slices');
      assert.deepEqual(missing, { check: 'missing_slices', severity: 'error', series: 1, images: 7, count: null, detail: '' });
      // worst first
      const ranks = s.checks.rows.map((r) => ({ error: 3, warning: 2, info: 1 })[r.severity]);
      assert.deepEqual(ranks, [...ranks].sort((a, b) => b - a));
      const gapRow = s.series.find((r) => r.uid === gap)!;
      const cleanRow = s.series.find((r) => r.uid === clean)!;
      assert.ok(gapRow.findings.includes('missing_slices'), JSON.stringify(gapRow.findings));
      assert.deepEqual(cleanRow.findings, []);
      assert.equal(gapRow.step, 2.5);
      assert.equal(cleanRow.step, 1.25);
      assert.deepEqual(s.checks.stepHistogram, { '1.25': 1, '2.5': 1 });
      assert.equal(s.checks.noStep, 0);
      // no per-series detail strings travel to the webview
      assert.ok(!JSON.stringify(s.checks).includes('median step'), JSON.stringify(s.checks));
      // the cohort the panel counts: volumes only leaves the clean series
      const store = sqliteStore(idx);
      assert.equal((await countCohort(store, {})).series, 2);
      assert.deepEqual(await countCohort(store, { volumesOnly: true }), { patients: 1, studies: 1, series: 1, images: 6, files: 6 });
    } finally {
      idx.close();
    }
  });

  it('dataset findings are rows with their count and sentence; the step histogram leaves out series without a step', () => {
    const report = {
      series: [
        { SeriesInstanceUID: 'a', images: 10, spacing: { min: 1, median: 1.0004, max: 1 }, findings: [{ check: 'localizer', severity: 'info', count: null, detail: '' }] },
        { SeriesInstanceUID: 'b', images: 1, spacing: null, findings: [{ check: 'localizer', severity: 'info', count: null, detail: '' }] },
      ],
      dataset: [{ check: 'study_in_several_patients', severity: 'warning', count: 2, detail: '2 Study UIDs found under more than one PatientID' }],
      totals: { series: 2, volumes: 0, images: 11, byCheck: { localizer: 2 } },
    } as unknown as CheckReport;
    const c = checksSummary(report);
    assert.deepEqual(
      c.rows.map((r) => [r.check, r.series, r.images, r.count]),
      [
        ['study_in_several_patients', null, null, 2],
        ['localizer', 2, 11, null],
      ],
    );
    assert.equal(c.rows[0].detail, '2 Study UIDs found under more than one PatientID');
    assert.deepEqual(c.stepHistogram, { '1': 1 });
    assert.equal(c.noStep, 1);
    assert.equal(stepKey(0.62500001), 0.625);
  });

  it('the SQL columns the Advanced field names are the columns of series_geometry', async () => {
    const idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
    try {
      const cols: string[] = [];
      idx.each('PRAGMA table_info(series_geometry)', [], (r) => cols.push(String(r[1])));
      assert.deepEqual([...COHORT_SQL_COLUMNS], cols);
    } finally {
      idx.close();
    }
  });
});
