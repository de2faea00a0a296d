/**
 * A watcher's batch with gone paths (deleted paths that may have been folders): the run names the
 * indexed files at or under each, as it finds the index (src/core/indexer.ts), on real indexes of
 * dcmjs-written files: a folder forgets its files, nested too, and never a sibling that shares its
 * name as a prefix; `_` and `%` are characters; a path never indexed names nothing; a folder still
 * there (deleted and made again) is read again where it changed, not forgotten.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexDatabase } from '../../src/core/db/database';
import { defaultDbPath, indexFolder } from '../../src/core/indexer';
import * as fx from '../fixtures/dicomFiles';
import { makeTempDir, removeTempDir } from '../fixtures/tmp';

async function indexedPaths(root: string): Promise<string[]> {
  const idx = await IndexDatabase.open(defaultDbPath(root), { readOnly: true });
  try {
    return idx.all<{ path: string }>('SELECT path FROM file_rows ORDER BY path').map((r) => r.path);
  } finally {
    idx.close();
  }
}

describe('a batch with gone paths: the indexed files at or under them', function () {
  this.timeout(60_000);
  let root: string;

  beforeEach(async () => {
    root = makeTempDir('dwi-gone-');
    fx.writeSeries(path.join(root, 'A', 'S1'), { count: 2, sliceThickness: 1, patientId: 'A' });
    fx.writeSeries(path.join(root, 'A', 'S10'), { count: 1, sliceThickness: 1, patientId: 'A' });
    fx.writeSeries(path.join(root, 'a_b'), { count: 1, sliceThickness: 1, patientId: 'B' });
    fx.writeSeries(path.join(root, 'axb'), { count: 1, sliceThickness: 1, patientId: 'C' });
    fx.writeSeries(path.join(root, '100%'), { count: 1, sliceThickness: 1, patientId: 'D' });
    fx.writeSeries(path.join(root, '1000'), { count: 1, sliceThickness: 1, patientId: 'E' });
    fx.writeNotDicom(root, 'top.dcm');
    assert.equal((await indexFolder(root)).candidates, 8);
  });
  afterEach(() => removeTempDir(root));

  const gone = (...rels: string[]) => indexFolder(root, { only: [], gone: rels });
  const rm = (rel: string) => fs.rmSync(path.join(root, rel), { recursive: true });

  it('a folder: every file under it, nested too, not a sibling that shares its name as a prefix', async () => {
    rm('A/S1');
    const r = await gone('A/S1');
    assert.deepEqual([r.removed, r.read], [2, 0]);
    assert.ok((await indexedPaths(root)).includes('A/S10/1-001.dcm'));
    rm('A');
    assert.equal((await gone('A')).removed, 1, 'A/S10, under A');
    assert.ok(!(await indexedPaths(root)).some((p) => p.startsWith('A/')));
  });

  it('_ and % in a folder name are characters, not wildcards; a file named as gone is itself', async () => {
    rm('a_b');
    rm('100%');
    rm('top.dcm');
    const r = await gone('a_b', '100%', 'top.dcm');
    assert.equal(r.removed, 3);
    const left = await indexedPaths(root);
    assert.ok(left.includes('axb/1-001.dcm') && left.includes('1000/1-001.dcm'), left.join(', '));
  });

  it('a path never indexed names nothing; a folder still there is read again only where it changed', async () => {
    const none = await gone('A/S', 'nowhere/x.dcm');
    assert.deepEqual([none.removed, none.read], [0, 0]);
    // Deleted and made again, one file different: read again, the other unchanged, nothing forgotten.
    const file = path.join(root, 'A', 'S1', '1-001.dcm');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const again = await gone('A/S1');
    assert.deepEqual([again.removed, again.read, again.unchanged], [0, 1, 1]);
    assert.equal((await indexedPaths(root)).length, 8);
  });
});
