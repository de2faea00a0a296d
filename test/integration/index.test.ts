/**
 * "DICOM: Index Workspace" on a fixture workspace, in the real extension host: the database it
 * writes, the statistics, the status bar, incremental re-runs, joined runs, and a log without
 * patient data.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { IndexDatabase } from '../../src/core/db/database';
import { indexFolder } from '../../src/core/indexer';
import { computeStats } from '../../src/core/stats';
import type { DicomApi } from '../../src/extension/api';
import type { FolderRunResult } from '../../src/extension/contracts';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, dbNumber, dbPath, freshWorkspace, getApi, waitFor, workspaceFolder, fileDb } from './helpers';

describe('Index Workspace', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let uids: string[] = [];

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    const study = fx.newUid();
    uids = [
      fx.writeSeries(path.join(dir, 'PAT-A', 's1'), { count: 5, sliceThickness: 1.25, patientId: 'PAT-A', patientName: 'Alpha^Anna', studyInstanceUid: study, seriesNumber: 2 }).seriesInstanceUid,
      fx.writeSeries(path.join(dir, 'PAT-A', 's2'), { count: 3, sliceThickness: 5, patientId: 'PAT-A', patientName: 'Alpha^Anna', studyInstanceUid: study, seriesNumber: 3 }).seriesInstanceUid,
      fx.writeSeries(path.join(dir, 'nested', 'deeper', 'PAT-B'), { count: 4, sliceThickness: 2.5, patientId: 'PAT-B', patientName: 'Beta^Bert' }).seriesInstanceUid,
    ];
    fx.writeNotDicom(path.join(dir, 'misc'));
    fx.writeTruncatedCt(path.join(dir, 'misc'), { where: 'header', overrides: { PatientID: 'PAT-C', PatientName: 'Gamma^Gus' } });
    fs.writeFileSync(path.join(dir, 'README.txt'), 'not a candidate\n');
  });

  after(() => api.setWatching(true));

  it('the command indexes the folder into .dicom/index.sqlite', async () => {
    const results = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
    assert.strictEqual(results.length, 1);
    const r = results[0].result!;
    assert.ok(r, `a result (error: ${results[0].error})`);
    assert.strictEqual(r.cancelled, false);
    assert.strictEqual(r.candidates, 14);
    assert.strictEqual(r.read, 14);
    assert.strictEqual(r.counts.ok, 12);
    assert.strictEqual(r.counts.not_dicom, 1);
    assert.strictEqual(r.counts.error + r.counts.partial, 1);
    assert.strictEqual(r.dbPath, dbPath());
    assert.ok(fs.existsSync(dbPath()), 'the database file exists');
    assert.ok(fs.existsSync(path.join(path.dirname(dbPath()), '.gitignore')), '.dicom/.gitignore written');
    assert.ok(!fs.existsSync(`${dbPath()}.lock`), 'the lock is released');
  });

  it('the database on disk holds the fixture (opened apart from the extension)', async () => {
    const idx = await IndexDatabase.open(dbPath(), { readOnly: true });
    try {
      const s = (await computeStats(idx));
      assert.strictEqual(s.patients, 2);
      assert.strictEqual(s.studies, 2);
      assert.strictEqual(s.series, 3);
      assert.strictEqual(s.instances, 12 + s.files.partial);
      assert.strictEqual(s.files.total, 14);
      assert.strictEqual(s.files.notDicom, 1);
      assert.deepStrictEqual(s.sliceThickness.histogram, { '1.25': 5, '2.5': 4, '5': 3 });
      assert.strictEqual(s.incomplete, false);
      const series = idx.all<{ SeriesInstanceUID: string }>('SELECT SeriesInstanceUID FROM series ORDER BY SeriesInstanceUID').map((r) => r.SeriesInstanceUID);
      for (const u of uids) assert.ok(series.includes(u), 'every series is there');
      const paths = idx.all<{ path: string }>("SELECT path FROM file_rows WHERE PatientID = 'PAT-B'").map((r) => r.path);
      assert.ok(paths.every((p) => p.startsWith('nested/deeper/PAT-B/')), 'relative, /-separated paths');
    } finally {
      idx.close();
    }
  });

  it('the extension\'s own database agrees, and the status bar counts the images', async () => {
    const s = await api.service.withDatabase(workspaceFolder(), computeStats);
    assert.ok(s);
    assert.strictEqual(s.series, 3);
    assert.strictEqual(api.service.isIndexing, false);
    const images = 12 + s.files.partial;
    await waitFor(`the status bar to show ${images} images`, () => api.statusText.includes(`DICOM: ${images} images`), 10_000);
  });

  it('a second run is incremental: nothing read, nothing removed', async () => {
    const [r] = await api.indexAll();
    assert.strictEqual(r.result!.read, 0);
    assert.strictEqual(r.result!.unchanged, 14);
    assert.strictEqual(r.result!.removed, 0);
  });

  it('runs asked for while one is going join it instead of racing it', async () => {
    fx.writeSeries(path.join(workspaceFolder().uri.fsPath, 'PAT-D'), { count: 2, sliceThickness: 3, patientId: 'PAT-D' });
    const a = api.indexAll();
    const b = api.indexAll();
    const c = vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace');
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    assert.strictEqual(ra, rb, 'the same run');
    assert.strictEqual(ra, rc, 'the command joined it too');
    assert.strictEqual(ra[0].result!.read, 2);
  });

  it('the log has counts and timings, never patient data', async () => {
    const lines = api.log.recent();
    assert.ok(lines.some((l) => /scan: \d+ candidate files in \d+ ms/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /index done in \d+ ms/.test(l)));
    const secrets = ['Alpha', 'Anna', 'Beta', 'PAT-A', 'PAT-B', 'Gamma', ...uids];
    for (const l of lines) for (const s of secrets) assert.ok(!l.includes(s), `log line leaks "${s}": ${l}`);
  });

  it('storePatientIdentity=false stores no names and a hashed PatientID', async () => {
    const cfg = vscode.workspace.getConfiguration('dicom', workspaceFolder().uri);
    await cfg.update('privacy.storePatientIdentity', false, vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      const [r] = await api.indexAll();
      assert.strictEqual(r.result!.read, r.result!.candidates, 'a settings change re-reads every file');
      const names = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).all<{ PatientID: string; PatientName: string | null }>("SELECT PatientID, PatientName FROM patient WHERE PatientID <> ''"));
      assert.ok(names && names.length >= 2);
      for (const n of names) {
        assert.strictEqual(n.PatientName, null);
        assert.match(n.PatientID, /^anon-[0-9a-f]{16}$/);
      }
    } finally {
      await cfg.update('privacy.storePatientIdentity', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
      fs.rmSync(path.join(workspaceFolder().uri.fsPath, '.vscode'), { recursive: true, force: true });
    }
    const [r] = await api.indexAll();
    assert.strictEqual(r.result!.read, r.result!.candidates);
    const named = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).scalar("SELECT COUNT(*) FROM patient WHERE PatientName = 'Alpha^Anna'"));
    assert.strictEqual(named, 1);
  });

  it('an index written by someone else (the CLI) is reloaded from disk, and the tree follows', async () => {
    const before = await dbNumber(api, 'SELECT COUNT(*) FROM files');
    fx.writeSeries(path.join(workspaceFolder().uri.fsPath, 'PAT-E'), { count: 3, sliceThickness: 1, patientId: 'PAT-E' });
    // What `dicom-index index <folder>` does, in this process: its own database object, the same file.
    const r = await indexFolder(workspaceFolder().uri.fsPath);
    assert.strictEqual(r.read, 3);
    await waitFor('the extension to reload the database', async () => (await dbNumber(api, 'SELECT COUNT(*) FROM files')) === before + 3);
    await waitFor('the tree to show the new patient', async () => (await api.tree.getChildren()).some((e) => e.kind === 'patient' && e.row.PatientID === 'PAT-E'));
    assert.ok((await allInstances(api)).length >= 3);
  });

  it('while another process holds the index lock, a run reports busy and changes nothing', async () => {
    const lock = `${dbPath()}.lock`;
    // A live holder on this host (this very process id is never taken over).
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }));
    try {
      const files = await dbNumber(api, 'SELECT COUNT(*) FROM files');
      const [r] = await api.indexAll();
      assert.strictEqual(r.busy, true);
      assert.strictEqual(r.result, undefined);
      assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM files'), files, 'the tree keeps the index');
      const [b] = await api.rebuild();
      assert.strictEqual(b.busy, true);
      assert.strictEqual(await dbNumber(api, 'SELECT COUNT(*) FROM files'), files, 'a refused rebuild throws nothing away');
    } finally {
      fs.rmSync(lock, { force: true });
    }
    const [ok] = await api.indexAll();
    assert.ok(ok.result && !ok.busy);
  });
});
