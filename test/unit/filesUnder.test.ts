/** indexedFilesAtOrUnder (src/core/queries/filesUnder.ts) on a real index of dcmjs-written files. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { defaultDbPath, indexFolder } from '../../src/core/indexer';
import { indexedFilesAtOrUnder } from '../../src/core/queries/filesUnder';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

describe('query: indexed files at or under a path', function () {
  this.timeout(60_000);
  let root: string;
  let idx: IndexDatabase;

  before(async () => {
    root = makeTempDir('dwi-files-under-');
    fx.writeSeries(path.join(root, 'A', 'S1'), { count: 2, sliceThickness: 1, patientId: 'A' });
    fx.writeSeries(path.join(root, 'A', 'S10'), { count: 1, sliceThickness: 1, patientId: 'A' });
    fx.writeSeries(path.join(root, 'a_b'), { count: 1, sliceThickness: 1, patientId: 'B' });
    fx.writeSeries(path.join(root, 'axb'), { count: 1, sliceThickness: 1, patientId: 'C' });
    fx.writeSeries(path.join(root, '100%'), { count: 1, sliceThickness: 1, patientId: 'D' });
    fx.writeSeries(path.join(root, '1000'), { count: 1, sliceThickness: 1, patientId: 'E' });
    fx.writeNotDicom(root, 'top.dcm');
    const r = await indexFolder(root);
    assert.equal(r.candidates, 8);
    idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
  });

  after(() => {
    idx?.close();
    removeTempDir(root);
  });

  it('a file: itself, whatever its status', () => {
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'A/S1/1-002.dcm'), ['A/S1/1-002.dcm']);
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'top.dcm'), ['top.dcm']);
  });

  it('a folder: every file under it, nested too, and not a sibling that shares its name as a prefix', () => {
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'A/S1'), ['A/S1/1-001.dcm', 'A/S1/1-002.dcm']);
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'A'), ['A/S1/1-001.dcm', 'A/S1/1-002.dcm', 'A/S10/1-001.dcm']);
  });

  it('_ and % in a folder name are characters, not wildcards', () => {
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'a_b'), ['a_b/1-001.dcm']);
    assert.deepEqual(indexedFilesAtOrUnder(idx, '100%'), ['100%/1-001.dcm']);
  });

  it('a path that was never indexed: nothing', () => {
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'A/S'), []);
    assert.deepEqual(indexedFilesAtOrUnder(idx, 'nowhere/x.dcm'), []);
  });
});
