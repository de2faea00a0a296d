/** Show Tags (a read-only document), Copy UID, and the export commands without their dialogs. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DicomApi } from '../../src/extension/api';
import * as fx from '../fixtures/dicomFiles';
import { allInstances, freshWorkspace, getApi, waitFor, workspaceFolder } from './helpers';

describe('commands', function () {
  this.timeout(120_000);
  let api: DicomApi;
  let series: fx.SeriesFixture;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dwi-commands-'));

  before(async () => {
    api = await getApi();
    const dir = await freshWorkspace(api);
    series = fx.writeSeries(path.join(dir, 'T-1'), { count: 3, sliceThickness: 2, patientId: 'T-1' });
    fx.writeNotDicom(dir, 'plain.dcm');
    await api.indexAll();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(out, { recursive: true, force: true });
    api.setWatching(true);
  });

  it('Show Tags on a file opens a read-only dicom-tags document with every element', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>('dicom.showTags', vscode.Uri.file(series.paths[0]));
    assert.ok(uri);
    assert.strictEqual(uri.scheme, 'dicom-tags');
    const editor = await waitFor('the tags editor', () => vscode.window.activeTextEditor?.document.uri.scheme === 'dicom-tags' && vscode.window.activeTextEditor);
    const text = editor.document.getText();
    const sop = String(series.files[0].expected.SOPInstanceUID);
    assert.match(text, new RegExp(`\\(0008,0018\\) UI SOPInstanceUID +${sop.replace(/\./g, '\\.')}`));
    assert.match(text, /\(7FE0,0010\) OW PixelData +pixel data, \d+ bytes/);
    assert.match(text, /^# 1-001\.dcm$/m);
    // Content-provider documents cannot be saved over anything.
    assert.strictEqual(editor.document.isUntitled, false);
    assert.ok(!(await vscode.workspace.fs.isWritableFileSystem('dicom-tags')));
  });

  it('Show Tags from the tree and for the active tags document', async () => {
    const [inst] = await allInstances(api);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('dicom.showTags', inst);
    assert.strictEqual(uri?.scheme, 'dicom-tags');
    const again = await vscode.commands.executeCommand<vscode.Uri>('dicom.showTags');
    assert.strictEqual(again?.toString(), uri!.toString(), 'the active document\'s file');
  });

  it('Copy UID copies a series UID', async () => {
    const [inst] = await allInstances(api);
    const seriesEl = api.tree.getParent(inst)!;
    const uid = await vscode.commands.executeCommand<string>('dicom.copyUid', seriesEl);
    assert.strictEqual(uid, series.seriesInstanceUid);
    assert.strictEqual(await vscode.env.clipboard.readText(), series.seriesInstanceUid);
  });

  it('Export Metadata to CSV writes one row per file', async () => {
    const target = vscode.Uri.file(path.join(out, 'meta.csv'));
    const res = await vscode.commands.executeCommand<vscode.Uri>('dicom.exportCsv', { folder: workspaceFolder(), target, quiet: true });
    assert.strictEqual(res?.fsPath, target.fsPath);
    const lines = fs.readFileSync(target.fsPath, 'utf8').trim().split(/\r\n/);
    assert.strictEqual(lines.length, 1 + 4);
    assert.match(lines[0], /^\ufeff?path,status,PatientID/);
  });

  it('Export Metadata to Excel writes a workbook', async () => {
    const target = vscode.Uri.file(path.join(out, 'meta.xlsx'));
    const res = await vscode.commands.executeCommand<vscode.Uri>('dicom.exportXlsx', { folder: workspaceFolder(), target, quiet: true });
    assert.strictEqual(res?.fsPath, target.fsPath);
    assert.strictEqual(fs.readFileSync(target.fsPath).subarray(0, 2).toString('latin1'), 'PK');
  });
});
