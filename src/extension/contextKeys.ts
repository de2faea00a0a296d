/**
 * The context keys of the view's welcome content, its menus and the walkthrough's completion
 * events: `dicom.indexing`, `dicom.index.hasIndex` (a folder has an index), `dicom.index.noDicom`
 * (a run found no DICOM files), `dicom.index.refused` (a folder's database path is refused) and
 * `dicom.index.exported` (an export was written).
 */
import * as vscode from 'vscode';
import type { IndexService } from './contracts';

/** The values set, by key (VS Code has no API to read a context key back: the integration tests read these). */
export const contextKeyValues: Record<string, boolean> = {};

const set = (key: string, value: boolean) => {
  contextKeyValues[key] = value;
  void vscode.commands.executeCommand('setContext', key, value);
};

export function trackContextKeys(service: IndexService): vscode.Disposable {
  const update = () => {
    const states = (vscode.workspace.workspaceFolders ?? []).map((f) => service.indexState(f));
    set('dicom.index.hasIndex', states.includes('indexed'));
    set('dicom.index.noDicom', states.includes('noDicom'));
    set('dicom.index.refused', states.includes('refused'));
  };
  update();
  return vscode.Disposable.from(
    service.onDidChangeIndexing((indexing) => {
      set('dicom.indexing', indexing);
      update();
    }),
    service.onDidChangeIndex(update),
    vscode.workspace.onDidChangeWorkspaceFolders(update),
  );
}

/** An export was written (the walkthrough's export step). */
export function markExported(): void {
  set('dicom.index.exported', true);
}
