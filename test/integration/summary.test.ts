/**
 * The summary panel in a real extension host: it opens, the webview loads and asks for its state,
 * the statistics it is sent equal the database's, it follows index changes, and the messages the
 * webview sends (export CSV / Excel, save PNG, copy summary) do what they should. The save dialog
 * is answered by replacing `window.showSaveDialog` (the UI test answers the real one).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ExcelJS from 'exceljs';
import * as vscode from 'vscode';
import { computeStats } from '../../src/core/stats';
import { readSummary } from '../../src/extension/summary/data';
import { summaryMarkdown } from '../../src/extension/summary/markdown';
import { PROTOCOL_VERSION, SummaryState } from '../../src/shared/messages';
import type { DicomApi } from '../../src/extension/api';
import * as fx from '../fixtures/dicomFiles';
import { freshWorkspace, getApi, waitFor as until, workspaceFolder } from './helpers';

const TEST_COMMAND = '_dicom.summaryTest';

interface Info {
  open: boolean;
  visible: boolean;
  folder?: string;
  state?: SummaryState;
  sent: string[];
  received: string[];
  html?: string;
}

const info = () => vscode.commands.executeCommand<Info>(TEST_COMMAND, { op: 'info' });
const send = async <T = unknown>(message: Record<string, unknown>): Promise<T> => vscode.commands.executeCommand<T>(TEST_COMMAND, { op: 'message', message: { v: PROTOCOL_VERSION, ...message } });

/** Replaces window.showSaveDialog for one call (the test's `vscode` is the extension's own API object). */
async function withSaveDialogAnswer<T>(target: vscode.Uri, fn: () => Promise<T>): Promise<T> {
  const w = vscode.window as { showSaveDialog: typeof vscode.window.showSaveDialog };
  const original = w.showSaveDialog;
  let asked = 0;
  w.showSaveDialog = async () => {
    asked++;
    return target;
  };
  try {
    const r = await fn();
    assert.strictEqual(asked, 1, 'the save dialog was shown once');
    return r;
  } finally {
    w.showSaveDialog = original;
  }
}

describe('summary panel', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let folder: vscode.WorkspaceFolder;
  let out: string;
  let seriesUid: string;

  before(async () => {
    api = await getApi();
    folder = workspaceFolder();
    const root = await freshWorkspace(api);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-summary-out-'));
    const study = fx.newUid();
    seriesUid = fx.writeSeries(path.join(root, 'SUM-1', 'A'), { count: 4, sliceThickness: 1.25, patientId: 'SUM-1', studyInstanceUid: study, seriesNumber: 1, seriesDescription: 'AXIAL <b>1.25</b>' }).seriesInstanceUid;
    fx.writeSeries(path.join(root, 'SUM-1', 'B'), { count: 2, sliceThickness: 5, patientId: 'SUM-1', studyInstanceUid: study, seriesNumber: 2 });
    fx.writeSeries(path.join(root, 'SUM-2', 'A'), { count: 3, sliceThickness: 2.5, patientId: 'SUM-2', seriesNumber: 1, rows: 8, cols: 8 });
    fx.writeNotDicom(root);
    await api.indexAll();
    await api.waitIdle();
  });

  after(async () => {
    await vscode.commands.executeCommand(TEST_COMMAND, { op: 'close' });
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('"DICOM: Show Summary" opens one panel with a strict CSP; the webview asks for its state', async () => {
    await vscode.commands.executeCommand('dicom.showSummary');
    const i = await until('the webview to post ready and get a state', async () => {
      const x = await info();
      return x.received.includes('ready') && x.state?.stats ? x : undefined;
    });
    assert.strictEqual(i.open, true);
    const html = i.html ?? '';
    assert.match(html, /Content-Security-Policy" content="default-src 'none';/);
    assert.match(html, /script-src 'nonce-[A-Za-z0-9]+'/);
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handlers');
    assert.ok(!/<script>/.test(html), 'no script without nonce');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('dicom.summary'));
    assert.strictEqual(tabs.length, 1);
    // The command again reveals the same panel rather than opening another.
    await vscode.commands.executeCommand('dicom.showSummary');
    await new Promise((r) => setTimeout(r, 500));
    const again = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('dicom.summary'));
    assert.strictEqual(again.length, 1);
  });

  it('the statistics and series it is sent equal the database\'s', async () => {
    const state = (await vscode.commands.executeCommand<Info>(TEST_COMMAND, { op: 'refresh' })).state!;
    const expected = await api.service.withDatabase(folder, (idx) => readSummary(idx));
    assert.ok(expected);
    assert.deepStrictEqual(state.stats, expected.stats);
    assert.deepStrictEqual(state.series, expected.series);
    assert.strictEqual(state.seriesTotal, expected.seriesTotal);
    assert.deepStrictEqual(state.checks, expected.checks);
    assert.strictEqual(state.checks?.series, 3);
    assert.strictEqual(state.folder, folder.uri.toString());
    // and what the fixture put there
    const st = state.stats!;
    assert.deepStrictEqual([st.patients, st.studies, st.series, st.instances], [2, 2, 3, 9]);
    assert.deepStrictEqual(st.files, { total: 10, ok: 9, partial: 0, error: 0, notDicom: 1 });
    assert.deepStrictEqual(st.sliceThickness.histogram, { '1.25': 4, '2.5': 3, '5': 2 });
    assert.deepStrictEqual(state.series.map((r) => [r.patientId, r.images]), [['SUM-1', 4], ['SUM-1', 2], ['SUM-2', 3]]);
    const row = state.series.find((r) => r.uid === seriesUid);
    assert.ok(row);
    assert.deepStrictEqual([row.patientId, row.images, row.thickness, row.description], ['SUM-1', 4, [1.25], 'AXIAL <b>1.25</b>']);
    // The raw PatientName (the webview formats it) and no conflicting attributes in these fixtures.
    assert.strictEqual(row.patientName, 'Series^Test');
    assert.deepStrictEqual(state.series.map((r) => r.conflicts), [[], [], []]);
    assert.strictEqual(state.series.filter((r) => r.uid).length, st.series, 'one row per Series UID, as the card counts');
  });

  it('follows index changes by itself', async () => {
    const before = (await info()).state!.stats!.instances;
    assert.strictEqual(before, 9);
    fx.writeSeries(path.join(folder.uri.fsPath, 'SUM-3', 'A'), { count: 2, sliceThickness: 3, patientId: 'SUM-3' });
    await api.indexAll();
    await api.waitIdle();
    const after = await until('the panel to receive the new numbers', async () => {
      const s = (await info()).state;
      return s?.stats && s.stats.instances === before + 2 ? s : undefined;
    });
    assert.strictEqual(after.stats!.sliceThickness.histogram['3'], 2);
    assert.strictEqual(after.stats!.patients, 3);
  });

  it('"Export CSV" writes every indexed file, as the Export command does', async () => {
    const target = vscode.Uri.file(path.join(out, 'panel.csv'));
    const written = await withSaveDialogAnswer(target, () => send<string>({ type: 'export', format: 'csv' }));
    assert.strictEqual(written, target.toString());
    const text = fs.readFileSync(target.fsPath, 'utf8');
    const lines = text.replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
    const stats = (await info()).state!.stats!;
    assert.strictEqual(lines.length, stats.files.total + 1, 'a header and one line per file');
    const header = lines[0].split(',');
    assert.ok(header.includes('SOPInstanceUID') && header.includes('SliceThickness'));
    assert.ok(text.includes(seriesUid));
    const sent = (await info()).sent;
    assert.ok(sent.includes('busy') && sent.includes('notice'));
  });

  it('"Export Excel" writes a workbook whose sheets match the index', async () => {
    const target = vscode.Uri.file(path.join(out, 'panel.xlsx'));
    const written = await withSaveDialogAnswer(target, () => send<string>({ type: 'export', format: 'xlsx' }));
    assert.strictEqual(written, target.toString());
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(target.fsPath);
    const stats = (await info()).state!.stats!;
    const instances = wb.getWorksheet('Instances');
    const series = wb.getWorksheet('Series');
    assert.ok(instances && series);
    assert.strictEqual(instances.actualRowCount - 1, stats.files.total);
    assert.strictEqual(series.actualRowCount - 1, stats.series);
  });

  it('"Save chart as PNG" writes the image the webview sends', async () => {
    // 1×1 transparent PNG
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
    const target = vscode.Uri.file(path.join(out, 'chart.png'));
    await withSaveDialogAnswer(target, () => send({ type: 'savePng', chart: 'thickness', dataUrl: `data:image/png;base64,${png}` }));
    assert.deepStrictEqual(fs.readFileSync(target.fsPath), Buffer.from(png, 'base64'));
  });

  it('"Copy summary" puts the Markdown table on the clipboard', async () => {
    const md = await send<string>({ type: 'copySummary' });
    const stats = await api.service.withDatabase(folder, (idx) => computeStats(idx));
    assert.strictEqual(md, summaryMarkdown(stats!, `DICOM summary: ${folder.name}`));
    assert.match(md, /\| Patients \| \d+ \|/);
    try {
      const clip = await vscode.env.clipboard.readText();
      if (clip) assert.strictEqual(clip, md);
    } catch {
      // the headless browser may refuse to read the clipboard; the write went through without error
    }
  });

  it('counts a cohort (a refused SQL condition is an error for the user) and exports it', async () => {
    // The three series of the fixture and SUM-3 (3 mm, 2 images), added by the test above.
    const all = await send<{ count: { series: number } | null; error?: string }>({ type: 'cohortCount', seq: 1, filter: {} });
    assert.strictEqual(all.count?.series, 4);
    const thick = await send<{ count: { series: number; images: number } | null }>({ type: 'cohortCount', seq: 2, filter: { minThickness: 2 } });
    assert.deepStrictEqual([thick.count?.series, thick.count?.images], [3, 7]);
    const bad = await send<{ count: null; error?: string }>({ type: 'cohortCount', seq: 3, filter: { where: 'no_such_column = 1' } });
    assert.strictEqual(bad.count, null);
    assert.match(bad.error ?? '', /^The SQL condition was refused/);
    const target = vscode.Uri.file(path.join(out, 'cohort.csv'));
    const written = await withSaveDialogAnswer(target, () => send<string>({ type: 'exportCohort', format: 'csv', filter: { minThickness: 2 } }));
    assert.strictEqual(written, target.toString());
    const lines = fs.readFileSync(target.fsPath, 'utf8').replace(/^\ufeff/, '').split('\r\n').filter(Boolean);
    assert.strictEqual(lines.length, 4, 'header and three series');
    // A name without a cohort extension gets the button's format.
    const bare = vscode.Uri.file(path.join(out, 'manifest'));
    const json = await withSaveDialogAnswer(bare, () => send<string>({ type: 'exportCohort', format: 'json', filter: {} }));
    assert.strictEqual(json, vscode.Uri.file(`${bare.fsPath}.json`).toString());
    assert.strictEqual(JSON.parse(fs.readFileSync(`${bare.fsPath}.json`, 'utf8')).series.length, 4);
  });

  it('ignores messages of another protocol version or shape', async () => {
    const n = (await info()).sent.length;
    assert.strictEqual(await vscode.commands.executeCommand(TEST_COMMAND, { op: 'message', message: { v: PROTOCOL_VERSION, type: 'export', format: 'exe' } }), undefined);
    assert.strictEqual(await vscode.commands.executeCommand(TEST_COMMAND, { op: 'message', message: { type: 'copySummary' } }), undefined);
    assert.strictEqual((await info()).sent.length, n);
  });
});
