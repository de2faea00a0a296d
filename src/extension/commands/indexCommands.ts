/** Index Workspace, Rebuild Index, Cancel Indexing. */
import * as vscode from 'vscode';
import type { IndexService } from '../contracts';

export function registerIndexCommands(service: IndexService): vscode.Disposable {
  const needFolder = () => {
    if ((vscode.workspace.workspaceFolders ?? []).length) return true;
    void vscode.window.showInformationMessage('DICOM: open a folder of DICOM files first.');
    return false;
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand('dicom.indexWorkspace', async () => {
      if (!needFolder()) return;
      if (vscode.workspace.workspaceFolders?.some((f) => f.uri.scheme !== 'file')) {
        void vscode.window.showWarningMessage('DICOM: only folders on this machine\'s file system can be indexed.');
      }
      return service.indexAll({ interactive: true, folders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file') });
    }),
    vscode.commands.registerCommand('dicom.rebuildIndex', async () => {
      if (!needFolder()) return;
      return service.rebuild({ interactive: true, folders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file') });
    }),
    vscode.commands.registerCommand('dicom.cancelIndexing', () => service.cancel()),
  );
}
