/**
 * A damaged database file (garbage at the database path, e.g. a crash of another tool or a bad
 * copy): the user is warned, the damaged file is kept aside as `.corrupt-*`, and the index is rebuilt.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { IndexDatabase } from '../../src/core/db/database';
import type { DicomApi } from '../../src/extension/api';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, dbPath, freshWorkspace, getApi, waitFor } from './helpers';

describe('damaged database', function () {
  this.timeout(120_000);
  let api: DicomApi;

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    fx.writeSeries(path.join(dir, 'D-1'), { count: 5, sliceThickness: 2, patientId: 'D-1' });
    const [r] = await api.indexAll();
    assert.strictEqual(r.result?.read, 5);
  });

  after(() => api.setWatching(true));

  it('garbage bytes at the database path: warned, kept as .corrupt-*, rebuilt by the next run', async () => {
    const warningsBefore = api.service.shownWarnings.length;
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
    fs.writeFileSync(dbPath(), garbage);
    // The extension notices the file changed underneath and reads it again: damaged.
    await waitFor('the warning about the damaged database', async () => {
      await api.tree.getChildren();
      return api.service.shownWarnings.length > warningsBefore;
    });
    const warning = api.service.shownWarnings.slice(warningsBefore).join('\n');
    assert.match(warning, /is not an SQLite file/);
    assert.match(warning, /index\.sqlite\.corrupt-/);
    const aside = fs.readdirSync(path.dirname(dbPath())).filter((f) => f.startsWith('index.sqlite.corrupt-'));
    assert.strictEqual(aside.length, 1, 'the damaged file is kept');
    assert.deepStrictEqual(fs.readFileSync(path.join(path.dirname(dbPath()), aside[0])), garbage);

    const [r] = await api.indexAll();
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.read, 5, 'every file read again');
    assert.strictEqual((await allInstances(api)).length, 5);
    const idx = await IndexDatabase.open(dbPath(), { readOnly: true });
    try {
      assert.strictEqual(Number(idx.scalar('SELECT COUNT(*) FROM instance')), 5);
    } finally {
      idx.close();
    }
  });

  it('a database of an unknown schema version is rebuilt too', async () => {
    const idx = await IndexDatabase.open(dbPath());
    idx.setMeta('schema_version', '999');
    idx.save();
    idx.close();
    const warningsBefore = api.service.shownWarnings.length;
    const [r] = await api.indexAll();
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.read, 5);
    assert.match(api.service.shownWarnings.slice(warningsBefore).join('\n'), /schema version 999/);
  });
});
