/** indexTotals (src/core/queries/totals.ts): the tree's "N patients · N images", the same numbers as `stats`. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { defaultDbPath, indexFolder } from '../../src/core/indexer';
import { indexTotals } from '../../src/core/queries/totals';
import { computeStats } from '../../src/core/stats';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';
import { corpusDir, loadOracle } from './corpus';

describe('query: index totals', function () {
  this.timeout(120_000);

  it('counts distinct non-empty PatientIDs and DICOM files (ok or partial), as stats does', async () => {
    const root = makeTempDir('dwi-totals-');
    try {
      fx.writeSeries(path.join(root, 'P1', 'a'), { count: 3, sliceThickness: 1, patientId: 'P1' });
      fx.writeSeries(path.join(root, 'P1', 'b'), { count: 2, sliceThickness: 2, patientId: 'P1' });
      fx.writeSeries(path.join(root, 'P2'), { count: 1, sliceThickness: 1, patientId: 'P2' });
      // Files without a PatientID are not a patient, but they are images.
      fx.writeSeries(path.join(root, 'anon1'), { count: 2, sliceThickness: 1, patientId: '' });
      fx.writeSeries(path.join(root, 'anon2'), { count: 1, sliceThickness: 1, patientId: '' });
      fx.writeNotDicom(root, 'readme.dcm');
      fx.writeTruncatedCt(path.join(root, 'P3'), { where: 'pixels', overrides: { PatientID: 'P3' } });
      await indexFolder(root);
      const idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
      try {
        const stats = (await computeStats(idx));
        assert.deepEqual((await indexTotals(idx)), { patients: stats.patients, images: stats.instances });
        assert.deepEqual((await indexTotals(idx)), { patients: 3, images: 10 });
      } finally {
        idx.close();
      }
      // A patient whose files are gone is not counted.
      fs.rmSync(path.join(root, 'P2'), { recursive: true });
      await indexFolder(root);
      const again = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
      try {
        assert.deepEqual((await indexTotals(again)), { patients: 2, images: 9 });
      } finally {
        again.close();
      }
    } finally {
      removeTempDir(root);
    }
  });

  it('the real corpus: the oracle\'s distinct PatientIDs and DICOM files among the indexed files', async function () {
    const dir = corpusDir();
    if (!dir) this.skip();
    const t = makeTempDir('dwi-totals-real-');
    try {
      const dbPath = path.join(t, 'index.sqlite');
      await indexFolder(path.join(dir!, 'real'), { dbPath });
      const idx = await IndexDatabase.open(dbPath, { readOnly: true });
      try {
        const indexed = new Set(idx.all<{ path: string }>("SELECT path FROM file_rows WHERE status IN ('ok', 'partial')").map((r) => r.path));
        const oracle = loadOracle(dir!).filter((r) => indexed.has(r.path.replace(/^real\//, '')));
        assert.equal(oracle.length, indexed.size, 'every indexed DICOM file is in the oracle');
        const ids = new Set(oracle.map((r) => String(r.PatientID ?? '').replace(/[\s\0]+$/, '')).filter(Boolean));
        const totals = (await indexTotals(idx));
        assert.deepEqual(totals, { patients: ids.size, images: indexed.size });
        const stats = (await computeStats(idx));
        assert.deepEqual(totals, { patients: stats.patients, images: stats.instances });
      } finally {
        idx.close();
      }
    } finally {
      removeTempDir(t);
    }
  });
});
