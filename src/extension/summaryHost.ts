/** What the summary panel asks of the rest of the extension (contracts.ts: SummaryHost). */
import * as vscode from 'vscode';
import { exportFlow } from './commands/exportCommands';
import type { IndexService, SummaryHost } from './contracts';
import type { Log } from './log';
import type { TreeElement } from './tree/elements';
import type { DicomTreeProvider } from './tree/provider';

export class ExtensionSummaryHost implements SummaryHost {
  constructor(
    readonly service: IndexService,
    private readonly tree: DicomTreeProvider,
    private readonly view: vscode.TreeView<TreeElement>,
    private readonly log: Log,
  ) {}

  async revealSeries(folder: vscode.WorkspaceFolder, seriesInstanceUid: string): Promise<void> {
    const node = await this.tree.findSeries(folder, seriesInstanceUid);
    if (!node) {
      void vscode.window.showInformationMessage('DICOM: that series is no longer in the index.');
      return;
    }
    await this.view.reveal(node, { select: true, focus: true, expand: false });
  }

  async revealProblems(folder: vscode.WorkspaceFolder): Promise<void> {
    const node = await this.tree.findProblems(folder);
    if (!node) {
      void vscode.window.showInformationMessage('DICOM: no problem files in the index.');
      return;
    }
    await this.view.reveal(node, { select: true, focus: true, expand: true });
  }

  exportCsv(folder: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined> {
    return exportFlow(this.service, this.log, 'csv', { folder });
  }

  exportXlsx(folder: vscode.WorkspaceFolder): Promise<vscode.Uri | undefined> {
    return exportFlow(this.service, this.log, 'xlsx', { folder });
  }
}
