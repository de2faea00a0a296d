// The tree's check queries (src/core/queries/checks.ts): the counts behind the Checks node, the series
// of one check, a study's series by UID; series still pending are checked on the spot, never twice.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { indexFolder } from '../../src/core/indexer';
import { checksOfSeries, checksOverview, seriesWithCheck } from '../../src/core/queries/checks';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

describe('check queries for the tree', function () {
  this.timeout(60_000);
  let dir: string;
  let idx: IndexDatabase;
  const uid: Record<string, string> = {};

  before(async () => {
    dir = makeTempDir('dwi-check-queries-');
    const data = path.join(dir, 'data');
    for (const [name, patientId, seriesNumber] of [['a', 'P-10', 1], ['b', 'P-2', 5], ['c', 'P-2', 3]] as const) {
      const s = fx.writeSeries(path.join(data, name), { count: 8, sliceThickness: 1, patientId, seriesNumber, seriesDescription: `GAP ${name}` });
      fs.unlinkSync(s.paths[3]);
      uid[name] = s.seriesInstanceUid;
    }
    uid.clean = fx.writeSeries(path.join(data, 'clean'), { count: 5, sliceThickness: 2, patientId: 'P-3' }).seriesInstanceUid;
    const dbPath = path.join(dir, 'index.sqlite');
    await indexFolder(data, { dbPath });
    idx = await IndexDatabase.open(dbPath);
  });

  after(() => {
    idx?.close();
    removeTempDir(dir);
  });

  it('the overview: series, volumes, the checks that fired worst first', async () => {
    const o = await checksOverview(sqliteStore(idx));
    assert.deepEqual([o.series, o.volumes, o.withFindings], [4, 1, 3]);
    assert.deepEqual(
      o.checks.map((c) => [c.check, c.severity, c.series, c.count]),
      [
        ['missing_slices', 'error', 3, 3],
        ['instance_number_gaps', 'info', 3, 3],
      ],
    );
    assert.deepEqual(o.dataset, []);
  });

  it('the series of one check, by PatientID in natural order, then SeriesNumber; limited, with the total', async () => {
    const all = await seriesWithCheck(sqliteStore(idx), 'missing_slices');
    assert.deepEqual(all.rows.map((r) => `${r.PatientID} #${r.SeriesNumber}`), ['P-2 #3', 'P-2 #5', 'P-10 #1']);
    assert.match(all.rows[0].finding.detail, /^1 slice missing in 1 gap/);
    const two = await seriesWithCheck(sqliteStore(idx), 'missing_slices', 2);
    assert.deepEqual([two.rows.length, two.total], [2, 3]);
    assert.deepEqual((await seriesWithCheck(sqliteStore(idx), 'localizer')).rows, []);
  });

  it('a study\'s series by UID: findings, volume and step', async () => {
    const m = await checksOfSeries(sqliteStore(idx), [uid.a, uid.clean, '', 'no-such-uid']);
    assert.deepEqual([...m.keys()].sort(), [uid.a, uid.clean].sort());
    assert.deepEqual(m.get(uid.a)!.findings.map((f) => f.check), ['missing_slices', 'instance_number_gaps']);
    assert.equal(m.get(uid.a)!.worst, 'error');
    assert.deepEqual(m.get(uid.clean), { images: 5, volume: true, spacing: { min: 2, median: 2, max: 2 }, spacingNote: null, worst: null, findings: [] });
  });

  it('a series still pending is checked now, and counted once', async () => {
    const before = await checksOverview(sqliteStore(idx));
    idx.db.run('INSERT INTO checks_pending(SeriesInstanceUID) VALUES (?), (?)', [uid.a, uid.clean]);
    try {
      assert.deepEqual(await checksOverview(sqliteStore(idx)), before);
      assert.equal((await seriesWithCheck(sqliteStore(idx), 'missing_slices')).total, 3);
      const m = await checksOfSeries(sqliteStore(idx), [uid.a, uid.clean]);
      assert.equal(m.get(uid.a)!.worst, 'error');
      assert.equal(m.get(uid.clean)!.volume, true);
    } finally {
      idx.db.run('DELETE FROM checks_pending');
    }
  });
});
