/**
 * Every hostile file of test/fixtures/hostile.ts through the real "DICOM: Index Workspace" command
 * in the extension host: each file gets a row with an acceptable status and a one-line reason, the
 * run completes, the good series beside the bad files are indexed with the right counts, the tree's
 * Problems node lists every file that is not ok with its reason, hovers and Show Tags of the bad
 * files resolve, nothing is rejected unhandled, and the extension stays active and usable.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import { tagsUri } from '../../src/extension/commands/showTags';
import type { TreeElement } from '../../src/extension/tree/elements';
import type { FolderRunResult } from '../../src/extension/contracts';
import * as fx from '../fixtures/dicomFiles';
import * as hx from '../fixtures/hostile';
import { allInstances, description, EXTENSION_ID, freshWorkspace, getApi, label, workspaceFolder, fileDb } from './helpers';

const HOSTILE = 'hostile';

interface FileRow {
  path: string;
  status: string;
  error: string | null;
  [k: string]: string | number | null;
}

/** Same value for the index: absent and empty are one (null / ''). */
function sameValue(got: unknown, want: unknown): boolean {
  if (want === null) return got === null || got === '';
  if (typeof want === 'number') return typeof got === 'number' && Math.abs(got - want) < 1e-9;
  return got === want;
}

describe('hostile files through Index Workspace', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let dir: string;
  let manifest: hx.HostileManifest;
  let rows: Map<string, FileRow>;
  let runMs = 0;
  const good: { uid: string; patientId: string; count: number; thickness: number }[] = [];
  const marker = `info hostile suite ${Date.now()}`;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);

  before(async () => {
    process.on('unhandledRejection', onRejection);
    api = await getApi();
    dir = await freshWorkspace(api);
    api.log.info(marker.slice('info '.length));
    manifest = hx.writeHostileCases(path.join(dir, HOSTILE));
    const study = fx.newUid();
    for (const [rel, patientId, count, thickness, seriesNumber, studyUid] of [
      ['good/GOOD-1/a', 'GOOD-1', 5, 1.25, 1, study],
      ['good/GOOD-1/b', 'GOOD-1', 3, 5, 2, study],
      ['good/GOOD-2', 'GOOD-2', 4, 2.5, 1, undefined],
    ] as const) {
      const s = fx.writeSeries(path.join(dir, ...rel.split('/')), { count, sliceThickness: thickness, patientId, patientName: `Good^${patientId}`, seriesNumber, studyInstanceUid: studyUid });
      good.push({ uid: s.seriesInstanceUid, patientId, count, thickness });
    }
  });

  after(async () => {
    process.off('unhandledRejection', onRejection);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) hx.restorePermissions(path.join(dir, HOSTILE));
    api.setWatching(true);
  });

  afterEach(() => assert.deepStrictEqual(rejections, [], 'unhandled promise rejections in the extension host'));

  it('"Index Workspace" completes over every case (deflate bomb, nesting, a million elements…) within the budget', async () => {
    const t0 = Date.now();
    const results = await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace');
    await api.waitIdle();
    runMs = Date.now() - t0;
    assert.ok(results && results.length === 1, 'one folder result');
    const r = results[0].result;
    assert.ok(r, `a result (error: ${results[0].error})`);
    assert.strictEqual(r.cancelled, false);
    const expectedRows = Object.values(manifest).filter((c) => c.indexed !== false).length + good.reduce((n, g) => n + g.count, 0);
    assert.strictEqual(r.candidates, expectedRows, 'candidates: every regular file, no link, no folder');
    assert.strictEqual(r.read, expectedRows);
    assert.strictEqual(r.counts.ok + r.counts.partial + r.counts.error + r.counts.not_dicom, expectedRows);
    assert.ok(runMs < 60_000, `the run took ${runMs} ms`);
    assert.strictEqual(api.service.isIndexing, false);
    const list = await api.service.withDatabase(workspaceFolder(), (idx) => fileDb(idx).all<FileRow>('SELECT * FROM file_rows'));
    assert.ok(list);
    rows = new Map(list.map((x) => [x.path, x]));
    assert.strictEqual(rows.size, expectedRows);
  });

  it('each case has a row with an acceptable status and a one-line reason when not ok; links and folders have none', () => {
    const problems: string[] = [];
    for (const [name, c] of Object.entries(manifest)) {
      const rel = `${HOSTILE}/${c.relPath}`;
      const row = rows.get(rel);
      if (c.indexed === false) {
        if (row) problems.push(`${name}: listed as ${row.status}, but it is not a regular file`);
        continue;
      }
      if (!row) {
        problems.push(`${name}: no files row for ${rel}`);
        continue;
      }
      if (!hx.statusesOf(c).includes(row.status as hx.HostileStatus)) problems.push(`${name}: ${row.status} (${row.error}), expected ${hx.statusesOf(c).join('|')}`);
      if (row.status === 'ok') {
        if (row.error !== null) problems.push(`${name}: ok with a reason ${JSON.stringify(row.error)}`);
      } else {
        const e = row.error ?? '';
        if (!e.trim()) problems.push(`${name}: ${row.status} without a reason`);
        if (/[\r\n]/.test(e)) problems.push(`${name}: reason not one line: ${JSON.stringify(e)}`);
        if (e.length > 300) problems.push(`${name}: reason of ${e.length} characters`);
        if (c.reason && !c.reason.test(e)) problems.push(`${name}: reason ${JSON.stringify(e)} does not match ${c.reason}`);
      }
      for (const [k, want] of Object.entries(c.expect ?? {})) if (!sameValue(row[k], want)) problems.push(`${name} ${k}: ${JSON.stringify(row[k])}, expected ${JSON.stringify(want)}`);
    }
    assert.deepStrictEqual(problems, []);
  });

  it('the good series beside the bad files are indexed whole, and the tree shows them with their counts', async () => {
    for (const g of good) {
      const n = await api.service.withDatabase(workspaceFolder(), (idx) =>
        Number(fileDb(idx).scalar("SELECT COUNT(*) FROM instance i JOIN series se ON se.id = i.series_id JOIN files f ON f.id = i.file_id WHERE se.SeriesInstanceUID = ? AND f.status = 'ok'", [g.uid])),
      );
      assert.strictEqual(n, g.count, `series of ${g.patientId}: ${n} ok instances`);
    }
    const roots = await api.tree.getChildren();
    const patient = (id: string) => roots.find((e) => e.kind === 'patient' && e.row.PatientID === id)!;
    const g1 = patient('GOOD-1');
    const g2 = patient('GOOD-2');
    assert.ok(g1 && g2, 'both good patients in the tree');
    assert.strictEqual(label(api, g1), 'Good, GOOD-1 (GOOD-1)');
    assert.strictEqual(description(api, g1), '1 study');
    const [study1] = await api.tree.getChildren(g1);
    assert.strictEqual(description(api, study1), '2 series');
    const series1 = await api.tree.getChildren(study1);
    assert.deepStrictEqual(series1.map((s) => label(api, s)), ['CT · 5 images · 1.25 mm', 'CT · 3 images · 5 mm']);
    const [study2] = await api.tree.getChildren(g2);
    const [series2] = await api.tree.getChildren(study2);
    assert.strictEqual(label(api, series2), 'CT · 4 images · 2.5 mm');
    assert.strictEqual((await api.tree.getChildren(series2)).length, 4);
  });

  it('the Problems node lists every file that is not ok, with its status and reason', async () => {
    const notOk = [...rows.values()].filter((r) => r.status !== 'ok');
    assert.ok(notOk.length >= 25, `${notOk.length} problem files`);
    const roots = await api.tree.getChildren();
    const problemsNode = roots.find((e) => e.kind === 'problems');
    assert.ok(problemsNode && problemsNode.kind === 'problems', 'a Problems node');
    assert.strictEqual(problemsNode.count, notOk.length);
    assert.strictEqual(description(api, problemsNode), `${notOk.length} files`);
    const children = await api.tree.getChildren(problemsNode);
    assert.ok(!children.some((c) => c.kind === 'more'), 'no "… more" node for this few');
    const byPath = new Map(children.filter((c): c is Extract<TreeElement, { kind: 'problem' }> => c.kind === 'problem').map((c) => [c.row.path, c]));
    const missing: string[] = [];
    for (const r of notOk) {
      const el = byPath.get(r.path);
      if (!el) {
        missing.push(r.path);
        continue;
      }
      assert.strictEqual(el.row.status, r.status);
      assert.strictEqual(el.row.error, r.error);
      assert.strictEqual(label(api, el), path.posix.basename(r.path));
      const status = r.status === 'not_dicom' ? 'not DICOM' : r.status;
      const desc = description(api, el);
      // The description is the status and the reason, clipped to one short line.
      const full = `${status}: ${r.error}`;
      assert.ok(desc === full || (desc.endsWith('…') && full.startsWith(desc.slice(0, -1))), `${r.path}: description ${JSON.stringify(desc)} vs ${JSON.stringify(full)}`);
      assert.ok(!/[\r\n]/.test(desc));
      // The hover has the whole reason, as plain text.
      const tip = await api.tree.resolveTooltip(el);
      assert.strictEqual(typeof tip, 'string');
      assert.ok((tip as string).includes(`${r.status}: ${r.error}`), `${r.path}: tooltip ${JSON.stringify(tip)}`);
      const cmd = api.tree.getTreeItem(el).command;
      assert.strictEqual(cmd?.command, r.status === 'not_dicom' ? 'vscode.open' : 'dicom.showTags');
    }
    assert.deepStrictEqual(missing, [], 'every problem file is listed');
    assert.strictEqual(byPath.size, notOk.length, 'and nothing else');
  });

  it('the hover of every indexed image (partial ones included) resolves to inert Markdown', async () => {
    const instances = await allInstances(api);
    // Every ok or partial file is an image in the tree (missing keys group under empty ones).
    assert.strictEqual(instances.length, [...rows.values()].filter((r) => r.status === 'ok' || r.status === 'partial').length);
    const bad: string[] = [];
    const t0 = Date.now();
    for (const el of instances) {
      if (el.kind !== 'instance' || !el.row.path.startsWith(`${HOSTILE}/`)) continue;
      try {
        const md = await api.tree.resolveTooltip(el);
        if (!(md instanceof vscode.MarkdownString)) {
          bad.push(`${el.row.path}: not Markdown: ${String(md).slice(0, 200)}`);
          continue;
        }
        if (md.isTrusted || md.supportHtml) bad.push(`${el.row.path}: trusted or HTML`);
        if (md.value.includes('<')) bad.push(`${el.row.path}: raw "<"`);
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(md.value)) bad.push(`${el.row.path}: a control character in the hover`);
        if (md.value.length > 200_000) bad.push(`${el.row.path}: a hover of ${md.value.length} characters`);
      } catch (e) {
        bad.push(`${el.row.path}: threw ${String(e)}`);
      }
    }
    assert.deepStrictEqual(bad, []);
    assert.ok(Date.now() - t0 < 30_000, `hovers took ${Date.now() - t0} ms`);
  });

  it('Show Tags opens a plain-text document for bad files too, without control characters', async () => {
    const picks = ['trunc-in-pixels', 'nested-defined', 'deflate-bomb', 'million-elements', 'big-name', 'control-bytes', 'charset-multivalue-garbage', 'html', 'unknown-ts-garbage'];
    for (const name of picks) {
      const file = vscode.Uri.file(path.join(dir, HOSTILE, ...manifest[name].relPath.split('/')));
      const doc = await vscode.workspace.openTextDocument(tagsUri(file));
      assert.strictEqual(doc.uri.scheme, 'dicom-tags');
      assert.strictEqual(doc.languageId, 'plaintext', name);
      const text = doc.getText();
      assert.ok(text.startsWith(`# ${path.basename(file.fsPath)}\n`), `${name}: ${text.slice(0, 200)}`);
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text), `${name}: a control character in Show Tags`);
      assert.ok(text.length < 20 * 1024 * 1024, `${name}: ${text.length} characters`);
    }
    // And the real command on a problem node of the tree.
    const problems = (await api.tree.getChildren()).find((e) => e.kind === 'problems')!;
    const partial = (await api.tree.getChildren(problems)).find((e) => e.kind === 'problem' && e.row.status === 'partial')!;
    assert.ok(partial);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('dicom.showTags', partial);
    assert.ok(uri && uri.scheme === 'dicom-tags');
    assert.ok(vscode.window.activeTextEditor?.document.getText().includes('status partial'));
  });

  it('the extension stays active: a second run is incremental, and the summary command still works', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext?.isActive, 'still active');
    const [again] = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
    assert.ok(again.result, again.error);
    assert.strictEqual(again.result.read, 0, 'bad files are remembered, not read again');
    assert.strictEqual(again.result.unchanged, rows.size);
    await vscode.commands.executeCommand('dicom.showSummary');
    const info = await vscode.commands.executeCommand<{ open: boolean; state?: { stats?: { files: { total: number } } } }>('_dicom.summaryTest', { op: 'refresh' });
    assert.strictEqual(info.open, true);
    assert.strictEqual(info.state?.stats?.files.total, rows.size);
    await vscode.commands.executeCommand('_dicom.summaryTest', { op: 'close' });
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    // The log since this suite started: the runs ended as "done", no run or folder failed.
    const lines = api.log.recent();
    assert.ok(lines.includes(marker), 'the marker is still in the kept log');
    const since = lines.slice(lines.lastIndexOf(marker) + 1);
    assert.deepStrictEqual(since.filter((l) => /^error /.test(l)), []);
    assert.strictEqual(since.filter((l) => /: index done in \d+ ms/.test(l)).length, 2, since.join('\n'));
  });
});
