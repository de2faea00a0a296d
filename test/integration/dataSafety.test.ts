/**
 * Data safety in VS Code: a `dicom.index.databasePath` in the folder's .vscode/settings.json (a
 * cloned repository can carry one) that names a folder, a file that is not SQLite, another
 * program's SQLite database, the data folder itself, or a file in a folder that does not exist is
 * refused: the error names the path and the setting, the tree shows a message instead of an index,
 * nothing is indexed (no run, no watcher batch, no file written, the path's bytes and listing
 * unchanged) until the setting changes; then the folder is indexed.
 */
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { loadSqlJs } from '../../src/core/db/database';
import type { DicomApi } from '../../src/extension/api';
import type { FolderRunResult } from '../../src/extension/contracts';
import { databasePathSource } from '../../src/extension/settings';
import * as fx from '../fixtures/dicomFiles';
import { dbPath, freshWorkspace, getApi, waitFor, workspaceFolder } from './helpers';

/** Every entry under `dir`: relative path → 'dir' or the sha256 of the file's bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[r] = 'dir';
        walk(p, r);
      } else out[r] = e.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') : 'other';
    }
  };
  walk(dir, '');
  return out;
}

const setDatabasePath = (value: string | undefined) =>
  vscode.workspace.getConfiguration('dicom.index', workspaceFolder().uri).update('databasePath', value, vscode.ConfigurationTarget.WorkspaceFolder);

/** Log lines of a finished run or a watcher batch since line `from`. */
const runLines = (api: DicomApi, from: number) => api.log.recent().slice(from).filter((l) => / (index|rebuild|paths) (done|cancelled) in |watcher: /.test(l));

describe('data safety: refused database paths', function () {
  this.timeout(180_000);
  let api: DicomApi;
  let dir: string;

  before(async () => {
    api = await getApi();
    dir = await freshWorkspace(api);
    fx.writeSeries(path.join(dir, 'P-1'), { count: 3, sliceThickness: 1.25, patientId: 'SAFE-1' });
    // The things a setting may name that are not ours.
    fs.mkdirSync(path.join(dir, 'results'));
    fs.writeFileSync(path.join(dir, 'results', 'keep.txt'), 'the user\'s own file\n');
    fs.writeFileSync(path.join(dir, 'metadata.csv'), 'path,PatientID\nP-1/1-001.dcm,SAFE-1\n');
    const SQL = await loadSqlJs();
    const other = new SQL.Database();
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes(text) VALUES ('another program')");
    fs.writeFileSync(path.join(dir, 'other.sqlite'), Buffer.from(other.export()));
    other.close();
  });

  after(async () => {
    await setDatabasePath(undefined);
    api.setWatching(true);
  });

  const cases: { kind: string; value: string; refused: () => string }[] = [
    { kind: 'a folder', value: 'results', refused: () => path.join(dir, 'results') },
    { kind: 'a file that is not SQLite', value: 'metadata.csv', refused: () => path.join(dir, 'metadata.csv') },
    { kind: "another program's SQLite database", value: 'other.sqlite', refused: () => path.join(dir, 'other.sqlite') },
    { kind: 'the data folder itself', value: '.', refused: () => dir },
    { kind: 'a file in a folder that does not exist', value: 'no/such/folder/index.sqlite', refused: () => path.join(dir, 'no', 'such', 'folder', 'index.sqlite') },
  ];

  for (const c of cases) {
    it(`${c.kind}: refused with the path and the setting, nothing indexed or written, the path unchanged`, async () => {
      api.setWatching(false);
      await api.waitIdle();
      const errorsBefore = api.service.shownErrors.length;
      await setDatabasePath(c.value);
      const folder = workspaceFolder();
      await waitFor('the extension to read the new setting', () => api.service.dbPath(folder) === c.refused());
      await api.waitIdle();
      const before = snapshot(dir);
      const logFrom = api.log.recent().length;

      // The user runs Index Workspace: refused.
      const results = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
      assert.strictEqual(results.length, 1);
      assert.strictEqual(results[0].refused, true, JSON.stringify(results[0]));
      assert.strictEqual(results[0].result, undefined, 'no index run');
      assert.strictEqual(api.service.indexState(folder), 'refused');

      // The error names the path and the setting (the folder's .vscode/settings.json).
      const errors = api.service.shownErrors.slice(errorsBefore);
      assert.ok(errors.length >= 1, 'an error was shown');
      const last = errors[errors.length - 1];
      assert.ok(last.includes(c.refused()), `the error names ${c.refused()}: ${last}`);
      assert.match(last, /dicom\.index\.databasePath/);
      assert.match(last, /\.vscode\/settings\.json/);
      assert.match(last, /Nothing there was changed/);

      // The tree shows a message and a row that opens the setting instead of an index; the status bar says so.
      const rows = await api.tree.getChildren();
      assert.deepStrictEqual(rows.map((e) => e.kind), ['refused']);
      const item = api.tree.getTreeItem(rows[0]);
      assert.strictEqual(item.command?.command, 'dicom.openDatabasePathSetting');
      assert.ok(String(item.tooltip).includes(c.refused()), String(item.tooltip));
      await waitFor('the view message', () => api.view.message?.includes(c.refused()));
      await waitFor('the status bar', () => /index path refused/.test(api.statusText));

      // Background runs and the watcher do nothing for this folder until the setting changes.
      const [bg] = await api.indexAll();
      assert.strictEqual(bg.refused, true);
      assert.strictEqual(api.service.shownErrors.length, errorsBefore + errors.length, 'a background run shows the error no second time');
      api.setWatching(true);
      fx.writeSeries(path.join(dir, 'P-2'), { count: 1, sliceThickness: 1, patientId: 'SAFE-2', seriesNumber: 9 });
      await new Promise((r) => setTimeout(r, 1500));
      await api.waitIdle();
      api.setWatching(false);
      assert.deepStrictEqual(runLines(api, logFrom), [], 'no index run and no watcher batch');

      // Nothing was written: the path's bytes and listing, and the whole folder, are as they were.
      const after = snapshot(dir);
      for (const k of Object.keys(after)) if (k === 'P-2' || k.startsWith('P-2/')) delete after[k];
      assert.deepStrictEqual(after, before);
      assert.ok(!Object.keys(after).some((k) => k.split('/').includes('.dicom') || k.includes('.corrupt-') || k.endsWith('.lock')), Object.keys(after).join('\n'));
      assert.ok(!fs.existsSync(path.join(dir, 'no')), 'no folder made for a path in a missing folder');
      fs.rmSync(path.join(dir, 'P-2'), { recursive: true });
    });
  }

  it('the error\'s button opens the settings file that names the path: the folder\'s .vscode/settings.json', () => {
    // (Opening it here would leave a model of the file that later suites' settings writes trip over.)
    const source = databasePathSource(workspaceFolder());
    assert.strictEqual(source.scope, 'folder');
    assert.strictEqual(source.file?.fsPath, path.join(dir, '.vscode', 'settings.json'));
    assert.match(fs.readFileSync(source.file.fsPath, 'utf8'), /dicom\.index\.databasePath/);
  });

  it('fixing the setting indexes the folder (at the default path, with its .gitignore)', async () => {
    const folder = workspaceFolder();
    await setDatabasePath(undefined);
    await waitFor('the folder to be indexed after the setting changed', async () => {
      await api.waitIdle();
      return api.service.indexState(folder) === 'indexed' && (await api.tree.getChildren()).some((e) => e.kind === 'patient');
    });
    assert.ok(fs.existsSync(dbPath()));
    assert.ok(fs.existsSync(path.join(dir, '.dicom', '.gitignore')));
    await waitFor('the message to show the totals, no refusal', () => api.view.message === '1 patient · 3 images');
    await waitFor('the status bar to count the images', () => /DICOM: 3 images/.test(api.statusText));
    // The things it refused are still as they were.
    assert.strictEqual(fs.readFileSync(path.join(dir, 'results', 'keep.txt'), 'utf8'), 'the user\'s own file\n');
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'results')), ['keep.txt']);
  });
});
