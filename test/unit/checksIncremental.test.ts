/** The checks follow the index: computed only for the series a run changed, never stale after a run that stopped early. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { indexFolder } from '../../src/core/indexer';
import { checkReport } from '../../src/core/checks/report';
import { countCohort } from '../../src/core/cohort/query';
import { sqliteStore } from '../../src/core/store/sqliteStore';
import { writeGeometryFixtures } from '../fixtures/geometrySeries';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

const CASES = new Set(['clean-axial', 'gap-1', 'sagittal-mr', 'overlapping']);

async function report(db: string) {
  const idx = await IndexDatabase.open(db, { readOnly: true });
  try {
    return await checkReport(sqliteStore(idx));
  } finally {
    idx.close();
  }
}

describe('checks: recomputed only where a run changed something', function () {
  this.timeout(120_000);
  let root: string;
  let db: string;
  beforeEach(() => {
    root = makeTempDir('dwi-checks-inc-');
    writeGeometryFixtures(root, (c) => CASES.has(c.name));
    db = path.join(root, '.dicom', 'index.sqlite');
  });
  afterEach(() => removeTempDir(root));

  const run = async () => {
    const log: string[] = [];
    await indexFolder(root, { log: (m) => log.push(m) });
    const line = log.find((l) => l.startsWith('checks:'));
    return line ? Number(/checks: (\d+) series/.exec(line)![1]) : 0;
  };

  it('checks every series once, then only the series whose files changed, added or went', async () => {
    assert.equal(await run(), 4);
    const before = await report(db);
    assert.equal(await run(), 0, 'nothing changed: nothing recomputed');
    assert.deepEqual(await report(db), before);

    // A slice taken out of the clean volume: it alone is checked again, and now misses a slice.
    const clean = path.join(root, 'clean-axial');
    const files = fs.readdirSync(clean).filter((f) => f.endsWith('.dcm')).sort();
    fs.rmSync(path.join(clean, files[4]));
    assert.equal(await run(), 1);
    const after = await report(db);
    const byFolder = (r: typeof after, f: string) => r.series.find((s) => s.folder === f)!;
    assert.deepEqual(byFolder(after, 'clean-axial').findings.map((f) => [f.check, f.count]), [['missing_slices', 1], ['instance_number_gaps', 1]]);
    assert.equal(byFolder(after, 'clean-axial').volume, false);
    for (const other of ['gap-1', 'sagittal-mr', 'overlapping']) assert.deepEqual(byFolder(after, other), byFolder(before, other));

    // A whole series removed: its checks go with it.
    fs.rmSync(path.join(root, 'sagittal-mr'), { recursive: true });
    assert.equal(await run(), 1);
    const gone = await report(db);
    assert.equal(gone.totals.series, 3);
    assert.equal(gone.series.find((s) => s.folder === 'sagittal-mr'), undefined);
  });

  it('a run that stopped before its checks leaves them pending, and readers check those series themselves', async () => {
    await run();
    const before = await report(db);
    // What a killed run can leave: a file's instance row gone, its series marked pending, the old checks still stored.
    const idx = await IndexDatabase.open(db, { dataRoot: root });
    const uid = before.series.find((s) => s.folder === 'clean-axial')!.SeriesInstanceUID;
    const victim = idx.scalar(
      "SELECT i.file_id FROM instance i JOIN series_key k ON k.id = i.series_id WHERE k.SeriesInstanceUID = ? ORDER BY i.pos_z LIMIT 1 OFFSET 4",
      [uid],
    ) as number;
    idx.db.run('DELETE FROM instance WHERE file_id = ?', [victim]);
    idx.db.run('INSERT INTO checks_pending(SeriesInstanceUID) VALUES (?)', [uid]);
    idx.markDirty();
    idx.save();
    idx.close();

    const r = await report(db);
    assert.deepEqual(r.series.find((s) => s.SeriesInstanceUID === uid)!.findings.map((f) => f.check), ['missing_slices', 'instance_number_gaps']);
    assert.equal(r.totals.volumes, before.totals.volumes - 1);
    // The next run completes them and stores them.
    assert.equal(await run(), 1);
    const ro = await IndexDatabase.open(db, { readOnly: true });
    try {
      assert.equal(ro.scalar('SELECT COUNT(*) FROM checks_pending'), 0);
      assert.equal(ro.scalar("SELECT group_concat(check_name) FROM series_findings WHERE SeriesInstanceUID = ?", [uid]), 'instance_number_gaps,missing_slices');
      assert.equal((await countCohort(sqliteStore(ro), { volumesOnly: true })).series, before.totals.volumes - 1);
    } finally {
      ro.close();
    }
  });
});
