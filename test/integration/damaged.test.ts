/**
 * A damaged index of ours at the database path (a crash of another tool, a bad copy): the user is
 * warned, the damaged file is kept aside as `.corrupt-*`, and the index is rebuilt. Bytes that are
 * not an index of ours at that path are refused and left as they are, never moved.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { IndexDatabase } from '../../src/core/db/database';
import type { DicomApi } from '../../src/extension/api';
import type { FolderRunResult } from '../../src/extension/contracts';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, dbPath, freshWorkspace, getApi, waitFor, workspaceFolder } from './helpers';

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

  it('a truncated index of ours at the database path: warned, kept as .corrupt-*, rebuilt by the next run', async () => {
    const warningsBefore = api.service.shownWarnings.length;
    const whole = fs.readFileSync(dbPath());
    const cut = whole.subarray(0, whole.length - 1000);
    fs.writeFileSync(dbPath(), cut);
    // The extension notices the file changed underneath and reads it again: damaged.
    await waitFor('the warning about the damaged database', async () => {
      await api.tree.getChildren();
      return api.service.shownWarnings.length > warningsBefore;
    });
    const warning = api.service.shownWarnings.slice(warningsBefore).join('\n');
    assert.match(warning, /is damaged/);
    assert.match(warning, /index\.sqlite\.corrupt-/);
    const aside = fs.readdirSync(path.dirname(dbPath())).filter((f) => f.startsWith('index.sqlite.corrupt-'));
    assert.strictEqual(aside.length, 1, 'the damaged file is kept');
    assert.deepStrictEqual(fs.readFileSync(path.join(path.dirname(dbPath()), aside[0])), cut);

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

  it('garbage bytes at the default path: refused and left as they are; Index Workspace tries again once they are gone', async () => {
    const errorsBefore = api.service.shownErrors.length;
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
    const listing = () => fs.readdirSync(path.dirname(dbPath())).sort();
    const asideBefore = listing().filter((f) => f.includes('.corrupt-'));
    fs.writeFileSync(dbPath(), garbage);
    await waitFor('the refusal', async () => {
      await api.tree.getChildren();
      return api.service.indexState(workspaceFolder()) === 'refused' ? true : undefined;
    });
    const error = api.service.shownErrors.slice(errorsBefore).join('\n');
    assert.ok(error.includes(dbPath()), error);
    assert.match(error, /not an SQLite database/);
    assert.match(error, /It is the default path/);
    assert.deepStrictEqual(fs.readFileSync(dbPath()), garbage, 'left as it was');
    assert.deepStrictEqual(listing().filter((f) => f.includes('.corrupt-')), asideBefore, 'nothing moved aside');
    assert.deepStrictEqual((await api.tree.getChildren()).map((e) => e.kind), ['refused']);
    const [bg] = await api.indexAll();
    assert.strictEqual(bg.refused, true, 'a background run leaves it alone');
    assert.deepStrictEqual(fs.readFileSync(dbPath()), garbage);

    fs.rmSync(dbPath());
    const [r] = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.read, 5);
    assert.strictEqual(api.service.indexState(workspaceFolder()), 'indexed');
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
