/**
 * Cancelling an index run mid-way leaves a consistent, usable index (on disk and in the tree), and
 * the next run completes it.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { IndexDatabase } from '../../src/core/db/database';
import type { DicomApi } from '../../src/extension/api';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, dbNumber, dbPath, freshWorkspace, getApi } from './helpers';

const N = 400;

describe('cancellation', function () {
  this.timeout(180_000);
  let api: DicomApi;
  let readFirst = 0;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    for (let p = 0; p < 4; p++) {
      fx.writeSeries(path.join(dir, `C-${p}`), { count: N / 4, sliceThickness: 1 + p, patientId: `C-${p}`, rows: 8, cols: 8 });
    }
  });

  after(() => api.setWatching(true));

  it('a run cancelled mid-way stops early and says so', async () => {
    let cancelledAt = -1;
    const sub = api.service.onDidProgress((p) => {
      // The first report of the read phase (they come every 100 ms, and 400 small files take about that long).
      if (p && p.phase === 'read' && p.done >= 1 && cancelledAt < 0) {
        cancelledAt = p.done;
        api.cancel();
      }
    });
    try {
      const [r] = await api.indexAll({ interactive: true });
      assert.ok(r.result, r.error);
      assert.ok(cancelledAt >= 1, 'cancelled during the read phase');
      assert.strictEqual(r.result.cancelled, true);
      assert.ok(r.result.read < N, `read ${r.result.read} of ${N}`);
      readFirst = r.result.read;
    } finally {
      sub.dispose();
    }
  });

  it('what was read is committed and saved: the index is consistent and usable', async () => {
    assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM files'), readFirst);
    assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM instance'), readFirst);
    assert.strictEqual(await dbNumber(api, "SELECT COUNT(*) FROM meta WHERE key = 'incomplete' AND value = 'true'"), 1);
    assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM series WHERE NOT EXISTS (SELECT 1 FROM instance i WHERE i.series_id = series.id)'), 0, 'no empty series');
    assert.strictEqual((await allInstances(api)).length, readFirst, 'the tree shows what was read');
    const idx = await IndexDatabase.open(dbPath(), { readOnly: true });
    try {
      assert.strictEqual(Number(idx.scalar('SELECT COUNT(*) FROM files')), readFirst, 'saved to disk');
      assert.strictEqual(idx.getMeta('incomplete'), 'true');
    } finally {
      idx.close();
    }
  });

  it('the next run reads the rest and completes', async () => {
    const [r] = await api.indexAll();
    assert.strictEqual(r.result!.cancelled, false);
    assert.strictEqual(r.result!.unchanged, readFirst);
    assert.strictEqual(r.result!.read, N - readFirst);
    assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM instance'), N);
    assert.strictEqual(await dbNumber(api, "SELECT COUNT(*) FROM meta WHERE key = 'incomplete' AND value = 'false'"), 1);
  });

  it('"Cancel Indexing" cancels a rebuild too, and the index stays usable', async () => {
    let cancelled = false;
    const sub = api.service.onDidProgress((p) => {
      if (p && p.phase === 'read' && !cancelled) {
        cancelled = true;
        void vscode.commands.executeCommand('dicom.cancelIndexing');
      }
    });
    try {
      const [r] = await api.rebuild();
      assert.strictEqual(r.result!.cancelled, true);
      assert.ok(r.result!.read < N);
      assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM instance'), r.result!.read);
    } finally {
      sub.dispose();
    }
    const [again] = await api.indexAll();
    assert.strictEqual(again.result!.cancelled, false);
    assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM instance'), N);
  });
});
