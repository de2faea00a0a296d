/** "DICOM: Rebuild Index" throws the database away and indexes everything again. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { IndexDatabase } from '../../src/core/db/database';
import type { DicomApi } from '../../src/extension/api';
import type { FolderRunResult } from '../../src/extension/contracts';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, dbNumber, dbPath, freshWorkspace, getApi, workspaceFolder, fileDb } from './helpers';

describe('Rebuild Index', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let dir: string;

  before(async () => {
    api = await getApi();
    dir = await freshWorkspace(api);
    fx.writeSeries(path.join(dir, 'R-1'), { count: 6, sliceThickness: 1.5, patientId: 'R-1' });
    fx.writeSeries(path.join(dir, 'R-2'), { count: 4, sliceThickness: 3, patientId: 'R-2' });
    const [r] = await api.indexAll();
    assert.strictEqual(r.result?.read, 10);
  });

  after(() => api.setWatching(true));

  it('reads every file again into a new database', async () => {
    const createdBefore = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).getMeta('created'));
    // A change the watcher (off) did not see: the rebuild finds it anyway.
    fs.rmSync(path.join(dir, 'R-2'), { recursive: true });
    await new Promise((r) => setTimeout(r, 5));
    const results = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.rebuildIndex'))!;
    const r = results[0].result!;
    assert.ok(r, results[0].error);
    assert.strictEqual(r.cancelled, false);
    assert.strictEqual(r.unchanged, 0, 'nothing is taken from the old database');
    assert.strictEqual(r.read, 6);
    const createdAfter = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).getMeta('created'));
    assert.notStrictEqual(createdAfter, createdBefore, 'a fresh database');
    assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM patient'), 1);
    assert.strictEqual((await allInstances(api)).length, 6);
    const idx = await IndexDatabase.open(dbPath(), { readOnly: true });
    try {
      assert.strictEqual(Number(idx.scalar('SELECT COUNT(*) FROM files')), 6);
      assert.strictEqual(idx.getMeta('created'), createdAfter);
    } finally {
      idx.close();
    }
  });

  it('a rebuild asked for during an index run is queued after it', async () => {
    fx.writeSeries(path.join(dir, 'R-3'), { count: 3, sliceThickness: 1, patientId: 'R-3' });
    const index = api.indexAll();
    const rebuild = api.rebuild();
    const [i] = await index;
    assert.strictEqual(api.service.isIndexing, true, 'the rebuild runs after the index run');
    const [b] = await rebuild;
    assert.strictEqual(i.result!.read, 3);
    assert.strictEqual(b.result!.read, 9);
    assert.strictEqual(b.result!.unchanged, 0);
  });
});
