import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'dicom-workspace-index.dicom-workspace-index';

describe('smoke', () => {
  it('the extension is present and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('a workspace folder is open', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.ok(folders.length > 0, 'no workspace folder open');
    const expected = process.env.DICOM_TEST_WORKSPACE;
    if (expected) assert.strictEqual(folders[0].uri.fsPath, expected);
  });
});
