/** Choosing the workspace folder a command is about. */
import * as vscode from 'vscode';
import type { IndexService } from '../contracts';

/** The one folder, or the user's pick among the indexed folders (all folders when none is indexed). */
export async function pickFolder(service: IndexService, placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  const indexed = folders.filter((f) => service.hasIndex(f));
  if (indexed.length === 1) return indexed[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}
