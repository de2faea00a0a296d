/** The tree's context actions: Reveal in Explorer, Copy Path, Copy UID. */
import * as vscode from 'vscode';
import { fileOf, isTreeElement, TreeElement, uidOf } from '../tree/elements';

export function registerTreeActions(view: vscode.TreeView<TreeElement>): vscode.Disposable {
  // From a keybinding or the palette there is no argument: use the selection.
  const target = (arg: unknown): TreeElement | undefined => (isTreeElement(arg) ? arg : view.selection[0]);
  return vscode.Disposable.from(
    vscode.commands.registerCommand('dicom.revealInExplorer', async (arg?: unknown) => {
      const f = target(arg) && fileOf(target(arg)!);
      if (f) await vscode.commands.executeCommand('revealInExplorer', f);
    }),
    vscode.commands.registerCommand('dicom.copyPath', async (arg?: unknown) => {
      const f = target(arg) && fileOf(target(arg)!);
      if (!f) return;
      await vscode.env.clipboard.writeText(f.fsPath);
      vscode.window.setStatusBarMessage('DICOM: path copied', 3000);
    }),
    vscode.commands.registerCommand('dicom.copyUid', async (arg?: unknown) => {
      const el = target(arg);
      const u = el && uidOf(el);
      if (!u || !u.uid) {
        void vscode.window.showInformationMessage('DICOM: this row has no UID.');
        return;
      }
      await vscode.env.clipboard.writeText(u.uid);
      vscode.window.setStatusBarMessage(`DICOM: ${u.keyword} copied`, 3000);
      return u.uid;
    }),
  );
}
