/**
 * A folder with no DICOM files: indexing it writes no index (no .dicom folder), and the view, the
 * status bar and the context keys of the welcome content say "no DICOM files"; files added later
 * are indexed. And the walkthrough's completion events name context keys the extension sets.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import type { FolderRunResult } from '../../src/extension/contracts';
import * as fx from '../fixtures/dicomFiles';
import { EXTENSION_ID, freshWorkspace, getApi, waitFor, workspaceFolder } from './helpers';

describe('empty state and the walkthrough', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let dir: string;
  /** A context key's value as the extension last set it. */
  const contextKey = (key: string) => api.contextKeys[key];
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-empty-'));

  before(async () => {
    api = await getApi();
    dir = await freshWorkspace(api);
    fs.writeFileSync(path.join(dir, 'README.txt'), 'no images here\n');
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'plan.md'), '# plan\n');
  });

  after(() => {
    fs.rmSync(out, { recursive: true, force: true });
    api.setWatching(true);
  });

  it('indexing a folder without DICOM files writes no index and says "no DICOM files"', async () => {
    const folder = workspaceFolder();
    const [r] = (await vscode.commands.executeCommand<FolderRunResult[]>('dicom.indexWorkspace'))!;
    assert.ok(r.result, r.error);
    assert.strictEqual(r.result.candidates, 0);
    assert.strictEqual(r.result.written, false);
    assert.ok(!fs.existsSync(path.join(dir, '.dicom')), 'no .dicom folder');
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['README.txt', 'notes']);
    assert.strictEqual(api.service.indexState(folder), 'noDicom');
    assert.deepStrictEqual(await api.tree.getChildren(), []);
    await waitFor('the status bar', () => api.statusText.includes('DICOM: no DICOM files'));
    await waitFor('the welcome content\'s context keys', () => contextKey('dicom.index.noDicom') === true && contextKey('dicom.index.hasIndex') === false);
    // The totals line is recounted 100 ms after a change of the index (viewState.ts): it goes, and stays gone.
    await waitFor('the totals line to go', () => api.view.description === undefined);
    await new Promise((r) => setTimeout(r, 500));
    assert.strictEqual(api.view.description, undefined);
  });

  it('the walkthrough ticks its steps from context keys the extension sets: indexed, exported', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const steps: { id: string; completionEvents?: string[] }[] = pkg.contributes.walkthroughs[0].steps;
    const events = Object.fromEntries(steps.map((s) => [s.id, s.completionEvents ?? []]));
    assert.ok(steps.every((s) => (s.completionEvents ?? []).length > 0), 'every step has a completion event');
    assert.deepStrictEqual(events.index, ['onCommand:dicom.indexWorkspace', 'onContext:dicom.index.hasIndex']);
    assert.deepStrictEqual(events.export, ['onContext:dicom.index.exported']);
    assert.ok(events.browse.includes('onView:dicom.index'));
    assert.ok(events.summary.includes('onCommand:dicom.showSummary'));

    fx.writeSeries(path.join(dir, 'W-1'), { count: 2, sliceThickness: 1, patientId: 'W-1' });
    const [r] = await api.indexAll();
    assert.ok(r.result?.written, r.error);
    await waitFor('dicom.index.hasIndex', () => contextKey('dicom.index.hasIndex') === true);
    assert.strictEqual(contextKey('dicom.index.noDicom'), false);
    await waitFor('the status bar', () => api.statusText.includes('DICOM: 2 images'));

    const exportsBefore = api.log.recent().filter((l) => / export: \d+ rows/.test(l)).length;
    // An earlier suite may have exported already: forget that, so only this export can set it.
    delete (api.contextKeys as Record<string, boolean>)['dicom.index.exported'];
    const target = vscode.Uri.file(path.join(out, 'meta.csv'));
    await vscode.commands.executeCommand('dicom.exportCsv', { folder: workspaceFolder(), target, quiet: true });
    assert.ok(fs.existsSync(target.fsPath));
    assert.strictEqual(api.log.recent().filter((l) => / export: \d+ rows/.test(l)).length, exportsBefore + 1);
    assert.strictEqual(contextKey('dicom.index.exported'), true);
  });
});
