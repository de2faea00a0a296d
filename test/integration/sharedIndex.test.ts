/**
 * A shared index in PostgreSQL, in the real extension host: `dicom.index.database` set to a
 * postgresql:// URL of a throwaway local cluster (tools/pg/cluster.ts). Index Workspace writes into
 * the server (no file in the folder), the tree and the summary panel read it, and a file the index
 * lists but this machine does not have is said to be not reachable from here.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { computeStats } from '../../src/core/stats';
import { PostgresStore } from '../../src/core/store/postgresStore';
import { parsePgUrl } from '../../src/core/store/postgresUrl';
import type { DicomApi } from '../../src/extension/api';
import type { TreeElement } from '../../src/extension/tree/elements';
import { PROTOCOL_VERSION, type SummaryState } from '../../src/shared/messages';
import { Cluster, skipUnlessPostgres, startCluster } from '../../tools/pg/cluster';
import * as fx from '../fixtures/dicomFiles';
import { dbPath, freshWorkspace, getApi, waitFor, workspaceFolder } from './helpers';

const TEST_COMMAND = '_dicom.summaryTest';

describe('a shared index in PostgreSQL (dicom.index.database)', function () {
  this.timeout(240_000);
  let api: DicomApi;
  let cluster: Cluster | undefined;
  let url: string;
  let folder: vscode.WorkspaceFolder;
  let root: string;

  const setting = () => vscode.workspace.getConfiguration('dicom', folder.uri);
  const direct = async <T>(fn: (store: PostgresStore) => Promise<T>): Promise<T> => {
    const store = await PostgresStore.connect(parsePgUrl(url));
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  before(async function () {
    skipUnlessPostgres(this);
    api = await getApi();
    folder = workspaceFolder();
    root = await freshWorkspace(api);
    cluster = await startCluster();
    url = `${cluster.createDatabase('team')}?schema=vscode`;
    const study = fx.newUid();
    fx.writeSeries(path.join(root, 'TEAM-1', 'a'), { count: 4, sliceThickness: 1.25, patientId: 'TEAM-1', studyInstanceUid: study, seriesNumber: 1 });
    fx.writeSeries(path.join(root, 'TEAM-1', 'b'), { count: 2, sliceThickness: 5, patientId: 'TEAM-1', studyInstanceUid: study, seriesNumber: 2 });
    fx.writeSeries(path.join(root, 'TEAM-2', 'a'), { count: 3, sliceThickness: 2.5, patientId: 'TEAM-2', seriesNumber: 1 });
    fx.writeNotDicom(root);
    await setting().update('index.database', url, vscode.ConfigurationTarget.Workspace);
    await waitFor('the extension to take the shared index', () => api.service.sharedIndex(folder));
  });

  after(async () => {
    await vscode.commands.executeCommand(TEST_COMMAND, { op: 'close' }).then(undefined, () => undefined);
    if (folder) await setting().update('index.database', undefined, vscode.ConfigurationTarget.Workspace);
    await waitFor('the extension to leave the shared index', () => !api?.service.sharedIndex(folder));
    cluster?.stop();
  });

  it('names the server without a password, and Index Workspace writes into it (no index file in the folder)', async () => {
    assert.strictEqual(api.service.sharedIndex(folder), parsePgUrl(url).display);
    const [r] = await api.indexAll();
    assert.ok(r.result, `a result (error: ${r.error})`);
    assert.strictEqual(r.result.counts.ok, 9);
    assert.strictEqual(r.result.counts.not_dicom, 1);
    assert.ok(!fs.existsSync(dbPath()), 'no .dicom/index.sqlite written');
    assert.deepStrictEqual(await direct((s) => s.rows("SELECT COUNT(*) FROM files WHERE status = 'ok'")), [[9]]);
    // Again: nothing changed, nothing read.
    const [again] = await api.indexAll();
    assert.strictEqual(again.result?.read, 0);
    assert.strictEqual(again.result?.unchanged, 10);
  });

  it('the tree shows the shared index: patients, their studies, series and images', async () => {
    const top = await waitFor('the tree to show the patients', async () => {
      const c = await api.tree.getChildren();
      return c.filter((e) => e.kind === 'patient').length === 2 ? c : undefined;
    });
    const patients = top.filter((e): e is Extract<TreeElement, { kind: 'patient' }> => e.kind === 'patient');
    assert.deepStrictEqual(patients.map((p) => p.row.PatientID).sort(), ['TEAM-1', 'TEAM-2']);
    const team1 = patients.find((p) => p.row.PatientID === 'TEAM-1')!;
    const [study] = await api.tree.getChildren(team1);
    assert.strictEqual(study.kind, 'study');
    const series = await api.tree.getChildren(study);
    assert.deepStrictEqual(
      series.map((s) => (s.kind === 'series' ? s.row.images : -1)),
      [4, 2],
    );
    const images = await api.tree.getChildren(series[0]);
    assert.strictEqual(images.filter((e) => e.kind === 'instance').length, 4);
    const problems = top.find((e) => e.kind === 'problems');
    assert.ok(problems, 'the not-DICOM file is under Problems');
    // The folder's hover names the server (without a password).
    assert.strictEqual(api.service.dbPath(folder), parsePgUrl(url).display);
  });

  it('the summary panel shows the shared index’s statistics and series', async () => {
    await vscode.commands.executeCommand('dicom.showSummary');
    const state = await waitFor('the panel to get a state', async () => {
      const i = await vscode.commands.executeCommand<{ state?: SummaryState }>(TEST_COMMAND, { op: 'refresh' });
      return i.state?.stats ? i.state : undefined;
    });
    const expected = await direct((s) => computeStats(s));
    assert.deepStrictEqual(state.stats, expected);
    assert.strictEqual(state.stats?.instances, 9);
    assert.strictEqual(state.series.length, 3);
    assert.strictEqual(state.checks?.series, 3);
    const count = await vscode.commands.executeCommand<{ count: { series: number } | null }>(TEST_COMMAND, {
      op: 'message',
      message: { v: PROTOCOL_VERSION, type: 'cohortCount', seq: 1, filter: { minThickness: 2 } },
    });
    assert.strictEqual(count.count?.series, 2);
    await vscode.commands.executeCommand(TEST_COMMAND, { op: 'close' });
  });

  it('asks for a password once, keeps it in the secret storage (not in the settings), and uses it the next time', async () => {
    const password = 'pw-only-in-secrets';
    const ana = cluster!.addPasswordUser('ana', password, 'team');
    const w = vscode.window as { showInputBox: typeof vscode.window.showInputBox };
    const original = w.showInputBox;
    const prompts: string[] = [];
    w.showInputBox = async (o?: vscode.InputBoxOptions) => {
      prompts.push(`${o?.prompt} ${o?.password ? '(hidden)' : '(shown!)'}`);
      return password;
    };
    try {
      await setting().update('index.database', `${ana}?schema=ana_space`, vscode.ConfigurationTarget.Workspace);
      await waitFor('the extension to take the new URL', () => api.service.sharedIndex(folder)?.includes('ana@'));
      const [r] = await api.indexAll();
      assert.ok(r.result, `a result (error: ${r.error})`);
      assert.strictEqual(r.result.counts.ok, 9);
      assert.deepStrictEqual(prompts, [`Password for ${parsePgUrl(`${ana}?schema=ana_space`).display} (hidden)`]);
      // Away and back: a new connection, the kept password, no second question.
      await setting().update('index.database', url, vscode.ConfigurationTarget.Workspace);
      await waitFor('the first URL again', () => api.service.sharedIndex(folder) === parsePgUrl(url).display);
      await setting().update('index.database', `${ana}?schema=ana_space`, vscode.ConfigurationTarget.Workspace);
      await waitFor('the tree to show ana’s index', async () => (await api.tree.getChildren()).filter((e) => e.kind === 'patient').length === 2);
      assert.strictEqual(prompts.length, 1, 'asked once');
      const settingsFile = path.join(root, '.vscode', 'settings.json');
      assert.ok(!fs.readFileSync(settingsFile, 'utf8').includes(password), 'the password is not in the settings');
      assert.ok(!api.log.recent().some((l) => l.includes(password)), 'nor in the log');
    } finally {
      w.showInputBox = original;
      await setting().update('index.database', url, vscode.ConfigurationTarget.Workspace);
      await waitFor('the first URL again', () => api.service.sharedIndex(folder) === parsePgUrl(url).display);
    }
  });

  it('the server going away: the tree is empty with one warning (not an error per node), and comes back with the server', async () => {
    assert.strictEqual((await api.tree.getChildren()).filter((e) => e.kind === 'patient').length, 2);
    const warnings = api.service.shownWarnings.length;
    cluster!.stopServer();
    try {
      assert.deepStrictEqual(await api.tree.getChildren(), []);
      await api.tree.getChildren();
      const said = api.service.shownWarnings.slice(warnings);
      assert.strictEqual(said.length, 1, said.join('\n'));
      assert.match(said[0], /the shared index postgresql:\/\/postgres@127\.0\.0\.1:\d+\/team\?schema=vscode cannot be read/);
    } finally {
      cluster!.startServer();
    }
    await waitFor('the tree to show the patients again', async () => (await api.tree.getChildren()).filter((e) => e.kind === 'patient').length === 2);
  });

  it('a file the index lists but this machine does not have: the hover says it is not reachable from here', async () => {
    const gone = path.join(root, 'TEAM-2', 'a');
    const moved = `${root}-moved-away`;
    fs.renameSync(gone, moved);
    try {
      const top = await api.tree.getChildren();
      const team2 = top.find((e) => e.kind === 'patient' && e.row.PatientID === 'TEAM-2')!;
      const [study] = await api.tree.getChildren(team2);
      const [series] = await api.tree.getChildren(study);
      const [image] = await api.tree.getChildren(series);
      const tip = await api.tree.resolveTooltip(image);
      const text = typeof tip === 'string' ? tip : (tip?.value ?? '');
      assert.match(text, /not reachable from here/);
    } finally {
      fs.renameSync(moved, gone);
    }
  });
});
