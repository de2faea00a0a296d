/**
 * A refused database path, said to the user: the error names the path (the core's sentence) and
 * the setting that named it (which settings file), with a button that opens that file.
 */
import * as vscode from 'vscode';
import type { DatabaseRefusal } from './contracts';
import { databasePathSource, SettingSource } from './settings';

export const OPEN_SETTING_COMMAND = 'dicom.openDatabasePathSetting';
const OPEN = 'Open Settings File';

/** "DICOM (folder): Refused to use … Nothing there was changed; … It is named by dicom.index.databasePath in …." */
export function refusalText(r: DatabaseRefusal): string {
  const origin =
    r.source.scope === 'default'
      ? 'It is the default path; set dicom.index.databasePath to use another file.'
      : `It is named by the setting dicom.index.databasePath in ${r.source.label}.`;
  return `DICOM (${r.folder.name}): ${r.message} ${origin} Nothing is indexed in this folder until the setting changes.`;
}

/** Shows the error; its button opens the settings file that names the path. */
export function showRefusal(r: DatabaseRefusal): void {
  void vscode.window.showErrorMessage(refusalText(r), OPEN).then((choice) => {
    if (choice === OPEN) void vscode.commands.executeCommand(OPEN_SETTING_COMMAND, r.folder.uri);
  });
}

/** Opens the file that sets a folder's dicom.index.databasePath (or the Settings editor at it). */
export async function openSettingSource(source: SettingSource): Promise<void> {
  if (source.file) {
    const doc = await vscode.workspace.openTextDocument(source.file);
    await vscode.window.showTextDocument(doc, { preview: false });
    return;
  }
  if (source.scope === 'user') await vscode.commands.executeCommand('workbench.action.openSettingsJson');
  else if (source.scope === 'workspace') await vscode.commands.executeCommand('workbench.action.openWorkspaceSettingsFile');
  else await vscode.commands.executeCommand('workbench.action.openSettings', 'dicom.index.databasePath');
}

export function registerDatabasePathCommands(): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_SETTING_COMMAND, async (arg?: unknown) => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const uri = arg instanceof vscode.Uri ? arg.toString() : undefined;
    const folder = folders.find((f) => f.uri.toString() === uri) ?? folders[0];
    if (!folder) return;
    await openSettingSource(databasePathSource(folder));
  });
}
