/** A series row under Checks: show that series in the patient tree (selected, its parents expanded). */
import * as vscode from 'vscode';
import { isTreeElement, TreeElement } from '../tree/elements';
import { REVEAL_SERIES_COMMAND } from '../tree/checksNode';
import type { DicomTreeProvider } from '../tree/provider';

export function registerRevealSeries(tree: DicomTreeProvider, view: vscode.TreeView<TreeElement>): vscode.Disposable {
  /** Returns the id of the series node it revealed (tests), or undefined. */
  return vscode.commands.registerCommand(REVEAL_SERIES_COMMAND, async (arg?: unknown): Promise<string | undefined> => {
    const el = isTreeElement(arg) ? arg : view.selection[0];
    if (el?.kind !== 'checkSeries') return undefined;
    const node = await tree.findSeries(el.folder, el.row.SeriesInstanceUID);
    if (!node) {
      void vscode.window.showInformationMessage('DICOM: that series is no longer in the index.');
      return undefined;
    }
    await view.reveal(node, { select: true, focus: true, expand: false });
    return node.id;
  });
}
