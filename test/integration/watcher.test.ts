/**
 * Keeping the index current while the extension runs: files added, changed and deleted (and a
 * deleted folder, and a burst of files) are re-indexed by the FileSystemWatcher, and the tree follows.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { DicomApi } from '../../src/extension/api';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, dbNumber, freshWorkspace, getApi, waitFor } from './helpers';

const COUNT_FILES = 'SELECT COUNT(*) FROM files';

describe('watcher', function () {
  this.timeout(180_000);
  let api: DicomApi;
  let dir: string;
  let series: fx.SeriesFixture;

  before(async () => {
    api = await getApi();
    dir = await freshWorkspace(api);
    series = fx.writeSeries(path.join(dir, 'W-1'), { count: 3, sliceThickness: 2, patientId: 'W-1' });
    fs.mkdirSync(path.join(dir, 'W-2'));
    const [r] = await api.indexAll();
    assert.strictEqual(r.result?.read, 3);
    api.setWatching(true);
  });

  after(() => api.setWatching(true));

  it('a file added is indexed, and the tree shows it', async () => {
    fx.writeSeries(path.join(dir, 'W-1'), { count: 1, firstInstanceNumber: 4, sliceThickness: 2, patientId: 'W-1', studyInstanceUid: series.studyInstanceUid, seriesInstanceUid: series.seriesInstanceUid });
    await waitFor('4 files in the index', async () => (await dbNumber(api, COUNT_FILES)) === 4);
    await waitFor('4 instances in the tree', async () => (await allInstances(api)).length === 4);
  });

  it('a file changed is read again', async () => {
    const file = series.paths[0];
    fx.writeSeries(path.join(dir, 'W-1'), {
      count: 1,
      sliceThickness: 2,
      patientId: 'W-1',
      studyInstanceUid: series.studyInstanceUid,
      seriesInstanceUid: series.seriesInstanceUid,
      overrides: { InstanceNumber: 77 },
    });
    assert.ok(fs.existsSync(file));
    await waitFor('InstanceNumber 77 in the index', async () => (await dbNumber(api, 'SELECT COUNT(*) FROM instance WHERE InstanceNumber = 77')) === 1);
    assert.strictEqual(await dbNumber(api, COUNT_FILES), 4);
  });

  it('a file deleted is forgotten', async () => {
    fs.rmSync(series.paths[1]);
    await waitFor('3 files in the index', async () => (await dbNumber(api, COUNT_FILES)) === 3);
    await waitFor('3 instances in the tree', async () => (await allInstances(api)).length === 3);
  });

  it('a non-candidate file is ignored', async () => {
    const before = api.log.recent().filter((l) => l.includes('watcher:')).length;
    fs.writeFileSync(path.join(dir, 'W-1', 'notes.txt'), 'hello');
    await new Promise((r) => setTimeout(r, 2500));
    await api.waitIdle();
    assert.strictEqual(api.log.recent().filter((l) => l.includes('watcher:')).length, before);
    assert.strictEqual(await dbNumber(api, COUNT_FILES), 3);
  });

  it('a burst of 300 new files is one batch', async () => {
    const before = api.log.recent().filter((l) => l.includes('watcher:')).length;
    fx.writeSeries(path.join(dir, 'W-2'), { count: 300, sliceThickness: 1, patientId: 'W-2', rows: 8, cols: 8 });
    await waitFor('303 files in the index', async () => (await dbNumber(api, COUNT_FILES)) === 303, 60_000);
    await api.waitIdle();
    const batches = api.log.recent().filter((l) => l.includes('watcher:')).slice(before);
    assert.strictEqual(batches.length, 1, `batches: ${batches.join('\n')}`);
    assert.match(batches[0], /watcher: 300 added, changed or deleted, 0 deleted folders/);
  });

  it('a new folder with files is picked up by an incremental run', async () => {
    fx.writeSeries(path.join(dir, 'W-2', 'sub'), { count: 2, sliceThickness: 1, patientId: 'W-2', rows: 8, cols: 8 });
    await waitFor('305 files in the index', async () => (await dbNumber(api, COUNT_FILES)) === 305, 60_000);
  });

  it('a deleted folder forgets every file under it', async () => {
    fs.rmSync(path.join(dir, 'W-2'), { recursive: true, force: true });
    await waitFor('3 files in the index', async () => (await dbNumber(api, COUNT_FILES)) === 3, 60_000);
    const root = await api.tree.getChildren();
    assert.deepStrictEqual(root.filter((e) => e.kind !== 'checks').map((e) => (e.kind === 'patient' ? e.row.PatientID : e.kind)), ['W-1']);
  });

  it('a folder moved in is indexed', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(dir), 'dwi-moved-'));
    fx.writeSeries(path.join(outside, 'M'), { count: 2, sliceThickness: 3, patientId: 'W-3' });
    fs.renameSync(path.join(outside, 'M'), path.join(dir, 'M'));
    fs.rmSync(outside, { recursive: true, force: true });
    await waitFor('5 files in the index', async () => (await dbNumber(api, COUNT_FILES)) === 5, 60_000);
  });
});
